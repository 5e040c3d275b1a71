"""Golden tests: each tests/golden/<case>/fleet renders to <case>/expected, byte for byte."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
import yaml

from kfedgen.backend.kubevalidate import supported_versions
from tests.conftest import GOLDEN, ROOT, RunCli, snapshot

CRDS = ROOT / "tests" / "crds"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "fleet").is_dir())


@pytest.mark.parametrize("case", CASES)
def test_golden_tree(
    case: str, run_cli: RunCli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source = GOLDEN / case
    workdir = tmp_path / case
    shutil.copytree(source / "fleet", workdir / "fleet")
    args: list[str] = []
    if (source / "overlays").is_dir():
        shutil.copytree(source / "overlays", workdir / "overlays")
        args = ["--overlays", "overlays"]
    result = run_cli("render", "-o", "out", *args, cwd=workdir)
    assert result.code == 0, result.err
    rendered = snapshot(workdir / "out")
    expected_dir = source / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(workdir / "out", expected_dir)
    expected = snapshot(expected_dir)
    assert sorted(rendered) == sorted(expected)
    for path, content in expected.items():
        assert rendered[path] == content, f"{case}: {path} differs from the golden file"


def test_sample1_semantics(run_cli: RunCli, tmp_path: Path) -> None:
    """Spot-check the KubeFed behaviours the sample exercises, independent of the golden bytes."""
    shutil.copytree(GOLDEN / "kubefed-sample1" / "fleet", tmp_path / "fleet")
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    cluster2 = tmp_path / "rendered" / "cluster2"
    deployment = (cluster2 / "test-namespace" / "deployment.apps_test-deployment.yaml").read_text()
    # the sample's RSP (totalReplicas 10, weights cluster1 2 : cluster2 3) splits 4/6 and
    # overwrites cluster2's own /spec/replicas: 5 override (reference 3.4)
    assert "replicas: 6" in deployment
    assert "image: nginx:1.17.0-alpine" in deployment
    # add /metadata/annotations {foo: bar} then remove /metadata/annotations/foo leaves an
    # empty map, which Kubernetes (ObjectMeta omitempty) and kfedgen omit
    assert "annotations" not in deployment
    assert "kubefed.io/managed" not in deployment
    cluster1 = tmp_path / "rendered" / "cluster1"
    assert (
        "replicas: 4"
        in (cluster1 / "test-namespace" / "deployment.apps_test-deployment.yaml").read_text()
    )
    assert (
        "sets the replicas of cluster 'cluster2'; this override's value is replaced" in result.err
    )
    # the FederatedTypeConfig makes ClusterRoleBinding a federated type
    binding = (
        cluster1
        / "_cluster"
        / "clusterrolebinding.rbac.authorization.k8s.io_test-clusterrolebinding.yaml"
    )
    assert binding.read_text().startswith(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
    )
    namespace = (cluster1 / "_cluster" / "namespace_test-namespace.yaml").read_text()
    assert namespace == "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: test-namespace\n"
    # plain objects are reported, not rendered
    # (a ConfigMap without a namespace is in `default`, as kubectl apply would put it)
    assert "ConfigMap default/web-file is a plain object" in result.err


@pytest.mark.parametrize("case", CASES)
def test_golden_tree_is_what_an_api_server_accepts(
    case: str, run_cli: RunCli, tmp_path: Path
) -> None:
    """Every rendered object passes strict schema validation on every supported Kubernetes
    version (the vendored Argo CD and Flux CRDs check their kinds), so the golden trees are
    objects a cluster would take, not just stable bytes."""
    source = GOLDEN / case
    workdir = tmp_path / case
    shutil.copytree(source, workdir, ignore=shutil.ignore_patterns("expected"))
    args = ["--overlays", "overlays"] if (source / "overlays").is_dir() else []
    # Only the CRDs of kinds the tree holds: the ApplicationSet CRD alone is 1.4 MB to read.
    kinds = {line for path in (source / "expected").rglob("*.yaml") for line in _kind_lines(path)}
    for crd, kind in crd_kinds().items():
        if kind in kinds:
            args += ["--crd", str(crd)]
    for version in supported_versions():
        result = run_cli("validate", *args, "--kube-version", version, cwd=workdir)
        assert result.code == 0, f"Kubernetes {version}:\n{result.err}"
        assert f"against Kubernetes {version}: 0 problems" in result.err


@functools.cache
def crd_kinds() -> dict[Path, str]:
    """Each vendored CRD file and the kind it defines (as ``kind: X``, the line a file holds)."""
    found = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        found[path] = f"kind: {crd['spec']['names']['kind']}"
    return found


def _kind_lines(path: Path) -> set[str]:
    return {
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("kind: ")
    }
