"""Literal Secret values in the fleet: a warning that points to real secret management."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfedgen.backend.lint import secret_warnings
from kfedgen.errors import Location
from kfedgen.rendered import RenderedObject
from tests.conftest import RunCli, snapshot

INVENTORY = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters: [{name: c1}, {name: c2}]
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec:
  placement: {clusterSelector: {}}
"""
FEDERATED_DOC = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedSecret
metadata: {{name: db, namespace: shop}}
spec:
  template:
    type: Opaque
{body}
  placement: {{clusterSelector: {{}}}}
"""


def fleet(tmp_path: Path, body: str) -> Path:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(INVENTORY)
    (tmp_path / "fleet" / "secret.yaml").write_text(FEDERATED_DOC.format(body=body))
    return tmp_path


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("    data: {password: aHVudGVyMg==}", "data"),
        ("    stringData: {password: hunter2}", "stringData"),
        ("    data: {a: Yg==}\n    stringData: {b: c}", "data and stringData"),
    ],
)
def test_literal_secret_renders_with_a_warning(
    body: str, fields: str, tmp_path: Path, run_cli: RunCli
) -> None:
    result = run_cli("render", cwd=fleet(tmp_path, body))
    assert result.code == 0, result.err
    warning = (
        f"fleet/secret.yaml:1:1: warning: FederatedSecret/shop/db renders a Secret with literal "
        f"{fields}: the values will be committed to git in plain text"
    )
    assert warning in result.err
    assert "SealedSecret" in result.err
    assert "ExternalSecret" in result.err
    assert "SOPS" in result.err
    # Once per source object, not once per cluster.
    assert result.err.count("renders a Secret") == 1
    assert "c1/shop/secret_db.yaml" in snapshot(tmp_path / "rendered")


def test_strict_turns_the_warning_into_an_error(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("render", "--strict", cwd=fleet(tmp_path, "    data: {password: aGk=}"))
    assert result.code == 2
    assert "fleet/secret.yaml:1:1: FederatedSecret/shop/db renders a Secret" in result.err
    assert "nothing was written" in result.err
    assert not (tmp_path / "rendered").exists()


def test_github_format_annotates_the_warning(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("render", "--format", "github", cwd=fleet(tmp_path, "    data: {k: dg==}"))
    assert result.code == 0
    assert "::warning file=fleet/secret.yaml,line=1" in result.err


@pytest.mark.parametrize(
    "body",
    [
        "    data: {}",
        "    stringData: {}",
        "    metadata: {annotations: {kubernetes.io/service-account.name: bot}}",
    ],
)
def test_secret_without_values_is_not_warned_about(
    body: str, tmp_path: Path, run_cli: RunCli
) -> None:
    result = run_cli("render", "--strict", cwd=fleet(tmp_path, body))
    assert result.code == 0, result.err
    assert "renders a Secret" not in result.err


def test_an_override_that_adds_data_is_caught(tmp_path: Path, run_cli: RunCli) -> None:
    body = "    data: {}"
    workdir = fleet(tmp_path, body)
    secret = workdir / "fleet" / "secret.yaml"
    secret.write_text(
        secret.read_text()
        + "  overrides:\n    - clusterName: c2\n"
        + "      clusterOverrides: [{path: /data/token, value: dG9rZW4=}]\n"
    )
    result = run_cli("render", cwd=workdir)
    assert result.code == 0
    assert "FederatedSecret/shop/db renders a Secret with literal data" in result.err


def rendered(kind: str, api_version: str, **fields: object) -> RenderedObject:
    manifest = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **fields}
    return RenderedObject("c1", manifest, f"{kind}/x", Location("fleet/x.yaml", 3, 1))


def test_only_core_secrets_with_values_are_flagged() -> None:
    """Any source (a plain Secret selected by a policy, say) counts; look-alikes do not."""
    objects = [
        rendered("Secret", "v1", data={"a": "Yg=="}),
        rendered("Secret", "v1", data={"a": "Yg=="}),  # same origin, another cluster
        rendered("Secret", "example.com/v1", data={"a": "b"}),
        rendered("SealedSecret", "bitnami.com/v1alpha1", spec={"encryptedData": {"a": "x"}}),
        rendered("ConfigMap", "v1", data={"a": "b"}),
    ]
    warnings = secret_warnings(objects)
    assert [str(w.location) for w in warnings] == ["fleet/x.yaml:3:1"]
    assert not warnings[0].is_error
