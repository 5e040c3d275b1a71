"""Argo CD and Flux accept what kfedgen generates.

Every generated Application, AppProject, GitRepository and Flux Kustomization
is validated against the served version's ``openAPIV3Schema`` of the engines'
real CRDs (``tests/crds/``), and every path they point at is a directory of the
rendered tree that builds with a real ``kubectl kustomize``.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import jsonschema
import pytest
import yaml
from jsonschema.protocols import Validator

from kfedgen.backend.kubefindings import SchemaKey
from kfedgen.backend.kubevalidate import load_crds, openapi_to_jsonschema
from kfedgen.cli import main
from kfedgen.errors import Problems
from kfedgen.frontends.schema import schema_errors
from kfedgen.source.load import discover
from tests.conftest import GOLDEN, ROOT, SHARED, kubectl_available
from tests.gitops.test_gitops import ENGINE_SETTINGS, compile_gitops

CRDS = ROOT / "tests" / "crds"
GITOPS_KINDS = {
    ("argoproj.io/v1alpha1", "Application"),
    ("argoproj.io/v1alpha1", "AppProject"),
    ("argoproj.io/v1alpha1", "ApplicationSet"),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"),
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
}
# The traffic APIs' CRDs beside them (tests/traffic checks those objects).
TRAFFIC_CRD_KINDS = {
    ("multicluster.x-k8s.io/v1alpha1", "ServiceExport"),
    ("multicluster.x-k8s.io/v1beta1", "ServiceExport"),
    ("multicluster.x-k8s.io/v1alpha1", "ServiceImport"),
    ("multicluster.x-k8s.io/v1beta1", "ServiceImport"),
    ("split.smi-spec.io/v1alpha1", "TrafficSplit"),
    ("split.smi-spec.io/v1alpha2", "TrafficSplit"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("gateway.networking.k8s.io/v1beta1", "HTTPRoute"),
    ("networking.karmada.io/v1alpha1", "MultiClusterService"),
}
# Output trees holding generated gitops objects: the example fleet and the golden cases.
GOLDEN_TREES = [GOLDEN / "gitops" / "expected", GOLDEN / "gitops-applicationset" / "expected"]
TREES = [ROOT / "rendered", *GOLDEN_TREES]


@pytest.fixture(scope="session")
def crds() -> dict[SchemaKey, Validator]:
    """The engines' CRD schemas, parsed and compiled once per session (they are large)."""
    problems = Problems()
    validators = load_crds(discover([CRDS], ROOT, problems), problems)
    assert not problems.items, [str(p) for p in problems]
    return validators


def gitops_objects(tree: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for directory in ("_argocd", "_flux"):
        for path in sorted((tree / directory).glob("*.yaml")):
            if path.name != "kustomization.yaml":
                yield f"{directory}/{path.name}", yaml.safe_load(path.read_text())


def errors(crds: dict[SchemaKey, Validator], obj: dict[str, Any]) -> list[str]:
    """``path: message (hint)`` for every schema error of ``obj``."""
    validator = crds[(obj["apiVersion"], obj["kind"])]
    return [
        f"{'.'.join(map(str, path))}: {message}" + (f" ({hint})" if hint else "")
        for path, message, hint in schema_errors(validator, obj)
    ]


def test_test_crds_are_the_upstream_files() -> None:
    if not SHARED.joinpath("crds").is_dir():
        pytest.skip(f"{SHARED / 'crds'} (the shared upstream copies) is not available here")
    # The shared copies are the engines' CRDs; the traffic ones came from their projects
    # (tests/crds/README.md names each file's commit).
    for name in sorted(p.name for p in (SHARED / "crds").glob("*.yaml")):
        assert filecmp.cmp(CRDS / name, SHARED / "crds" / name, shallow=False), name


def test_crds_cover_every_generated_kind(crds: dict[SchemaKey, Validator]) -> None:
    assert set(crds) == GITOPS_KINDS | TRAFFIC_CRD_KINDS


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_generated_objects_match_the_crds(tree: Path, crds: dict[SchemaKey, Validator]) -> None:
    found = dict(gitops_objects(tree))
    assert found, f"no gitops objects in {tree}"
    for name, obj in found.items():
        assert errors(crds, obj) == [], name


def test_golden_trees_have_every_kind() -> None:
    kinds = {(o["apiVersion"], o["kind"]) for t in GOLDEN_TREES for _, o in gitops_objects(t)}
    assert kinds == GITOPS_KINDS


def test_flux_kubeconfig_satisfies_the_cel_rule() -> None:
    # The CRD's CEL rule (not evaluated by jsonschema): exactly one of
    # kubeConfig.configMapRef and kubeConfig.secretRef.
    for name, obj in gitops_objects(GOLDEN / "gitops" / "expected"):
        kube_config = obj.get("spec", {}).get("kubeConfig")
        if kube_config is not None:
            assert sorted(kube_config) == ["secretRef"], name


@pytest.mark.parametrize(
    ("file", "mutate", "expected"),
    [
        (
            "_argocd/edge-1.yaml",
            lambda o: o["spec"]["syncPolicy"]["automated"].update(selfheal=True),
            "spec.syncPolicy.automated.selfheal: unknown field 'selfheal' "
            "(did you mean 'selfHeal'?)",
        ),
        (
            "_argocd/edge-1.yaml",
            lambda o: o["spec"]["syncPolicy"]["automated"].update(prune="yes"),
            "spec.syncPolicy.automated.prune: expected true or false, got a string",
        ),
        (
            "_argocd/root.yaml",
            lambda o: o["spec"].pop("destination"),
            ": 'destination' is required",
        ),
        (
            "_argocd/appproject.yaml",
            lambda o: o["spec"]["clusterResourceWhitelist"][0].pop("kind"),
            "spec.clusterResourceWhitelist.0: 'kind' is required",
        ),
        ("_flux/edge-2.yaml", lambda o: o["spec"].pop("prune"), "spec: 'prune' is required"),
        (
            "_flux/edge-2.yaml",
            lambda o: o["spec"].update(interval="5 minutes"),
            "spec.interval: '5 minutes' must be a duration",
        ),
        (
            "_flux/gitrepository.yaml",
            lambda o: o["spec"]["ref"].update(branches="main"),
            "spec.ref.branches: unknown field 'branches' (did you mean 'branch'?)",
        ),
    ],
)
def test_crd_schemas_reject_broken_objects(
    file: str, mutate: Any, expected: str, crds: dict[SchemaKey, Validator]
) -> None:
    """The schemas really constrain the objects: a test that could not fail proves nothing."""
    obj = yaml.safe_load((GOLDEN / "gitops" / "expected" / file).read_text())
    assert errors(crds, obj) == []
    mutate(obj)
    found = errors(crds, obj)
    assert any(expected in line for line in found), found


def test_openapi_conversion_follows_kubernetes() -> None:
    schema = openapi_to_jsonschema(
        {
            "type": "object",
            "properties": {
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "bare": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "free": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"a": {"type": "string"}},
                },
                "list": {
                    "type": "array",
                    "x-kubernetes-list-type": "set",
                    "items": {"type": "string"},
                },
            },
        }
    )
    validator = jsonschema.Draft4Validator(schema)
    assert validator.is_valid(
        {"port": 80, "bare": "http", "note": None, "free": {"b": 1}, "list": ["x"]}
    )
    assert not validator.is_valid({"bare": 1.5})
    assert not validator.is_valid({"note": 3})
    assert not validator.is_valid({"other": 1})  # unknown fields are rejected...
    assert validator.is_valid({"free": {"anything": [1]}})  # ...unless preserved
    assert "x-kubernetes-list-type" not in str(schema)


# --- the paths resolve, and build -----------------------------------------------


@pytest.fixture(scope="module")
def repo_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden gitops fleet rendered into deploy/rendered of a real git repository."""
    repo = tmp_path_factory.mktemp("repo")
    git.Repo.init(repo)
    shutil.copytree(GOLDEN / "gitops" / "fleet", repo / "config" / "fleet")
    # Run from a subdirectory: the paths must still be relative to the repository root.
    previous = Path.cwd()
    try:
        os.chdir(repo / "config")
        assert main(["render", "-o", "../deploy/rendered"]) == 0
    finally:
        os.chdir(previous)
    return repo


def referenced_paths(repo: Path) -> list[str]:
    """Every repository path an Application or Kustomization points at."""
    paths = []
    for _, obj in gitops_objects(repo / "deploy" / "rendered"):
        if obj["kind"] == "Application":
            paths.append(obj["spec"]["source"]["path"])
        elif obj["kind"] == "Kustomization":
            paths.append(obj["spec"]["path"].removeprefix("./"))
    return paths


def test_paths_are_relative_to_the_repository_root(repo_render: Path) -> None:
    paths = referenced_paths(repo_render)
    expected_dirs = {"_argocd", "_flux", "edge-1", "edge-2", "hub"}
    assert {p.removeprefix("deploy/rendered/") for p in paths} == expected_dirs
    for path in paths:
        assert (repo_render / path / "kustomization.yaml").is_file(), path


def test_every_referenced_directory_builds_with_kubectl_kustomize(repo_render: Path) -> None:
    if not kubectl_available():
        pytest.skip("kubectl is not installed; it is needed to run a real kustomize build")
    for path in sorted(set(referenced_paths(repo_render))):
        built = subprocess.run(
            ["kubectl", "kustomize", str(repo_render / path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert built.returncode == 0, f"{path}: {built.stderr}"
        names = {(o["kind"], o["metadata"]["name"]) for o in yaml.safe_load_all(built.stdout)}
        if path.endswith("_argocd"):
            assert ("Application", "retail-root") in names
            assert ("AppProject", "retail") in names
        elif path.endswith("_flux"):
            assert ("GitRepository", "retail-fleet") in names
            assert ("Kustomization", "hub") in names


def test_kubectl_kustomize_on_the_example_argocd_directory() -> None:
    if not kubectl_available():
        pytest.skip("kubectl is not installed; it is needed to run a real kustomize build")
    built = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "rendered" / "_argocd")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert len(list(yaml.safe_load_all(built.stdout))) == 5  # root and four clusters


def test_every_engine_setting_matches_the_crds(crds: dict[SchemaKey, Validator]) -> None:
    """The settings the golden case leaves out (Flux's wait, timeout...) validate too."""
    compilation = compile_gitops(ENGINE_SETTINGS)
    found = {
        path: yaml.safe_load(content)
        for path, content in compilation.tree.files.items()
        if path.startswith(("_argocd/", "_flux/")) and not path.endswith("kustomization.yaml")
    }
    assert len(found) == 9
    for path, obj in found.items():
        assert errors(crds, obj) == [], path


def go_path_match(pattern: str, name: str) -> bool:
    """Go's ``path.Match`` for ``*`` and literal characters: ``*`` never crosses a ``/``."""
    regex = "".join(
        "[^/]*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern)
    )
    return re.fullmatch(regex, name) is not None


def test_the_application_set_generates_exactly_the_cluster_directories() -> None:
    """Argo CD's git directory generator over the golden tree, as committed to a repository.

    Every directory of the repository is matched against the generator's ``directories``
    with Go's ``path.Match``, and an ``exclude`` entry removes what it matches, as the
    generator's documentation describes.
    """
    tree = GOLDEN / "gitops-applicationset" / "expected"
    (appset,) = [o for _, o in gitops_objects(tree) if o["kind"] == "ApplicationSet"]
    (generator,) = appset["spec"]["generators"]
    entries = generator["git"]["directories"]
    # The golden case renders into out/: the repository holds out/ and its directories.
    directories = {
        "out/" + path.relative_to(tree).as_posix() for path in tree.rglob("*") if path.is_dir()
    }
    directories |= {"out", "fleet"}
    included = {
        d
        for d in directories
        if any(go_path_match(e["path"], d) for e in entries if not e.get("exclude"))
    }
    excluded = {
        d
        for d in directories
        if any(go_path_match(e["path"], d) for e in entries if e.get("exclude"))
    }
    clusters = {"out/hub", "out/edge-1", "out/edge-2"}
    assert included - excluded == clusters
    assert {"out/_argocd", "out/.kfedgen"} <= excluded
    template = appset["spec"]["template"]
    assert template["spec"]["destination"] == {"name": "{{.path.basename}}"}
    assert template["spec"]["source"]["path"] == "{{.path.path}}"
