"""Served APIs decide placement: Karmada's APIEnablement filter, and an error for KubeFed.

Karmada's scheduler keeps an object away from a member cluster that does not serve its kind
(``pkg/scheduler/framework/plugins/apienablement``), so the replicas go to the clusters that
remain.  KubeFed has no such filter: an object it places on such a cluster is an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli, snapshot
from tests.feasibility.fleets import write_fleet
from tests.feasibility.test_apiversions import WIDGET_CRD, widget
from tests.fleets import inventory, to_yaml

CASES = json.loads((Path(__file__).parent / "cases" / "api_enablement_filter.json").read_text())


def karmada_cluster(name: str, enablements: list[dict[str, Any]]) -> dict[str, Any]:
    """A Karmada ``Cluster`` as the cluster status controller reports it."""
    return {
        "apiVersion": "cluster.karmada.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": name},
        "spec": {"apiEndpoint": f"https://{name}.example.com", "syncMode": "Push"},
        "status": {
            "apiEnablements": [
                {"groupVersion": e["groupVersion"], "resources": [{"kind": k} for k in e["kinds"]]}
                for e in enablements
            ]
        },
    }


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_karmadas_filter_table(case: dict[str, Any], tmp_path: Path, run_cli: RunCli) -> None:
    obj = {
        "apiVersion": case["apiVersion"],
        "kind": case["kind"],
        "metadata": {"name": "web"},
        "spec": {},
    }
    fleet = write_fleet(tmp_path, ["{name: cluster1}"], [obj])
    cluster = karmada_cluster("cluster1", case["apiEnablements"])
    (fleet / "fleet" / "fleet.yaml").write_text(to_yaml(cluster))
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    rendered = snapshot(tmp_path / "rendered")
    placed = any(p.startswith("cluster1/shop/") for p in rendered)
    assert placed is case["scheduled"], sorted(rendered)
    explain = run_cli("explain", f"{case['kind']}/shop/web", cwd=fleet)
    assert explain.code == 0, explain.err
    assert ("APIEnablement filters it out" in explain.out) is not case["scheduled"], explain.out


def deployment(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def divided(fleet: Path) -> None:
    """Make the fleet's PropagationPolicy divide replicas by equal static weights."""
    objects = fleet / "fleet" / "objects.yaml"
    objects.write_text(
        objects.read_text().replace(
            "  placement:\n",
            "  placement:\n    replicaScheduling: {replicaSchedulingType: Divided, "
            "replicaDivisionPreference: Weighted}\n",
        )
    )


def test_the_replicas_go_to_the_clusters_that_serve_the_kind(
    tmp_path: Path, run_cli: RunCli
) -> None:
    # apps/v1 Deployment is served from Kubernetes 1.9 on.
    clusters = [
        '{name: a, kubernetesVersion: "1.29"}',
        '{name: b, kubernetesVersion: "1.29"}',
        '{name: old, kubernetesVersion: "1.8"}',
    ]
    fleet = write_fleet(tmp_path, clusters, [deployment(6)])
    divided(fleet)
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    tree = snapshot(tmp_path / "rendered")
    assert b"replicas: 3" in tree["a/shop/deployment.apps_web.yaml"]
    assert b"replicas: 3" in tree["b/shop/deployment.apps_web.yaml"]
    assert not any(p.startswith("old/shop/") for p in tree), sorted(tree)
    explain = run_cli("explain", "Deployment/shop/web", cwd=fleet)
    assert explain.code == 0, explain.err
    assert (
        "APIEnablement filters it out: apps/v1 Deployment is served from Kubernetes 1.9 on; "
        "the cluster runs 1.8"
    ) in explain.out, explain.out
    plan = run_cli("plan", cwd=fleet)
    assert plan.code == 0, plan.err
    [row] = [line.split() for line in plan.out.splitlines() if " old " in line]
    assert row == [
        "Deployment/shop/web",
        "old",
        "-",
        "unserved",
        "API",
        "not",
        "served:",
        "filtered",
        "out",
    ]


def test_a_cluster_whose_inventory_says_nothing_keeps_the_object(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, ["{name: a, apis: []}", "{name: unknown}"], [widget()])
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    tree = snapshot(tmp_path / "rendered")
    assert "unknown/shop/widget.example.com_w.yaml" in tree, sorted(tree)
    assert not any(p.startswith("a/shop/") for p in tree), sorted(tree)
    assert "error" not in result.err


def test_a_crd_in_the_fleet_keeps_the_cluster_and_the_render_checks_it(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, ["{name: a, apis: []}"], [widget(), WIDGET_CRD])
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    assert "widget.example.com_w.yaml" in "".join(snapshot(tmp_path / "rendered")), result.err


# KubeFed: a federated Widget, which no scheduler filters.
WIDGET_TYPE = {
    "apiVersion": "core.kubefed.io/v1beta1",
    "kind": "FederatedTypeConfig",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "targetType": {
            "group": "example.com",
            "version": "v1",
            "kind": "Widget",
            "pluralName": "widgets",
            "scope": "Namespaced",
        },
        "federatedType": {
            "group": "types.kubefed.io",
            "version": "v1beta1",
            "kind": "FederatedWidget",
            "pluralName": "federatedwidgets",
            "scope": "Namespaced",
        },
    },
}


def kubefed_fleet(directory: Path, *clusters: str) -> Path:
    fleet = directory / "fleet"
    fleet.mkdir(parents=True)
    (fleet / "fleet.yaml").write_text(inventory(*clusters))
    placement: dict[str, Any] = {"clusterSelector": {}}
    namespace = {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedNamespace",
        "metadata": {"name": "shop", "namespace": "shop"},
        "spec": {"placement": placement},
    }
    federated = {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedWidget",
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"template": {"spec": {"size": 1}}, "placement": placement},
    }
    (fleet / "objects.yaml").write_text(to_yaml(WIDGET_TYPE, namespace, federated))
    return directory


def test_kubefed_placing_an_unserved_kind_is_an_error_naming_both(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = kubefed_fleet(tmp_path, "{name: a, apis: [example.com/v1]}", "{name: b, apis: []}")
    result = run_cli("render", cwd=fleet)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if "cluster 'b'" in line]
    assert lines == [
        "fleet/objects.yaml:28:1: cluster 'b': Widget/shop/w (from FederatedWidget/shop/w) "
        "apiVersion: the cluster serves no Widget in example.com/v1: it is not in the cluster's "
        "apis and no CustomResourceDefinition rendered to it defines it (add example.com/v1 to "
        "the cluster's apis in the inventory, or render the CustomResourceDefinition to it)"
    ], result.err
    assert snapshot(tmp_path / "rendered") == {}


def test_kubefed_placing_a_served_kind_renders(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = kubefed_fleet(tmp_path, "{name: a, apis: [example.com/v1]}", "{name: b}")
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    tree = snapshot(tmp_path / "rendered")
    assert {"a/shop/widget.example.com_w.yaml", "b/shop/widget.example.com_w.yaml"} <= set(tree), (
        sorted(tree)
    )
