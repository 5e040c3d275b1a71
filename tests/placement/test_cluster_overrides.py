"""A cluster's KubeFed override list: decided once by placement, applied as-is by materialize."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from kfedgen.backend.materialize import materialize
from kfedgen.decisions import ClusterPatch, Resolution
from kfedgen.errors import Problems
from kfedgen.model import FederatedObject
from kfedgen.patch import PatchOp
from kfedgen.placement.cluster_overrides import with_scheduled_replicas
from tests.fleets import INVENTORY, compile_fleet
from tests.placement.rsp_documents import WEB, deployment, namespace, rendered, rsp

OVERRIDES = """\
  - clusterName: east
    clusterOverrides:
    - {path: /spec/template/spec/containers/0/image, value: 'web:2'}
    - {path: /spec/replicas, value: 7}
    - {op: add, path: /metadata/labels, value: {tier: front}}
"""
TOTAL_10 = "  totalReplicas: 10\n  clusters:\n    east: {weight: 1}\n    west: {weight: 1}\n"


def test_the_scheduler_takes_the_place_of_the_users_replica_override() -> None:
    fleet = compile_fleet(
        INVENTORY, "---\n".join([namespace(), deployment(overrides=OVERRIDES), rsp(TOTAL_10)])
    )
    east = fleet.resolution(WEB).decisions["east"]  # type: ignore[union-attr]
    assert [(op.entry, op.patch.path, op.patch.value, op.scheduled) for op in east.operations] == [
        (0, "/spec/template/spec/containers/0/image", "web:2", False),
        (0, "/spec/replicas", 5, True),
        (0, "/metadata/labels", {"tier": "front"}, False),
    ]
    west = fleet.resolution(WEB).decisions["west"]  # type: ignore[union-attr]
    assert [(op.entry, op.patch.path, op.patch.value) for op in west.operations] == [
        (-1, "/spec/replicas", 5)
    ]
    assert rendered(fleet)["east"]["spec"]["replicas"] == 5


def test_without_a_scheduler_the_list_is_the_entries_own() -> None:
    fleet = compile_fleet(INVENTORY, namespace() + "---\n" + deployment(overrides=OVERRIDES))
    east = fleet.resolution(WEB).decisions["east"]  # type: ignore[union-attr]
    assert [op.patch.value for op in east.operations] == ["web:2", 7, {"tier": "front"}]
    assert fleet.resolution(WEB).decisions["lab"].operations == ()  # type: ignore[union-attr]


def test_materialize_applies_the_recorded_list_and_derives_nothing() -> None:
    fleet = compile_fleet(INVENTORY, namespace() + "---\n" + deployment(overrides=OVERRIDES))
    resolution = cast("Resolution[FederatedObject]", fleet.resolution(WEB))
    recorded = (ClusterPatch(3, PatchOp("replace", "/spec/replicas", 42, ("x",))),)
    east = replace(resolution.decisions["east"], operations=recorded)
    objects, _ = materialize([resolution.with_decisions({"east": east})], Problems())
    by_cluster = {o.cluster: o.manifest for o in objects}
    assert by_cluster["east"]["spec"]["replicas"] == 42
    assert by_cluster["east"]["spec"]["template"]["spec"]["containers"][0]["image"] == "web:1"


def test_a_scheduled_count_replaces_only_the_first_replica_override_in_place() -> None:
    first = ClusterPatch(0, PatchOp("replace", "/spec/replicas", 1, ("a",)))
    second = ClusterPatch(1, PatchOp("add", "/spec/replicas", 2, ("b",)))
    removal = ClusterPatch(0, PatchOp("remove", "/spec/replicas"))
    assert with_scheduled_replicas((removal, first, second), 9) == (
        removal,
        ClusterPatch(0, PatchOp("replace", "/spec/replicas", 9, ("a",)), scheduled=True),
        second,
    )
    assert with_scheduled_replicas((removal,), 9) == (
        removal,
        ClusterPatch(-1, PatchOp("replace", "/spec/replicas", 9), scheduled=True),
    )
