"""Bad input: exit 2, a located message, every problem at once, the output tree untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import (
    RunCli,
    snapshot,
)
from tests.fleets import (
    INVENTORY,
)

NAMESPACE = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: app, namespace: app}
spec:
  placement: {clusterSelector: {}}
"""


def deployment(extra: str) -> str:
    return (
        """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: app}
spec:
  template: {spec: {replicas: 1}}
"""
        + extra
    )


CASES = {
    "unknown cluster in placement": (
        deployment("  placement: {clusters: [{name: eastt}]}\n"),
        "fleet/bad.yaml:6:27: spec.placement.clusters[0].name: cluster 'eastt' is not in the "
        "inventory (did you mean 'east'?)",
    ),
    "unknown cluster in overrides": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n    - clusterName: nowhere\n"
            "      clusterOverrides: [{path: /spec/replicas, value: 2}]\n"
        ),
        "fleet/bad.yaml:8:7: spec.overrides[0].clusterName: cluster 'nowhere' is not in the inventory",
    ),
    "forbidden override path": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n    - clusterName: east\n"
            "      clusterOverrides: [{path: /metadata/namespace, value: other}]\n"
        ),
        "fleet/bad.yaml:9:27: spec.overrides[0].clusterOverrides[0].path: the override moves "
        "FederatedDeployment/app/web into namespace 'other' in cluster 'east'",
    ),
    "duplicate clusterName": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n"
            "    - {clusterName: east, clusterOverrides: [{path: /spec/replicas, value: 2}]}\n"
            "    - {clusterName: east, clusterOverrides: [{path: /spec/paused, value: true}]}\n"
        ),
        "fleet/bad.yaml:9:8: spec.overrides[1].clusterName: cluster 'east' appears more than once",
    ),
    "duplicate path for one cluster": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n    - clusterName: east\n"
            "      clusterOverrides:\n        - {path: /spec/replicas, value: 2}\n"
            "        - {op: add, path: /spec/replicas, value: 3}\n"
        ),
        "spec.overrides[0].clusterOverrides[1].path: path '/spec/replicas' appears more than once",
    ),
    "unsupported op": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n    - clusterName: east\n"
            "      clusterOverrides: [{op: copy, path: /spec/replicas, value: 2}]\n"
        ),
        "spec.overrides[0].clusterOverrides[0].op: op 'copy' is not supported",
    ),
    "path without leading slash": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n    - clusterName: east\n"
            "      clusterOverrides: [{path: spec/replicas, value: 2}]\n"
        ),
        "path 'spec/replicas' must start with '/' (did you mean '/spec/replicas'?",
    ),
    "override that does not apply": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n    - clusterName: east\n"
            "      clusterOverrides: [{op: add, path: /metadata/annotations/foo, value: x}]\n"
        ),
        "override for cluster 'east' does not apply: add /metadata/annotations/foo: "
        "the document has no /metadata/annotations",
    ),
    "override selector with a bad operator": (
        deployment(
            "  placement: {clusterSelector: {}}\n  overrides:\n"
            "    - clusterSelector: {matchExpressions: [{key: env, operator: Equals, values: [a]}]}\n"
            "      clusterOverrides: [{path: /spec/replicas, value: 2}]\n"
        ),
        "operator 'Equals' is not one of In, NotIn, Exists, DoesNotExist",
    ),
    "schema type error": (
        deployment("  placement: {clusters: {name: east}}\n"),
        "fleet/bad.yaml:6:15: spec.placement.clusters: expected a list or null, got a mapping",
    ),
    "unknown field with suggestion": (
        deployment("  placment: {clusterSelector: {}}\n"),
        "fleet/bad.yaml:6:3: spec.placment: unknown field 'placment' (did you mean 'placement'?)",
    ),
    "unknown federated kind": (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedWidget\nmetadata: {name: w}\nspec: {}\n",
        "fleet/bad.yaml:2:1: kind: unknown kind 'FederatedWidget' for apiVersion "
        "'types.kubefed.io/v1beta1' (add a FederatedTypeConfig for its target type)",
    ),
    "second inventory": (
        INVENTORY,
        "fleet/fleet.yaml:1:1: a second Fleet document; the first is at fleet/bad.yaml:1:1",
    ),
    "invalid cluster name": (
        "apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata: {name: Bad_Name}\n",
        "fleet/bad.yaml:3:12: metadata.name: 'Bad_Name' must be a DNS-1123 label (lower-case "
        "letters, digits and '-', starting and ending with a letter or digit, at most 63 "
        "characters) (did you mean 'bad-name'?)",
    ),
    "duplicate object": (
        NAMESPACE,
        "FederatedNamespace/app/app is defined twice; the first is at fleet/bad.yaml:1:1",
    ),
    "misnamed FederatedNamespace": (
        NAMESPACE.replace("name: app, namespace: app", "name: other, namespace: app"),
        "a FederatedNamespace must be named like its namespace ('app')",
    ),
    "file name collision": (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedClusterRole\nmetadata: {name: 'a:b'}\n"
        "spec: {placement: {clusterSelector: {}}}\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedClusterRole\nmetadata: {name: a_b}\n"
        "spec: {placement: {clusterSelector: {}}}\n",
        "FederatedClusterRole/a_b and FederatedClusterRole/a:b both render to "
        "east/_cluster/clusterrole.rbac.authorization.k8s.io_a_b.yaml in cluster east",
    ),
    "invalid YAML": (
        "apiVersion: v1\nkind: [unclosed\n",
        "fleet/bad.yaml:3:1: invalid YAML",
    ),
    "not a mapping": (
        "- just\n- a list\n",
        "fleet/bad.yaml:1:1: document is a list, not a mapping",
    ),
    "missing kind": (
        "apiVersion: v1\nmetadata: {name: x}\n",
        "fleet/bad.yaml:1:1: kind: kind is missing or not a string",
    ),
}


@pytest.fixture
def rendered_fleet(tmp_path: Path, run_cli: RunCli) -> Path:
    """A valid fleet rendered once, so tests can check that errors leave the tree alone."""
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "fleet.yaml").write_text(INVENTORY)
    (fleet / "namespace.yaml").write_text(NAMESPACE)
    assert run_cli("render", cwd=tmp_path).code == 0
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case: str, rendered_fleet: Path, run_cli: RunCli) -> None:
    text, message = CASES[case]
    before = snapshot(rendered_fleet / "rendered")
    (rendered_fleet / "fleet" / "bad.yaml").write_text(text)
    result = run_cli("render", cwd=rendered_fleet)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert result.err.endswith("nothing was written\n")
    assert snapshot(rendered_fleet / "rendered") == before


def test_missing_inventory(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "ns.yaml").write_text(NAMESPACE)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith(
        "fleet: no inventory: fleet holds no kfedgen.io/v1alpha1 Fleet, core.kubefed.io/v1beta1 "
        "KubeFedCluster or cluster.karmada.io/v1alpha1 Cluster document"
    )
    assert not (tmp_path / "rendered").exists()


def test_every_problem_is_reported_in_one_run(rendered_fleet: Path, run_cli: RunCli) -> None:
    for index, case in enumerate(["unknown cluster in placement", "invalid YAML", "missing kind"]):
        (rendered_fleet / "fleet" / f"bad{index}.yaml").write_text(CASES[case][0])
    result = run_cli("render", cwd=rendered_fleet)
    assert result.code == 2
    lines = result.err.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "fleet/bad0.yaml",
        "fleet/bad1.yaml",
        "fleet/bad2.yaml",
    ]
    assert lines[-1] == "kfedgen: the fleet spec has 3 problems; nothing was written"


def test_github_format_gives_annotations(rendered_fleet: Path, run_cli: RunCli) -> None:
    (rendered_fleet / "fleet" / "bad.yaml").write_text(CASES["unknown cluster in placement"][0])
    result = run_cli("render", "--format", "github", cwd=rendered_fleet)
    assert result.code == 2
    assert result.err.startswith(
        "::error file=fleet/bad.yaml,line=6,col=27,title=kfedgen::spec.placement.clusters[0].name: "
    )


def test_strict_turns_warnings_into_errors(rendered_fleet: Path, run_cli: RunCli) -> None:
    (rendered_fleet / "fleet" / "plain.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    )
    assert run_cli("render", cwd=rendered_fleet).code == 0
    result = run_cli("render", "--strict", cwd=rendered_fleet)
    assert result.code == 2
    assert "ConfigMap default/x is a plain object that nothing federates" in result.err
