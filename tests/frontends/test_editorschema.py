"""The editors' schema: every fleet document judged as its own kind's schema judges it."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import jsonschema
import pytest

from kfedgen.errors import Problems
from kfedgen.frontends.editorschema import EDITOR_SCHEMA_FILE, editor_schema, editor_schema_text
from kfedgen.frontends.kinds import KINDS
from kfedgen.frontends.schema import SCHEMA_FILES, ecma_validator_class, schema_text
from kfedgen.model import FEDERATED_API_VERSION
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from tests.conftest import ROOT, RunCli

# Every fleet document the project holds: the example, the golden cases, the bad inputs.
CORPUS = sorted(
    [
        *(ROOT / "fleet").rglob("*.yaml"),
        *(ROOT / "tests" / "golden").glob("*/fleet/**/*.yaml"),
        *(ROOT / "tests" / "bad_inputs").rglob("*.yaml"),
        *(ROOT / "kfedgen" / "scaffold").rglob("*.yaml"),
    ]
)


def documents() -> list[tuple[str, dict[str, Any]]]:
    """Every mapping document of the corpus, as kfedgen's loader reads it."""
    found = []
    for path in CORPUS:
        # kfedgen's own loader: the bad inputs' alias bombs and deep nesting are refused.
        parsed = parse_file(SourceFile(str(path), path.read_bytes()), Problems(), LoadOptions())
        found += [(path.name, doc.data) for doc in parsed if isinstance(doc.data, dict)]
    return found


def kind_schema(document: dict[str, Any]) -> str | None:
    """The kind whose schema kfedgen checks ``document`` with; None: not one of kfedgen's."""
    key = (document.get("apiVersion"), document.get("kind"))
    if key in KINDS:
        return str(key[1])
    kind = key[1]
    if key[0] == FEDERATED_API_VERSION and isinstance(kind, str) and kind.startswith("Federated"):
        return "FederatedResource"
    return None


def test_the_repository_file_is_the_generated_schema() -> None:
    committed = (ROOT / "schemas" / EDITOR_SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == editor_schema_text(), "run: kfedgen schema --editor > schemas/kfedgen.json"


def test_it_is_valid_draft_2020_12_and_self_contained() -> None:
    schema = editor_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    refs = [line for line in editor_schema_text().splitlines() if '"$ref"' in line]
    assert refs and all('"#/$defs/' in line for line in refs)
    assert "$id" not in editor_schema_text()
    # Every kind of the table, and the federated kinds, are dispatched.
    assert len(schema["allOf"]) == len(KINDS) + 1
    assert set(schema["$defs"]) == {file.removesuffix(".json") for file in SCHEMA_FILES.values()}


def test_every_document_is_judged_as_its_kind_schema_judges_it() -> None:
    validator_class = ecma_validator_class()
    editor = validator_class(editor_schema())
    per_kind = {kind: validator_class(json.loads(schema_text(kind))) for kind in SCHEMA_FILES}
    outcomes: Counter[tuple[str | None, bool]] = Counter()
    for name, document in documents():
        kind = kind_schema(document)
        expected = per_kind[kind].is_valid(document) if kind else True
        assert editor.is_valid(document) == expected, (name, kind, document)
        outcomes[(kind, expected)] += 1
    # The corpus has valid and invalid documents of kfedgen's kinds, and plain objects.
    assert outcomes[("Fleet", True)] and outcomes[("Fleet", False)]
    assert outcomes[("FederatedResource", True)] and outcomes[("FederatedResource", False)]
    assert outcomes[("PropagationPolicy", True)] and outcomes[(None, True)]


def test_the_editor_reports_the_error_inside_the_kind() -> None:
    """What an editor shows: the failing keyword at the document's own path."""
    document = {"apiVersion": "kfedgen.io/v1alpha1", "kind": "Fleet", "spec": {"clusters": 3}}
    errors = list(ecma_validator_class()(editor_schema()).iter_errors(document))
    assert ("spec", "clusters") in _leaf_paths(errors)


def _leaf_paths(errors: list[jsonschema.ValidationError]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    for error in errors:
        found.append(tuple(error.absolute_path))
        found += _leaf_paths(list(error.context))
    return found


def test_schema_editor_command(run_cli: RunCli) -> None:
    result = run_cli("schema", "--editor")
    assert result.code == 0
    assert result.out == editor_schema_text()
    both = run_cli("schema", "--editor", "Fleet")
    assert both.code == 2
    assert "--editor prints the schema of every kind: give no KIND" in both.err


@pytest.mark.parametrize("kind", ["Fleet", "PropagationPolicy"])
def test_an_unknown_field_is_refused_where_the_kind_refuses_it(kind: str) -> None:
    api_version = next(api for api, k in KINDS if k == kind)
    document = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spce": {}}
    validator_class = ecma_validator_class()
    expected = validator_class(json.loads(schema_text(kind))).is_valid(document)
    assert validator_class(editor_schema()).is_valid(document) == expected
