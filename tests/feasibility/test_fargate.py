"""Check 3 (Fargate part) through the CLI: pods bound for EKS Fargate can run there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kfedgen.feasibility.fargate import FARGATE_DOCS
from tests.conftest import RunCli
from tests.feasibility.fleets import container, deployment, warnings, write_fleet

PROFILE = (
    "fargateProfiles: [{name: shop, selectors: [{namespace: sh*, labels: {compute: fargate}}]}]"
)
FARGATE_ONLY = f"{{name: f, compute: {{{PROFILE}}}}}"
MIXED = f"{{name: m, compute: {{{PROFILE}, nodePools: [{{name: general, nodes: 3}}]}}}}"
ON_FARGATE = {"app": "web", "compute": "fargate"}


def daemonset() -> dict[str, Any]:
    return deployment("agent", {"containers": [container()]}) | {"kind": "DaemonSet"}


def test_a_pod_no_profile_takes_stays_pending_on_a_fargate_only_cluster(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(
        tmp_path, [FARGATE_ONLY, MIXED], [deployment("web", {"containers": [container()]})]
    )
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    [warning] = warnings(result.err)
    assert (
        "cluster 'f': Deployment/shop/web spec.template.metadata.labels: no Fargate profile "
        "matches its pods (namespace shop, labels app=web) and the cluster has no node pools: "
        "they would stay Pending (add a Fargate profile selector"
    ) in warning  # the mixed cluster runs it on its nodes


def test_a_profile_fixes_it(tmp_path: Path, run_cli: RunCli) -> None:
    workload = deployment("web", {"containers": [container()]}, labels=ON_FARGATE)
    fleet = write_fleet(tmp_path, [FARGATE_ONLY, MIXED], [workload])
    assert run_cli("render", "--strict", cwd=fleet).code == 0


@pytest.mark.parametrize(
    ("pod", "where", "reason"),
    [
        ({"hostNetwork": True, "containers": [container()]}, "spec.hostNetwork", "hostNetwork"),
        (
            {"containers": [container(securityContext={"privileged": True})]},
            "containers[0].securityContext.privileged",
            "privileged containers",
        ),
        (
            {"containers": [container(ports=[{"containerPort": 80, "hostPort": 80}])]},
            "containers[0].ports[0].hostPort",
            "hostPort",
        ),
        (
            {"containers": [container(resources={"limits": {"nvidia.com/gpu": "1"}})]},
            "containers[0].resources",
            "GPUs (nvidia.com/gpu requested)",
        ),
    ],
)
def test_what_fargate_does_not_run_is_reported_on_both_kinds_of_cluster(
    pod: dict[str, Any], where: str, reason: str, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(
        tmp_path, [FARGATE_ONLY, MIXED], [deployment("web", pod, labels=ON_FARGATE)]
    )
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    [warning] = warnings(result.err)
    assert "clusters 'f' and 'm': Deployment/shop/web" in warning
    assert f"{where}: its pods match Fargate profile shop, and Fargate" in warning
    assert reason in warning
    assert FARGATE_DOCS in warning
    strict = run_cli("render", "--strict", cwd=fleet)
    assert strict.code == 2


def test_daemonsets_need_nodes(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_fleet(tmp_path, [FARGATE_ONLY, MIXED], [daemonset()])
    result = run_cli("render", cwd=fleet)
    [warning] = warnings(result.err)
    assert "cluster 'f': DaemonSet/shop/agent: the cluster runs pods on Fargate only" in warning


def test_without_fargate_profiles_the_check_is_skipped(tmp_path: Path, run_cli: RunCli) -> None:
    clusters = [FARGATE_ONLY, "{name: nodes, compute: {nodePools: [{name: p, nodes: 1}]}}"]
    fleet = write_fleet(tmp_path, clusters, [daemonset()])
    result = run_cli("validate", cwd=fleet)
    assert result.code == 0, result.err
    assert len(warnings(result.err)) == 1
    assert (
        "feasibility check fargate skipped for 1 of 2 clusters (nodes): their inventory entries "
        "have no compute.fargateProfiles"
    ) in result.err
