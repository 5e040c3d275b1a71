"""Check 1 through the CLI: the APIs a cluster's Kubernetes version serves, and its schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kfedgen.feasibility.apiversions import GUIDE, REMOVALS
from tests.conftest import RunCli, snapshot
from tests.feasibility.fleets import HPA, write_fleet


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


def test_a_removed_api_is_a_warning_naming_cluster_version_and_replacement(
    tmp_path: Path, run_cli: RunCli
) -> None:
    clusters = ['{name: old, kubernetesVersion: "1.21"}', '{name: new, kubernetesVersion: "1.22"}']
    fleet = write_fleet(tmp_path, clusters, [ingress("extensions/v1beta1")])
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    assert (
        "fleet/objects.yaml:1:1: warning: cluster 'new': Ingress/shop/web apiVersion: "
        "extensions/v1beta1 Ingress was removed in Kubernetes 1.22 and the cluster runs 1.22 "
        f"(use networking.k8s.io/v1, served since 1.19; see {GUIDE})"
    ) in result.err
    assert "cluster 'old'" not in result.err  # 1.21 still serves it
    assert (tmp_path / "rendered" / "new" / "shop").is_dir()


def test_strict_makes_it_an_error_and_writes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_fleet(tmp_path, ['{name: c, kubernetesVersion: "1.25"}'], [pdb("policy/v1beta1")])
    result = run_cli("render", "--strict", cwd=fleet)
    assert result.code == 2
    assert "policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25" in result.err
    assert "use policy/v1, served since 1.21" in result.err
    assert "Traceback" not in result.err
    assert snapshot(tmp_path / "rendered") == {}


def test_the_replacement_is_fine_and_an_undeclared_version_skips_the_check(
    tmp_path: Path, run_cli: RunCli
) -> None:
    clusters = ['{name: c, kubernetesVersion: "1.29"}', "{name: unknown}"]
    objects = [pdb("policy/v1"), pdb("policy/v1beta1") | {"metadata": {"name": "legacy"}}]
    fleet = write_fleet(tmp_path, clusters, objects)
    render = run_cli("render", cwd=fleet)
    assert render.code == 0, render.err
    assert render.err.count("warning:") == 1
    assert "cluster 'c': PodDisruptionBudget/shop/legacy apiVersion" in render.err
    validate = run_cli("validate", cwd=fleet)
    assert validate.code == 0, validate.err
    assert validate.err.count("feasibility check api-versions skipped") == 1
    assert (
        "feasibility check api-versions skipped for 1 of 2 clusters (unknown): their inventory "
        "entries have no kubernetesVersion"
    ) in validate.err


def test_an_api_newer_than_the_cluster_is_reported(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_fleet(tmp_path, ['{name: c, kubernetesVersion: "1.22"}'], [HPA])
    result = run_cli("validate", cwd=fleet)
    assert result.code == 0, result.err
    assert (
        "cluster 'c': HorizontalPodAutoscaler/shop/web apiVersion: autoscaling/v2 "
        "HorizontalPodAutoscaler is served from Kubernetes 1.23 on; the cluster runs 1.22"
    ) in result.err


@pytest.mark.parametrize(
    ("declared", "objects", "warns"),
    [
        ("", [widget()], True),
        (", apis: [example.com/v1]", [widget()], False),
        (", apis: [example.com/v2]", [widget()], True),
        ("", [widget(), WIDGET_CRD], False),
        ("", [widget("example.com/v2"), WIDGET_CRD], True),
    ],
)
def test_a_custom_kind_needs_its_api_declared_or_its_crd_rendered(
    declared: str, objects: list[dict[str, Any]], warns: bool, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [f'{{name: c, kubernetesVersion: "1.30"{declared}}}'], objects)
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    message = "it is not in the cluster's apis and no CustomResourceDefinition rendered to it"
    assert (message in result.err) is warns, result.err
    if warns:
        assert "add example.com/v" in result.err


def test_json_and_github_formats_carry_the_warning(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_fleet(tmp_path, ['{name: c, kubernetesVersion: "1.26"}'], [pdb("policy/v1beta1")])
    result = run_cli("validate", "--format", "json", cwd=fleet)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    [problem] = document["problems"]
    assert problem["severity"] == "warning"
    assert problem["file"] == "fleet/objects.yaml"
    assert problem["message"].startswith("cluster 'c': PodDisruptionBudget/shop/web apiVersion:")
    assert problem["hint"].startswith("use policy/v1")
    assert document["feasibility"]["skipped"] == [
        {"check": "references", "needs": "provides", "clusters": ["c"]},
        {"check": "fargate", "needs": "compute.fargateProfiles", "clusters": ["c"]},
        {"check": "node-pools", "needs": "compute.nodePools", "clusters": ["c"]},
    ]
    github = run_cli("validate", "--format", "github", cwd=fleet)
    assert "::warning file=fleet/objects.yaml,line=1,col=1,title=kfedgen::cluster 'c'" in github.err


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
