"""``kfedgen validate --kube-version``: rendered objects against Kubernetes and CRD schemas."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from kubernetes_validate.utils import VersionNotSupportedError

from kfedgen.backend.emit import OutputTree, to_yaml
from kfedgen.backend.kubefindings import bundled_versions
from kfedgen.backend.kubevalidate import (
    KubeSchemas,
    resolve_version,
    supported_versions,
    validate_tree,
)
from kfedgen.errors import KfedgenError
from kfedgen.frontends.schema import schema_errors
from tests.conftest import ROOT, RunCli

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    },
}
SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"app": "web"}},
}
ROLE: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "reader"},
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
}


def changed(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``obj`` with the dotted ``path`` set to ``value``."""
    result = copy.deepcopy(obj)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = result
    for part in parents:
        target = target[part]
    target[last] = value
    return result


# --- versions ------------------------------------------------------------------


def test_supported_versions_come_from_kubernetes_validate() -> None:
    versions = supported_versions()
    assert "1.32" in versions
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))


@pytest.mark.parametrize("text", ["1.32", "v1.32", "1.32.4", " 1.32 "])
def test_version_forms(text: str) -> None:
    assert resolve_version(text) == "1.32"


@pytest.mark.parametrize("text", ["1.20", "2.0", "1.99", "latest", "1", ""])
def test_unsupported_versions_list_the_supported_ones(text: str) -> None:
    with pytest.raises(KfedgenError) as raised:
        resolve_version(text)
    message = str(raised.value)
    assert f"no Kubernetes schemas for version {text!r}" in message
    assert ", ".join(supported_versions()) in message


# --- agreement with kubernetes-validate -----------------------------------------

CASES = [
    DEPLOYMENT,
    SERVICE,
    ROLE,
    changed(DEPLOYMENT, "spec.replicas", "two"),
    changed(DEPLOYMENT, "spec.template.spec.containers.0.imagePullPolicy", "Sometimes"),
    changed(DEPLOYMENT, "spec.template.spec.containers.0.imagee", "typo"),
    changed(DEPLOYMENT, "spec.strategy", {"type": "Recreate"}),
    changed(SERVICE, "spec.ports.0.targetPort", 8080),
    changed(SERVICE, "spec.ports.0.port", "80"),
    changed(ROLE, "rules.0.verbs", "get"),
    {k: v for k, v in DEPLOYMENT.items() if k != "spec"},
]


@pytest.mark.parametrize("version", ["1.25", "1.32", supported_versions()[-1]])
def test_same_verdicts_as_kubernetes_validate(version: str) -> None:
    """kfedgen compiles kubernetes-validate's schemas once; its verdicts must not change."""
    schemas = KubeSchemas(version)
    for obj in CASES:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
            expected = True
        except kubernetes_validate.ValidationError:
            expected = False
        validator = schemas.validator(obj["apiVersion"], obj["kind"])
        assert validator is not None
        assert validator.is_valid(obj) == expected, to_yaml(obj).decode()


def test_kubernetes_validate_rejects_what_we_reject_as_unsupported() -> None:
    # kubernetes-validate compares versions as strings; kfedgen refuses them up front.
    with pytest.raises(VersionNotSupportedError):
        kubernetes_validate.validate(DEPLOYMENT, "1.99", strict=True)
    with pytest.raises(KfedgenError):
        KubeSchemas("1.99")


# --- validating a tree ------------------------------------------------------------


def test_each_distinct_object_is_validated_once_and_reported_per_cluster() -> None:
    bad = changed(DEPLOYMENT, "spec.replicas", "two")
    files = {f"c{i}/shop/deployment.apps_web.yaml": to_yaml(bad) for i in range(50)}
    files |= {f"c{i}/shop/service_web.yaml": to_yaml(SERVICE) for i in range(50)}
    files |= {f"c{i}/kustomization.yaml": b"resources: []\n" for i in range(50)}
    files[".kfedgen/manifest.json"] = b"{}"
    report = validate_tree(OutputTree(files), KubeSchemas("1.32"))
    assert (report.objects, report.distinct, report.validated) == (100, 2, 100)
    assert len(report.findings) == 50
    first = report.findings[0]
    assert (
        str(first)
        == "c0/Deployment/shop/web: spec.replicas: expected an integer or null, got a string"
    )
    problem = first.to_problem("rendered")
    assert str(problem.location) == "rendered/c0/shop/deployment.apps_web.yaml:9:3"


def test_custom_resources_are_skipped_unless_a_crd_is_given() -> None:
    # apps.example.com shares "apps" with apps/v1: kubernetes-validate's file naming
    # would find the Deployment schema; it must be skipped instead.
    lookalike = {**DEPLOYMENT, "apiVersion": "apps.example.com/v1"}
    files = {
        "c0/shop/deployment.apps.example.com_web.yaml": to_yaml(lookalike),
        "c0/_cluster/clusterrole.rbac.authorization.k8s.io_reader.yaml": to_yaml(ROLE),
    }
    report = validate_tree(OutputTree(files), KubeSchemas("1.32"))
    assert report.findings == []
    assert dict(report.skipped) == {("apps.example.com/v1", "Deployment"): 1}
    assert report.validated == 1


# --- the command ---------------------------------------------------------------------


def test_example_fleet_is_valid_for_kubernetes(run_cli: RunCli) -> None:
    result = run_cli("validate", "--kube-version", "1.32", cwd=ROOT)
    assert result.code == 0, result.err
    assert (
        "checked 28 of 35 rendered objects (27 distinct) against Kubernetes 1.32: 0 problems"
        in (result.err)
    )
    assert (
        "skipped 7 objects of kinds with no schema: Application (argoproj.io/v1alpha1) x5, "
        "TrafficSplit (split.smi-spec.io/v1alpha2) x2" in result.err
    )
    with_crds = run_cli("validate", "--kube-version", "1.32", "--crd", "tests/crds", cwd=ROOT)
    assert with_crds.code == 0, with_crds.err
    assert "checked 35 of 35 rendered objects" in with_crds.err
    assert "objects of kinds with no schema" not in with_crds.err


def test_golden_gitops_fleet_validates_with_the_engines_crds(run_cli: RunCli) -> None:
    fleet = ROOT / "tests" / "golden" / "gitops" / "fleet"
    crds = ROOT / "tests" / "crds"
    result = run_cli("validate", "-f", fleet, "--kube-version", "1.30", "--crd", crds, cwd=ROOT)
    assert result.code == 0, result.err
    assert "skipped" not in result.err


BROKEN = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - {name: web, image: nginx, imagee: typo}
  placement:
    clusterSelector: {}
  overrides:
    - clusterName: cluster1
      clusterOverrides:
        - {path: /spec/replicas, value: three}
"""


@pytest.fixture
def broken_fleet(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "fleet", tmp_path / "fleet")
    (tmp_path / "fleet" / "broken.yaml").write_text(BROKEN)
    return tmp_path


def test_invalid_objects_are_reported_per_cluster(run_cli: RunCli, broken_fleet: Path) -> None:
    result = run_cli("validate", "--kube-version", "1.32", cwd=broken_fleet)
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if not line.startswith("kfedgen:")]
    assert lines == [
        "cluster0/Deployment/shop/web: spec.template.spec.containers[0].imagee: unknown field "
        "'imagee' (did you mean 'image'?)",
        "cluster1/Deployment/shop/web: spec.replicas: expected an integer or null, got a string",
        "cluster1/Deployment/shop/web: spec.template.spec.containers[0].imagee: unknown field "
        "'imagee' (did you mean 'image'?)",
    ]
    assert "against Kubernetes 1.32: 3 problems" in result.err
    assert not (broken_fleet / "rendered").exists()


def test_invalid_objects_as_github_annotations(run_cli: RunCli, broken_fleet: Path) -> None:
    result = run_cli("validate", "--kube-version", "1.32", "--format", "github", cwd=broken_fleet)
    assert result.code == 2
    assert (
        "::error file=rendered/cluster1/shop/deployment.apps_web.yaml,line=7,col=3,"
        "title=kfedgen::spec.replicas: cluster1/Deployment/shop/web: expected an integer or "
        "null, got a string"
    ) in result.err.splitlines()


def test_without_kube_version_only_the_spec_is_checked(run_cli: RunCli, broken_fleet: Path) -> None:
    result = run_cli("validate", cwd=broken_fleet)
    assert result.code == 0, result.err
    assert "imagee" not in result.err


def test_unsupported_version_is_a_clear_error(run_cli: RunCli) -> None:
    result = run_cli("validate", "--kube-version", "1.19", cwd=ROOT)
    assert result.code == 2
    assert re.fullmatch(
        r"kfedgen: error: no Kubernetes schemas for version '1\.19'; supported versions: "
        r"1\.\d+(, 1\.\d+)* \(give X\.Y, e\.g\. --kube-version 1\.\d+\)\n",
        result.err,
    ), result.err


def test_crd_needs_kube_version(run_cli: RunCli) -> None:
    result = run_cli("validate", "--crd", "tests/crds", cwd=ROOT)
    assert result.code == 2
    assert "--crd needs --kube-version" in result.err


def test_bad_crd_file_is_reported_with_its_location(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "fleet", tmp_path / "fleet")
    (tmp_path / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\n"
        "kind: CustomResourceDefinition\n"
        "metadata: {name: widgets.example.com}\n"
        "spec:\n"
        "  group: example.com\n"
        "  names: {kind: Widget, plural: widgets}\n"
        "  versions:\n"
        "    - name: v1\n"
        "      served: true\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
    )
    result = run_cli("validate", "--kube-version", "1.32", "--crd", "crd.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.err.splitlines() == [
        "crd.yaml:8:7: spec.versions[0].schema.openAPIV3Schema: served version has no "
        "openAPIV3Schema",
        "crd.yaml:11:1: not an apiextensions.k8s.io/v1 CustomResourceDefinition (--crd takes "
        "CRD manifests, such as the ones a project publishes for its CRs)",
        "kfedgen: the --crd files have 2 problems; nothing was written",
    ]


# --- remembered parts -----------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.25", supported_versions()[-1]])
def test_remembered_parts_change_no_error(version: str) -> None:
    """Schemas that validated every other case first report what fresh ones report."""
    shared = KubeSchemas(version)
    for obj in [*CASES, *reversed(CASES)]:
        key = obj["apiVersion"], obj["kind"]
        fresh = KubeSchemas(version).validator(*key)
        remembering = shared.validator(*key)
        assert fresh is not None and remembering is not None
        assert list(schema_errors(remembering, obj)) == list(schema_errors(fresh, obj))


def test_an_invalid_part_is_reported_in_every_object_that_holds_it() -> None:
    # The pod template is the same in all three; only valid parts are remembered.
    bad = changed(DEPLOYMENT, "spec.template.spec.containers.0.imagee", "typo")
    validator = KubeSchemas("1.32").validator("apps/v1", "Deployment")
    assert validator is not None
    for obj in (bad, changed(bad, "spec.replicas", 5), bad):
        paths = [path for path, _, _ in schema_errors(validator, obj)]
        assert paths == [("spec", "template", "spec", "containers", 0, "imagee")]


def test_bundled_versions_without_importing_kubernetes_validate_are_its_own() -> None:
    assert bundled_versions() == supported_versions()
