"""Check 1 through the CLI: the APIs a cluster's Kubernetes version serves, and its schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kfedgen.servedapis import GUIDE, REMOVALS
from tests.conftest import RunCli, snapshot
from tests.feasibility.fleets import HPA, write_fleet
from tests.fleets import inventory


def ingress(api_version: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": "Ingress", "metadata": {"name": "web"}, "spec": {}}


def pdb(api_version: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web"},
        "spec": {"maxUnavailable": 1},
    }


def widget(api_version: str = "example.com/v1") -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}


WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


def explain(run_cli: RunCli, fleet: Path, ref: str) -> str:
    result = run_cli("explain", ref, cwd=fleet)
    assert result.code == 0, result.err
    return result.out


def test_karmada_keeps_an_object_off_a_cluster_that_removed_its_api(
    tmp_path: Path, run_cli: RunCli
) -> None:
    clusters = ['{name: old, kubernetesVersion: "1.21"}', '{name: new, kubernetesVersion: "1.22"}']
    fleet = write_fleet(tmp_path, clusters, [ingress("extensions/v1beta1")])
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    assert "warning" not in result.err  # filtered at scheduling, not reported at render
    tree = snapshot(tmp_path / "rendered")
    assert "old/shop/ingress.extensions_web.yaml" in tree, sorted(tree)
    assert not any(p.startswith("new/shop/") for p in tree), sorted(tree)
    assert (
        "APIEnablement filters it out: extensions/v1beta1 Ingress was removed in Kubernetes "
        f"1.22 and the cluster runs 1.22 (use networking.k8s.io/v1, served since 1.19; see {GUIDE})"
    ) in explain(run_cli, fleet, "Ingress/shop/web")


def kubefed_deployment(directory: Path, *clusters: str) -> Path:
    """A FederatedDeployment (apps/v1) that KubeFed places on every cluster."""
    fleet = directory / "fleet"
    fleet.mkdir(parents=True)
    (fleet / "fleet.yaml").write_text(inventory(*clusters))
    (fleet / "objects.yaml").write_text(
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: shop, namespace: shop}\n"
        "spec: {placement: {clusterSelector: {}}}\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\n"
        "metadata: {name: web, namespace: shop}\n"
        "spec:\n  placement: {clusterSelector: {}}\n  template:\n    spec:\n"
        "      replicas: 1\n      selector: {matchLabels: {app: web}}\n"
        "      template:\n        metadata: {labels: {app: web}}\n"
        "        spec: {containers: [{name: web, image: nginx}]}\n"
    )
    return directory


def test_kubefed_placing_an_api_the_cluster_does_not_serve_yet_is_an_error(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = kubefed_deployment(
        tmp_path, '{name: c, kubernetesVersion: "1.8"}', '{name: d, kubernetesVersion: "1.29"}'
    )
    result = run_cli("render", cwd=fleet)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert (
        "fleet/objects.yaml:6:1: cluster 'c': Deployment/shop/web (from "
        "FederatedDeployment/shop/web) apiVersion: apps/v1 Deployment is served from "
        "Kubernetes 1.9 on; the cluster runs 1.8 (use the API version the cluster serves, "
        f"or upgrade it; see {GUIDE})"
    ) in result.err
    assert "cluster 'd'" not in result.err
    assert result.err.count("apps/v1 Deployment is served") == 1  # reported once
    assert snapshot(tmp_path / "rendered") == {}


def test_the_replacement_is_fine_and_an_undeclared_version_keeps_the_cluster(
    tmp_path: Path, run_cli: RunCli
) -> None:
    clusters = ['{name: c, kubernetesVersion: "1.29"}', "{name: unknown}"]
    objects = [pdb("policy/v1"), pdb("policy/v1beta1") | {"metadata": {"name": "legacy"}}]
    fleet = write_fleet(tmp_path, clusters, objects)
    render = run_cli("render", cwd=fleet)
    assert render.code == 0, render.err
    tree = snapshot(tmp_path / "rendered")
    assert "c/shop/poddisruptionbudget.policy_web.yaml" in tree, sorted(tree)
    assert "c/shop/poddisruptionbudget.policy_legacy.yaml" not in tree, sorted(tree)
    assert "unknown/shop/poddisruptionbudget.policy_legacy.yaml" in tree, sorted(tree)
    validate = run_cli("validate", cwd=fleet)
    assert validate.code == 0, validate.err
    assert (
        "feasibility check api-versions skipped for 1 of 2 clusters (unknown): their inventory "
        "entries have no kubernetesVersion"
    ) in validate.err


def test_an_api_newer_than_the_cluster_is_not_scheduled_there(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, ['{name: c, kubernetesVersion: "1.22"}'], [HPA])
    result = run_cli("validate", cwd=fleet)
    assert result.code == 0, result.err
    assert "HorizontalPodAutoscaler/shop/web is not scheduled by PropagationPolicy" in result.err
    assert (
        "autoscaling/v2 HorizontalPodAutoscaler is served from Kubernetes 1.23 on; "
        "the cluster runs 1.22"
    ) in explain(run_cli, fleet, "HorizontalPodAutoscaler/shop/web")


@pytest.mark.parametrize(
    ("declared", "objects", "filtered"),
    [
        ("", [widget()], True),
        (", apis: [example.com/v1]", [widget()], False),
        (", apis: [example.com/v2]", [widget()], True),
        ("", [widget(), WIDGET_CRD], False),
        ("", [widget("example.com/v2"), WIDGET_CRD], True),
    ],
)
def test_a_custom_kind_needs_its_api_declared_or_its_crd_rendered(
    declared: str, objects: list[dict[str, Any]], filtered: bool, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [f'{{name: c, kubernetesVersion: "1.30"{declared}}}'], objects)
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    tree = snapshot(tmp_path / "rendered")
    assert (not any(p.startswith("c/shop/") for p in tree)) is filtered, sorted(tree)
    message = "it is not in the cluster's apis and no CustomResourceDefinition rendered to it"
    assert (message in explain(run_cli, fleet, "Widget/shop/w")) is filtered
    if filtered:
        assert "add example.com/v" in explain(run_cli, fleet, "Widget/shop/w")


def test_json_and_github_formats_carry_the_error(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = kubefed_deployment(tmp_path, '{name: c, kubernetesVersion: "1.8"}')
    result = run_cli("validate", "--format", "json", cwd=fleet)
    assert result.code == 2, result.err
    document = json.loads(result.out)
    [problem] = document["problems"]
    assert problem["severity"] == "error"
    assert problem["file"] == "fleet/objects.yaml"
    assert problem["message"].startswith("cluster 'c': Deployment/shop/web (from ")
    assert problem["hint"].startswith("use the API version the cluster serves")
    github = run_cli("validate", "--format", "github", cwd=fleet)
    assert "::error file=fleet/objects.yaml,line=6,col=1,title=kfedgen::cluster 'c'" in github.err


def test_validate_checks_each_cluster_against_its_own_version_schema(
    tmp_path: Path, run_cli: RunCli
) -> None:
    # spec.unknownField is rejected by every version's strict schema; "1.21" has none bundled.
    bad = pdb("policy/v1") | {"spec": {"maxUnavailable": 1, "unknownField": 1}}
    clusters = ['{name: a, kubernetesVersion: "1.29"}', '{name: b, kubernetesVersion: "1.21"}']
    fleet = write_fleet(tmp_path, clusters, [bad])
    result = run_cli("validate", cwd=fleet)
    assert result.code == 2, result.err
    assert "a/PodDisruptionBudget/shop/web: spec.unknownField: unknown field" in result.err
    assert "b/PodDisruptionBudget" not in result.err
    assert "against Kubernetes 1.29: 1 problem" in result.err
    assert "no bundled schemas for Kubernetes 1.21" in result.err
    fixed = write_fleet(tmp_path / "ok", clusters, [pdb("policy/v1")])
    assert run_cli("validate", cwd=fixed).code == 0


def test_the_table_names_real_replacements() -> None:
    """Each replacement is served from its "available since" until after the removal."""
    removed = {(r.api_version, k): r.removed_in for r in REMOVALS for k in r.kinds}
    for removal in REMOVALS:
        assert removal.available_since is None or removal.available_since <= removal.removed_in
        for kind in removal.kinds:
            later = removed.get((removal.replacement, kind))
            assert later is None or later > removal.removed_in, (removal, kind)
    cases = {
        ("extensions/v1beta1", "Ingress"): (1, 22),
        ("policy/v1beta1", "PodDisruptionBudget"): (1, 25),
        ("batch/v1beta1", "CronJob"): (1, 25),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): (1, 26),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"): (1, 32),
    }
    for key, version in cases.items():
        assert removed[key] == version
