"""Check 3 (node pools) through the CLI: each pod has a pool, and the pools hold them all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli
from tests.feasibility.fleets import container, deployment, warnings, write_fleet
from tests.fleets import inventory, to_yaml

GENERAL = "{name: general, nodes: 2, allocatable: {cpu: '4', memory: 16Gi, pods: '10'}}"
GPU_POOL = (
    "{name: gpu, nodes: 1, labels: {gpu: 'true'}, "
    "taints: [{key: nvidia.com/gpu, value: 'true', effect: NoSchedule}], "
    "allocatable: {cpu: '8', memory: 64Gi, pods: '10', nvidia.com/gpu: '4'}}"
)
CLUSTER = f"{{name: c, compute: {{nodePools: [{GENERAL}, {GPU_POOL}]}}}}"
TOLERATE_GPU = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def requesting(**requests: str) -> dict[str, Any]:
    return container(resources={"requests": dict(requests)})


def replicated(name: str, replicas: int, pod: dict[str, Any]) -> dict[str, Any]:
    workload = deployment(name, pod)
    workload["spec"]["replicas"] = replicas
    return workload


def render(
    tmp_path: Path, run_cli: RunCli, *objects: dict[str, Any], cluster: str = CLUSTER
) -> list[str]:
    fleet = write_fleet(tmp_path, [cluster], list(objects))
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    return warnings(result.err)


@pytest.mark.parametrize(
    ("pod", "where", "reasons"),
    [
        (
            {"nodeSelector": {"disktype": "ssd"}, "containers": [container()]},
            "spec.template.spec.nodeSelector.disktype",
            "pool general: nodeSelector disktype=ssd: its nodes have no label disktype; "
            "pool gpu: nodeSelector disktype=ssd: its nodes have no label disktype",
        ),
        (
            {"nodeSelector": {"gpu": "true"}, "containers": [container()]},
            "spec.template.spec",
            "pool general: nodeSelector gpu=true: its nodes have no label gpu; "
            "pool gpu: its taint nvidia.com/gpu=true:NoSchedule is not tolerated",
        ),
        (
            {
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {"key": "gpu", "operator": "In", "values": ["false"]}
                                    ]
                                }
                            ]
                        }
                    }
                },
                "containers": [container()],
            },
            "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            ".nodeSelectorTerms",
            "pool general: no term of its required node affinity matches its labels; "
            "pool gpu: no term of its required node affinity matches its labels",
        ),
        (
            {"tolerations": TOLERATE_GPU, "containers": [requesting(cpu="10")]},
            "spec.template.spec",
            "pool general: one pod requests cpu 10, and one node allocates cpu 4; "
            "pool gpu: one pod requests cpu 10, and one node allocates cpu 8",
        ),
        (
            {"containers": [container(resources={"limits": {"nvidia.com/gpu": "1"}})]},
            "spec.template.spec",
            "pool general: one pod requests nvidia.com/gpu 1, and one node allocates "
            "nvidia.com/gpu 0; pool gpu: its taint nvidia.com/gpu=true:NoSchedule is not tolerated",
        ),
    ],
)
def test_a_pod_no_pool_takes_would_stay_pending(
    pod: dict[str, Any], where: str, reasons: str, tmp_path: Path, run_cli: RunCli
) -> None:
    [warning] = render(tmp_path, run_cli, deployment("web", pod))
    assert warning.startswith("fleet/objects.yaml:1:1: warning: cluster 'c': Deployment/shop/web ")
    assert (
        f"{where}: no node pool takes its pods, so they would stay Pending ({reasons}) "
        "(give the pods a pool's labels and tolerate its taints"
    ) in warning


@pytest.mark.parametrize(
    "pod",
    [
        {"containers": [requesting(cpu="4", memory="16Gi")]},  # exactly one general node
        {"nodeSelector": {"gpu": "true"}, "tolerations": TOLERATE_GPU, "containers": [container()]},
        {"tolerations": [{"operator": "Exists"}], "containers": [requesting(cpu="8")]},
        {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": [container()]},
        {
            "containers": [container(resources={"limits": {"nvidia.com/gpu": "4"}})],
            "tolerations": TOLERATE_GPU,
        },
    ],
)
def test_a_pod_a_pool_takes_is_not_reported(
    pod: dict[str, Any], tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [CLUSTER], [deployment("web", pod)])
    assert run_cli("render", "--strict", cwd=fleet).code == 0


def test_what_a_pool_does_not_declare_is_not_held_against_pods(
    tmp_path: Path, run_cli: RunCli
) -> None:
    bare = "{name: c, compute: {nodePools: [{name: any, nodes: 1}]}}"
    cpu_only = "{name: d, compute: {nodePools: [{name: any, nodes: 1, allocatable: {cpu: '2'}}]}}"
    pod = {"containers": [requesting(memory="1Ti", **{"example.com/dongle": "1"})]}
    fleet = write_fleet(tmp_path, [bare, cpu_only], [deployment("web", pod)])
    result = run_cli("render", cwd=fleet)
    [warning] = warnings(result.err)  # memory is unknown in d, the dongle is not there
    assert "cluster 'd': Deployment/shop/web" in warning
    assert (
        "one pod requests example.com/dongle 1, and one node allocates example.com/dongle 0"
        in warning
    )


def test_requests_follow_kubernetes_effective_request_rule(tmp_path: Path, run_cli: RunCli) -> None:
    pod = {
        "initContainers": [
            {**requesting(cpu="1"), "name": "sidecar", "restartPolicy": "Always"},
            {**requesting(cpu="3"), "name": "setup"},
        ],
        "containers": [requesting(cpu="2")],
        "overhead": {"cpu": "500m"},
    }
    # max(sidecar 1 + app 2, setup 3 + sidecar 1) + overhead 0.5 = 4.5 > 4
    [warning] = render(tmp_path, run_cli, deployment("web", pod))
    assert "pool general: one pod requests cpu 4500m, and one node allocates cpu 4" in warning


def test_the_replicas_planned_must_fit_the_pools_total(tmp_path: Path, run_cli: RunCli) -> None:
    many = replicated("many", 9, {"containers": [requesting(cpu="1")]})
    [warning] = render(tmp_path, run_cli, many)
    assert warning == (
        "fleet/fleet.yaml:6:7: warning: cluster 'c': node pool general allocates cpu 8 in all "
        "(2 nodes), and the pods that can run only there request cpu 9 (9 pods of "
        "Deployment/shop/many at fleet/objects.yaml:1:1): some would stay Pending (add nodes "
        "to the pools, plan fewer replicas for the cluster or lower their requests, or let "
        "the pods run on another pool)"
    )
    tolerant = replicated(
        "many", 9, {"tolerations": TOLERATE_GPU, "containers": [requesting(cpu="1")]}
    )
    assert render(tmp_path / "all-pools", run_cli, tolerant) == []  # 16 CPUs between both pools


def test_pods_count_against_pods_allocatable(tmp_path: Path, run_cli: RunCli) -> None:
    [warning] = render(tmp_path, run_cli, replicated("many", 21, {"containers": [container()]}))
    assert "node pool general allocates pods 20 in all (2 nodes)" in warning
    assert "request pods 21 (21 pods of Deployment/shop/many" in warning


def test_a_pool_only_some_pods_may_use_fills_first(tmp_path: Path, run_cli: RunCli) -> None:
    gpu_pod = {"nodeSelector": {"gpu": "true"}, "tolerations": TOLERATE_GPU}
    train = replicated(
        "train", 3, {**gpu_pod, "containers": [requesting(**{"nvidia.com/gpu": "2"})]}
    )
    small = replicated("small", 1, {"containers": [requesting(cpu="1")]})
    [warning] = render(tmp_path, run_cli, train, small)
    assert "node pool gpu allocates nvidia.com/gpu 4 in all (1 node)" in warning
    assert "request nvidia.com/gpu 6 (3 pods of Deployment/shop/train" in warning


def test_daemonset_pods_take_their_share_of_every_node(tmp_path: Path, run_cli: RunCli) -> None:
    agent = deployment("agent", {"containers": [requesting(cpu="1")]}) | {"kind": "DaemonSet"}
    web = replicated("web", 7, {"containers": [requesting(cpu="1")]})
    [warning] = render(tmp_path, run_cli, agent, web)
    assert (
        "node pool general allocates cpu 8 in all (2 nodes), and the pods that can run only"
        in warning
    )
    assert "request cpu 9 (7 pods of Deployment/shop/web at" in warning
    assert "2 pods of DaemonSet/shop/agent at" in warning


def test_pods_a_fargate_profile_takes_do_not_use_the_pools(tmp_path: Path, run_cli: RunCli) -> None:
    profile = "fargateProfiles: [{name: shop, selectors: [{namespace: shop, labels: {compute: fargate}}]}]"
    mixed = f"{{name: c, compute: {{{profile}, nodePools: [{GENERAL}]}}}}"
    on_fargate = deployment(
        "web", {"containers": [requesting(cpu="16")]}, labels={"compute": "fargate"}
    )
    on_fargate["spec"]["replicas"] = 5
    assert render(tmp_path, run_cli, on_fargate, cluster=mixed) == []


def test_the_replicas_counted_are_those_divided_to_the_cluster(
    tmp_path: Path, run_cli: RunCli
) -> None:
    pool = "{name: p, nodes: 1, allocatable: {cpu: '6'}}"
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    clusters = [f"{{name: {n}, compute: {{nodePools: [{pool}]}}}}" for n in ("a", "b")]
    (fleet / "fleet.yaml").write_text(inventory(*clusters))
    web = replicated("web", 10, {"containers": [requesting(cpu="1")]})
    web["metadata"]["namespace"] = "shop"
    weights: list[dict[str, Any]] = [
        {"targetCluster": {"clusterNames": ["a"]}, "weight": 1},
        {"targetCluster": {"clusterNames": ["b"]}, "weight": 1},
    ]
    policy = {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}],
            "placement": {
                "clusterAffinity": {"clusterNames": ["a", "b"]},
                "replicaScheduling": {
                    "replicaSchedulingType": "Divided",
                    "replicaDivisionPreference": "Weighted",
                    "weightPreference": {"staticWeightList": weights},
                },
            },
        },
    }
    (fleet / "web.yaml").write_text(to_yaml(web, policy))
    result = run_cli("render", "--strict", cwd=tmp_path)
    assert result.code == 0, result.err  # 5 replicas each, on 6 CPUs each
    weights[0]["weight"] = 3
    (fleet / "web.yaml").write_text(to_yaml(web, policy))
    result = run_cli("render", cwd=tmp_path)
    [warning] = warnings(result.err)  # Karmada divides 10 by 3:1 as 7 and 3
    assert "cluster 'a': node pool p allocates cpu 6 in all (1 node)" in warning
    assert "request cpu 7 (7 pods of Deployment/shop/web" in warning


def test_strict_and_json(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_fleet(
        tmp_path,
        [CLUSTER],
        [deployment("web", {"nodeSelector": {"a": "b"}, "containers": [container()]})],
    )
    assert run_cli("render", "--strict", cwd=fleet).code == 2
    assert not (fleet / "rendered").exists()
    result = run_cli("validate", "--format", "json", cwd=fleet)
    [problem] = json.loads(result.out)["problems"]
    assert problem["severity"] == "warning"
    assert (problem["file"], problem["line"], problem["column"]) == ("fleet/objects.yaml", 1, 1)
    assert "spec.template.spec.nodeSelector.a: no node pool takes its pods" in problem["message"]


def test_without_node_pools_the_check_is_skipped(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_fleet(
        tmp_path, [CLUSTER, "{name: plain}"], [deployment("web", {"containers": [container()]})]
    )
    result = run_cli("validate", cwd=fleet)
    assert result.code == 0, result.err
    assert (
        "feasibility check node-pools skipped for 1 of 2 clusters (plain): their inventory "
        "entries have no compute.nodePools"
    ) in result.err
