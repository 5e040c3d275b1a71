"""The inventory's feasibility fields: parsed into typed values, bad values reported with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfedgen.model import Compute, FargateProfile, FargateSelector, NodePool, ProvidedObject, Taint
from tests.conftest import RunCli, snapshot
from tests.fleets import compile_fleet, inventory

FULL = """\
{name: eks-apne1, kubernetesVersion: "1.29", apis: [serving.knative.dev/v1],
       provides: [{kind: Secret, namespace: shop, name: registry-creds}, {kind: PriorityClass, name: high}],
       compute: {fargateProfiles: [{name: shop, selectors: [{namespace: shop, labels: {compute: fargate}}]}],
                 nodePools: [{name: gpu, nodes: 2, labels: {nvidia.com/gpu.present: "true"},
                              taints: [{key: nvidia.com/gpu, value: "true", effect: NoSchedule}],
                              allocatable: {cpu: "32", memory: 128Gi, pods: "110", nvidia.com/gpu: "4"}}]}}"""


def test_every_field_is_parsed_into_the_cluster() -> None:
    cluster = compile_fleet(inventory(FULL, "{name: plain}")).spec.clusters["eks-apne1"]
    assert cluster.kubernetes_version == "1.29"
    assert cluster.apis == ("serving.knative.dev/v1",)
    assert cluster.provides == (
        ProvidedObject("Secret", "registry-creds", "shop"),
        ProvidedObject("PriorityClass", "high"),
    )
    assert cluster.compute == Compute(
        (FargateProfile("shop", (FargateSelector("shop", {"compute": "fargate"}),)),),
        (
            NodePool(
                "gpu",
                2,
                {"nvidia.com/gpu.present": "true"},
                (Taint("nvidia.com/gpu", "true", "NoSchedule"),),
                {"cpu": "32", "memory": "128Gi", "pods": "110", "nvidia.com/gpu": "4"},
            ),
        ),
    )


def test_absent_fields_mean_not_declared() -> None:
    cluster = compile_fleet(inventory("{name: plain}")).spec.clusters["plain"]
    assert (cluster.kubernetes_version, cluster.apis, cluster.provides, cluster.compute) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{name: c, kubernetesVersion: 1.29}",
            "6:17: spec.clusters[0].kubernetesVersion: expected a string, got a number",
        ),
        (
            '{name: c, kubernetesVersion: "v1.29"}',
            "6:17: spec.clusters[0].kubernetesVersion: 'v1.29' must be a Kubernetes minor version "
            "such as \"1.29\" (did you mean '1.29'?)",
        ),
        (
            "{name: c, apis: [knative]}",
            "6:24: spec.clusters[0].apis[0]: 'knative' must be an API group/version",
        ),
        (
            "{name: c, provides: [{kind: Secret}]}",
            "6:28: spec.clusters[0].provides[0]: 'name' is required",
        ),
        (
            "{name: c, compute: {nodePools: [{name: p, nodes: 1, allocatable: {memory: 4GB}}]}}",
            "6:73: spec.clusters[0].compute.nodePools[0].allocatable.memory: '4GB' must be a "
            "Kubernetes quantity",
        ),
        (
            "{name: c, compute: {nodePools: [{name: p, nodes: 1, labels: {bad key: x}}]}}",
            "6:68: spec.clusters[0].compute.nodePools[0].labels.bad key: label key",
        ),
        (
            "{name: c, compute: {fargateProfiles: [{name: f, selectors: []}]}}",
            "6:55: spec.clusters[0].compute.fargateProfiles[0].selectors: [] should be non-empty",
        ),
    ],
)
def test_a_bad_field_is_an_error_at_its_place_and_nothing_is_written(
    entry: str, expected: str, tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(inventory(entry))
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    assert f"fleet/fleet.yaml:{expected}" in result.err, result.err
    assert "Traceback" not in result.err
    assert snapshot(tmp_path / "rendered") == {}


def test_the_published_schema_documents_the_fields(run_cli: RunCli) -> None:
    result = run_cli("schema", "Fleet")
    assert result.code == 0, result.err
    for field in (
        "kubernetesVersion",
        "apis",
        "provides",
        "fargateProfiles",
        "nodePools",
        "allocatable",
    ):
        assert f'"{field}"' in result.out


KARMADA = Path(__file__).parent / "fixtures" / "karmada-clusters.yaml"


def test_a_karmada_cluster_says_its_version_apis_and_nodes() -> None:
    spec = compile_fleet(KARMADA.read_text(), files={}).spec
    member1, member2 = spec.clusters["member1"], spec.clusters["member2"]
    assert (member1.kubernetes_version, member2.kubernetes_version) == ("1.29", "1.23")
    assert member1.apis == ("apps/v1", "serving.knative.dev/v1")
    assert member2.apis is None  # no apiEnablements: not declared
    assert member1.compute == Compute(
        node_pools=(
            NodePool(
                "grade-1", 3, {}, (), {"cpu": "1999m", "memory": str(16 * 1024**3 - 1)}, False
            ),
        )
    )
    assert member2.compute == Compute(
        node_pools=(
            NodePool("all-nodes", 1, {}, (), {"cpu": "4", "memory": "8Gi", "pods": "110"}, False),
        )
    )


def test_the_checks_run_on_a_karmada_inventory(tmp_path: Path, run_cli: RunCli) -> None:
    from tests.feasibility.fleets import container, deployment, write_fleet  # noqa: PLC0415

    pod = {
        "nodeSelector": {"disk": "ssd"},
        "containers": [container(resources={"requests": {"cpu": "1500m"}})],
    }
    web = deployment("web", pod)
    web["spec"]["replicas"] = 3
    big = deployment("big", {"containers": [container(resources={"requests": {"cpu": "3"}})]})
    fleet = write_fleet(tmp_path, ["{name: member1}", "{name: member2}"], [web, big])
    (fleet / "fleet" / "fleet.yaml").write_text(KARMADA.read_text())  # the same two clusters
    result = run_cli("validate", cwd=fleet)
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if ": warning: " in line]
    # Karmada says nothing of node labels: web's nodeSelector is not held against its pods.
    assert lines == [
        "fleet/fleet.yaml:36:1: warning: cluster 'member2': node pool all-nodes allocates cpu 4 "
        "in all (1 node), and the pods that can run only there request cpu 7500m (3 pods of "
        "Deployment/shop/web at fleet/objects.yaml:1:1, 1 pod of Deployment/shop/big at "
        "fleet/objects.yaml:24:1): some would stay Pending (add nodes to the pools, plan fewer "
        "replicas for the cluster or lower their requests, or let the pods run on another pool)",
        "fleet/objects.yaml:24:1: warning: cluster 'member1': Deployment/shop/big "
        "spec.template.spec: no node pool takes its pods, so they would stay Pending (pool "
        "grade-1: one pod requests cpu 3, and one node allocates cpu 1999m) (give the pods a "
        "pool's labels and tolerate its taints, request what one node allocates, or add a node "
        "pool that takes them)",
    ]


def test_a_bad_karmada_status_is_an_error_at_its_place(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    text = KARMADA.read_text().replace("{grade: 1, count: 3}", "{grade: 1, count: three}")
    (fleet / "clusters.yaml").write_text(text.replace('max: "2"}', "max: two}"))
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    assert (
        "fleet/clusters.yaml:17:33: spec.resourceModels[1].ranges[0].max: 'two' must be a Kubernetes quantity"
        in result.err
    )
    assert (
        "fleet/clusters.yaml:33:20: status.resourceSummary.allocatableModelings[1].count: expected an integer"
        in result.err
    )
    assert "Traceback" not in result.err
    assert not (tmp_path / "rendered").exists()


POOL = "{name: gpu, nodes: 2, labels: {accelerator: nvidia}, allocatable: {cpu: '32'}}"


def test_entries_that_share_a_pool_through_an_alias_or_the_same_text_get_the_same_pools() -> None:
    aliased = inventory(
        f"{{name: a, compute: {{nodePools: [&gpu {POOL}]}}}}",
        "{name: b, compute: {nodePools: [*gpu]}}",
    )
    written = inventory(*(f"{{name: {n}, compute: {{nodePools: [{POOL}]}}}}" for n in "ab"))
    for text in (aliased, written):
        clusters = compile_fleet(text).spec.clusters
        assert clusters["a"].compute == clusters["b"].compute
        assert clusters["a"].compute is not None
        assert clusters["a"].compute.node_pools[0].labels == {"accelerator": "nvidia"}


def test_a_bad_label_in_a_pool_shared_by_an_alias_is_reported_at_every_entry(
    tmp_path: Path, run_cli: RunCli
) -> None:
    bad = POOL.replace("accelerator: nvidia", "bad key: x")
    text = inventory(
        f"{{name: a, compute: {{nodePools: [&gpu {bad}]}}}}",
        "{name: b, compute: {nodePools: [*gpu]}}",
    )
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(text)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    for index in (0, 1):
        assert f"spec.clusters[{index}].compute.nodePools[0].labels.bad key" in result.err
