"""The JSON Schemas: valid draft 2020-12, shipped in the package and in schemas/."""

from __future__ import annotations

import json

import jsonschema
import pytest

from kfedgen.frontends.editorschema import EDITOR_SCHEMA_FILE
from kfedgen.frontends.schema import schema_names, schema_text
from tests.conftest import ROOT, RunCli


@pytest.mark.parametrize("kind", schema_names())
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_text(kind)))


def test_repository_schemas_match_the_package() -> None:
    shipped = {
        path.name: path.read_text() for path in (ROOT / "kfedgen" / "schemas").glob("*.json")
    }
    published = {path.name: path.read_text() for path in (ROOT / "schemas").glob("*.json")}
    # The editors' schema is generated from these (tests/frontends/test_editorschema.py).
    del published[EDITOR_SCHEMA_FILE]
    assert published == shipped, "copy kfedgen/schemas/*.json to schemas/"


def test_schema_command_prints_a_schema(run_cli: RunCli) -> None:
    result = run_cli("schema", "Fleet")
    assert result.code == 0
    assert json.loads(result.out)["title"].startswith("Fleet")


def test_schema_command_lists_kinds(run_cli: RunCli) -> None:
    result = run_cli("schema")
    assert result.code == 0
    assert result.out.split() == schema_names()


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("fleet", "Fleet"),
        ("FLEET", "Fleet"),
        ("replicaschedulingpreference", "ReplicaSchedulingPreference"),
        ("clusterpropagationpolicy", "ClusterPropagationPolicy"),
        ("FederatedDeployment", "FederatedResource"),
        ("federateddeployment", "FederatedResource"),
        ("FederatedServiceAccount", "FederatedResource"),
        ("federatedtypeconfig", "FederatedTypeConfig"),
    ],
)
def test_schema_command_takes_any_case_and_federated_kinds(
    given: str, kind: str, run_cli: RunCli
) -> None:
    result = run_cli("schema", given)
    assert result.code == 0, result.err
    assert result.out == schema_text(kind)


def test_schema_command_refuses_an_unknown_kind_with_a_suggestion(run_cli: RunCli) -> None:
    result = run_cli("schema", "Fleat")
    assert result.code == 2
    assert result.out == ""
    assert "no schema for kind 'Fleat' (did you mean 'Fleet'?)" in result.err
    assert "'kfedgen schema' lists the kinds" in result.err
    widget = run_cli("schema", "FederatedWidget")
    assert widget.code == 2
    assert "a kind a FederatedTypeConfig adds is a FederatedResource" in widget.err
