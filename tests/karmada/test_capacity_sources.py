"""Declared capacity feeds Karmada's dynamic divisions, through the CLI.

Each cluster's available replicas come from the manual override (``availableReplicas`` /
``kfedgen.io/available-replicas``), else a Fleet cluster's node pools, else a Karmada
Cluster's resource models or summary (``kfedgen.placement.capacity``).  ``plan`` shows the
numbers the scheduler used and ``explain --cluster`` where they came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kfedgen.errors import Location
from kfedgen.karmada.estimator import ResourceSummary, general_estimate, request_units
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.scripts import Script
from kfedgen.model import Cluster, Compute, NodePool
from kfedgen.placement.capacity import estimate, replica_pod
from tests.conftest import ROOT, RunCli, snapshot
from tests.fleets import compile_fleet, inventory, to_yaml
from tests.karmada._documents import EMPTY_FLEET, deployment, policy

DYNAMIC = {
    "replicaSchedulingType": "Divided",
    "weightPreference": {"dynamicWeight": "AvailableReplicas"},
}
AGGREGATED = {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}


def _pool(name: str, nodes: int, **allocatable: str) -> dict[str, Any]:
    return {"name": name, "nodes": nodes, "allocatable": allocatable}


# Two clusters: "big" has two 4-CPU nodes and a tainted GPU node; "small" one 2-CPU node.
CLUSTERS: list[dict[str, Any]] = [
    {
        "name": "big",
        "compute": {
            "nodePools": [
                _pool("general", 2, cpu="4", memory="16Gi", pods="110"),
                {**_pool("gpu", 1, cpu="32", pods="110"), "taints": [GPU_TAINT]},
            ]
        },
    },
    {"name": "small", "compute": {"nodePools": [_pool("general", 1, cpu="2", pods="110")]}},
]


def _web(replicas: int, **spec: Any) -> dict[str, Any]:
    web = deployment(replicas=replicas)
    pod = web["spec"]["template"]["spec"]
    pod["containers"][0]["resources"] = {"requests": {"cpu": "1"}}
    pod.update(spec)
    return web


def _write(
    directory: Path,
    fleet: str,
    objects: Sequence[Mapping[str, Any]],
    scheduling: Mapping[str, Any] = DYNAMIC,
) -> Path:
    (directory / "fleet").mkdir(parents=True)
    (directory / "fleet" / "inventory.yaml").write_text(fleet)
    placement = {"replicaScheduling": dict(scheduling)}
    (directory / "fleet" / "app.yaml").write_text(
        to_yaml(*objects, policy(placement=placement, selectors=_selectors(objects)))
    )
    return directory


def _selectors(objects: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {"apiVersion": o["apiVersion"], "kind": o["kind"]}
        for o in objects
        if o["kind"] != "RuntimeClass"
    ]


def _plan(run_cli: RunCli, directory: Path) -> dict[str, Any]:
    result = run_cli("plan", "--format", "json", cwd=directory)
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(result.out)
    return document


def _capacity(document: Mapping[str, Any]) -> list[tuple[str, int | None, int | None, str]]:
    return [
        (r["cluster"], r["planned"], r["available"], r["source"])
        for r in document["schedulerCapacity"]
    ]


def test_node_pools_give_the_replicas_the_pods_fit(run_cli: RunCli, tmp_path: Path) -> None:
    # big: 2 nodes x 4 one-CPU pods (the GPU pool's taint is not tolerated); small: 2.
    directory = _write(tmp_path, inventory(*CLUSTERS), [_web(5)])
    document = _plan(run_cli, directory)
    assert _capacity(document) == [("big", 4, 8, "node pools"), ("small", 1, 2, "node pools")]
    text = run_cli("plan", cwd=directory).out
    assert text.split("\n\n")[-1] == (
        "OBJECT              CLUSTER  PLANNED  AVAILABLE  FROM\n"
        "Deployment/app/web  big      4        8          node pools\n"
        "Deployment/app/web  small    1        2          node pools\n"
    )
    explained = run_cli("explain", "Deployment/app/web", "--cluster", "big", cwd=directory)
    assert explained.code == 0, explained.err
    assert (
        "  available replicas: 8 from node pools (one replica requests cpu 1; general 2 nodes x 4)"
        in explained.out.splitlines()
    )
    markdown = run_cli("plan", "--format", "markdown", cwd=directory).out
    assert "| Deployment/app/web | big | 4 | 8 | node pools |" in markdown


def test_a_tolerated_taint_adds_its_pool(run_cli: RunCli, tmp_path: Path) -> None:
    tolerated = _web(5, tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists"}])
    document = _plan(run_cli, _write(tmp_path, inventory(*CLUSTERS), [tolerated]))
    assert _capacity(document)[0] == ("big", 5, 40, "node pools")  # 8 + 32


def test_the_manual_override_wins_over_node_pools(run_cli: RunCli, tmp_path: Path) -> None:
    small = {**CLUSTERS[1], "availableReplicas": 8}
    directory = _write(tmp_path, inventory(CLUSTERS[0], small), [_web(4)])
    document = _plan(run_cli, directory)
    assert _capacity(document) == [
        ("big", 2, 8, "node pools"),
        ("small", 2, 8, "availableReplicas"),
    ]
    explained = run_cli("explain", "Deployment/app/web", "--cluster", "small", cwd=directory)
    assert "  available replicas: 8 from availableReplicas (manual override)" in explained.out


def test_pod_level_resources_and_runtime_class_overhead_count(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # Pod-level requests (2 CPU) replace the containers' 1; the RuntimeClass adds 1 more.
    runtime = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "kata"},
        "handler": "kata",
        "overhead": {"podFixed": {"cpu": "1"}},
    }
    pod_level = _web(2, resources={"requests": {"cpu": "2"}})
    document = _plan(run_cli, _write(tmp_path / "pod", inventory(*CLUSTERS), [pod_level]))
    assert [r[2] for r in _capacity(document)] == [4, 1]  # big: 2 x 4/2; small: 2/2
    kata = _web(2, runtimeClassName="kata")
    document = _plan(run_cli, _write(tmp_path / "kata", inventory(*CLUSTERS), [kata, runtime]))
    assert [r[2] for r in _capacity(document)] == [4, 1]  # (1 + 1 overhead) per pod


def test_aggregated_keeps_the_fewest_clusters_that_hold_every_replica(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = _write(tmp_path, inventory(*CLUSTERS), [_web(6)], AGGREGATED)
    document = _plan(run_cli, directory)
    assert _capacity(document) == [("big", 6, 8, "node pools"), ("small", None, 2, "node pools")]


def test_more_replicas_than_the_pools_hold_is_not_scheduled(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = _write(tmp_path, inventory(*CLUSTERS), [_web(11)])
    result = run_cli("render", cwd=directory)
    assert result.code == 0, result.err
    assert (
        "Deployment/app/web is not scheduled by PropagationPolicy app/spread: clusters' "
        "available replicas 10 are not enough for 11; it is not rendered"
    ) in result.err
    assert not any("deployment" in path for path in snapshot(directory / "rendered"))


def test_a_pod_no_pool_takes_gets_no_replica(run_cli: RunCli, tmp_path: Path) -> None:
    gpu = _web(3)
    gpu["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "1", "nvidia.com/gpu": "1"}
    }
    clusters = [
        {
            **CLUSTERS[0],
            "compute": {"nodePools": [_pool("gpu", 1, cpu="32", **{"nvidia.com/gpu": "4"})]},
        },
        CLUSTERS[1],
    ]
    document = _plan(run_cli, _write(tmp_path, inventory(*clusters), [gpu]))
    assert _capacity(document) == [("big", 3, 4, "node pools"), ("small", None, 0, "node pools")]


def test_a_cluster_that_declares_nothing_is_an_error(run_cli: RunCli, tmp_path: Path) -> None:
    directory = _write(tmp_path, inventory(CLUSTERS[0], "{name: bare}"), [_web(3)])
    result = run_cli("render", cwd=directory)
    assert result.code == 2
    assert "declare it for bare (in the Fleet, compute.nodePools with allocatable" in result.err
    assert "Traceback" not in result.err
    assert snapshot(directory / "rendered") == {}


def test_a_fargate_pod_has_no_declared_capacity(run_cli: RunCli, tmp_path: Path) -> None:
    profile = {"name": "app", "selectors": [{"namespace": "app"}]}
    fargate = {**CLUSTERS[1], "compute": {**CLUSTERS[1]["compute"], "fargateProfiles": [profile]}}
    directory = _write(tmp_path, inventory(CLUSTERS[0], fargate), [_web(3)])
    result = run_cli("render", cwd=directory)
    assert result.code == 2
    assert "declare it for small" in result.err


def _karmada_cluster(name: str, **body: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cluster.karmada.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": name},
        **body,
    }


def test_karmada_clusters_are_estimated_by_the_general_estimator(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # "graded": 2 nodes of grade 1 (cpu min 2: 2 one-CPU replicas each) and 1 of grade 2
    # (cpu min 4); "summed": 6 CPU, 1 already allocated, and 3 free pods.
    graded = _karmada_cluster(
        "graded",
        spec={
            "resourceModels": [
                {"grade": 1, "ranges": [{"name": "cpu", "min": "2", "max": "4"}]},
                {"grade": 2, "ranges": [{"name": "cpu", "min": "4", "max": "8"}]},
            ]
        },
        status={
            "resourceSummary": {
                "allocatable": {"cpu": "16", "pods": "330"},
                "allocatableModelings": [{"grade": 1, "count": 2}, {"grade": 2, "count": 1}],
            }
        },
    )
    summed = _karmada_cluster(
        "summed",
        status={
            "resourceSummary": {
                "allocatable": {"cpu": "6", "pods": "10"},
                "allocated": {"cpu": "1", "pods": "7"},
            }
        },
    )
    fleet = EMPTY_FLEET + "---\n" + to_yaml(graded, summed)
    directory = _write(tmp_path, fleet, [_web(11)])
    document = _plan(run_cli, directory)
    assert _capacity(document) == [
        ("graded", 8, 8, "resource models"),
        ("summed", 3, 3, "resource summary"),
    ]
    explained = run_cli("explain", "Deployment/app/web", "--cluster", "summed", cwd=directory)
    assert (
        "  available replicas: 3 from resource summary (Karmada's general estimator over its "
        "resource summary; one replica requests cpu 1)"
    ) in explained.out.splitlines()


def test_a_karmada_cluster_without_a_summary_declares_nothing(
    run_cli: RunCli, tmp_path: Path
) -> None:
    fleet = EMPTY_FLEET + "---\n" + to_yaml(_karmada_cluster("fresh"))
    result = run_cli("render", cwd=_write(tmp_path, fleet, [_web(2)]))
    assert result.code == 2
    assert "declare it for fresh" in result.err
    assert "status.resourceSummary or the kfedgen.io/available-replicas annotation" in result.err


def test_the_readme_shows_real_capacity_output(run_cli: RunCli, tmp_path: Path) -> None:
    directory = _write(tmp_path, inventory(*CLUSTERS), [_web(5)])
    section = (ROOT / "README.md").read_text().split("**Capacity.**", 1)[1]
    for args in (("plan",), ("explain", "Deployment/app/web", "--cluster", "big")):
        result = run_cli(*args, cwd=directory)
        assert result.code == 0, result.err
        assert f"$ kfedgen {' '.join(args)}\n{result.out}" in section


def test_a_get_replicas_scripts_requirements_are_what_is_estimated() -> None:
    # A customization's GetReplicas returns Karmada's ReplicaRequirements: its requests and
    # node claim are estimated (here 2 CPU and a toleration of the GPU pool's taint).
    big = compile_fleet(inventory(*CLUSTERS)).spec.clusters["big"]
    script = Script("", "clonesets", "replicaResource", big.location)
    requirements = {
        "resourceRequest": {"cpu": "2"},
        "nodeClaim": {"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}]},
    }
    workload = Workload(3, None, interpreted_by=script, requirements=requirements)
    found = estimate(big, "app", replica_pod("CloneSet", {}, workload), {})
    assert (found.replicas, found.source) == (20, "node pools")  # 2 x 4/2 + 32/2
    without = Workload(3, None, interpreted_by=script, requirements=None)
    assert estimate(big, "app", replica_pod("CloneSet", {}, without), {}).replicas is None


_NODE = st.fixed_dictionaries(
    {"nodes": st.integers(0, 6), "cpu": st.integers(0, 16000), "memory": st.integers(0, 64)}
)


@given(
    st.lists(_NODE, min_size=1, max_size=4),
    st.integers(1, 4000),
    st.integers(1, 16),
    st.integers(1, 110),
)
def test_pools_never_estimate_more_than_the_general_estimator_over_their_sum(
    shapes: list[dict[str, int]], cpu: int, memory: int, pods: int
) -> None:
    # The claim of kfedgen/placement/capacity.py: per-pool answers are at most the
    # cluster-summary answer over the same nodes, so Karmada's minimum is the per-pool one.
    pools = tuple(
        NodePool(
            f"p{i}",
            s["nodes"],
            allocatable={"cpu": f"{s['cpu']}m", "memory": f"{s['memory']}Gi", "pods": str(pods)},
        )
        for i, s in enumerate(shapes)
    )
    cluster = Cluster("c", {}, Location("fleet.yaml"), compute=Compute(node_pools=pools))
    web = _web(1)
    web["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Gi"}
    }
    found = estimate(cluster, "app", replica_pod("Deployment", web, Workload(1, "replicas")), {})
    total = {
        "cpu": f"{sum(s['nodes'] * s['cpu'] for s in shapes)}m",
        "memory": f"{sum(s['nodes'] * s['memory'] for s in shapes)}Gi",
        "pods": str(sum(s["nodes"] for s in shapes) * pods),
    }
    summary = ResourceSummary(allocatable=total)
    general, _ = general_estimate(
        summary, request_units({"cpu": f"{cpu}m", "memory": f"{memory}Gi"})
    )
    assert found.replicas is not None
    assert found.replicas <= general
