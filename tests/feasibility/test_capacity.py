"""The pools' total against the pods planned: properties of the test kfedgen runs."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from kfedgen.errors import Location
from kfedgen.feasibility.capacity import overfull
from kfedgen.feasibility.nodepools import OnPools, Pool, Workload
from kfedgen.feasibility.podspec import PodTemplate
from kfedgen.model import NodePool
from kfedgen.rendered import RenderedObject

NAMES = ("a", "b", "c")


def _pool(name: str, nodes: int, cpu: int) -> Pool:
    return Pool(NodePool(name, nodes, allocatable={"cpu": str(cpu)}), {"cpu": cpu * 1000})


def _workload(index: int, pools: tuple[Pool, ...], replicas: int, cpu: int) -> Workload:
    manifest = {"kind": "Deployment", "metadata": {"name": f"w{index}", "namespace": "ns"}}
    obj = RenderedObject("c", manifest, f"Deployment/ns/w{index}", Location("f.yaml", index + 1, 1))
    template = PodTemplate(("spec", "template"), {}, {})
    on_pools = OnPools.of("Deployment", template, {"cpu": cpu * 1000}, pools, ())
    return Workload(obj, on_pools, replicas)


instances = st.tuples(
    st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4)), min_size=3, max_size=3),
    st.lists(
        st.tuples(
            st.sets(st.sampled_from(NAMES), min_size=1), st.integers(0, 4), st.integers(1, 3)
        ),
        max_size=5,
    ),
)


Instance = tuple[list[tuple[int, int]], list[tuple[set[str], int, int]]]


def _build(instance: Instance) -> tuple[list[Pool], list[Workload]]:
    shapes, specs = instance
    pools = [_pool(n, nodes, cpu) for n, (nodes, cpu) in zip(NAMES, shapes, strict=True)]
    placed = [
        _workload(i, tuple(p for p in pools if p.name in names), replicas, cpu)
        for i, (names, replicas, cpu) in enumerate(specs)
    ]
    return pools, placed


def _hall_holds(pools: list[Pool], placed: list[Workload]) -> bool:
    """The exact test for a fractional assignment (max-flow min-cut): every set of pools."""
    for size in range(1, len(pools) + 1):
        for chosen in itertools.combinations(pools, size):
            names = {p.name for p in chosen}
            asked = sum(
                (w.replicas or 0) * w.requests["cpu"]
                for w in placed
                if w.replicas and {p.name for p in w.pools} <= names
            )
            if asked > sum(p.pool.nodes * (p.allocatable or {})["cpu"] for p in chosen):
                return False
    return True


@given(instances)
def test_nothing_that_can_be_placed_is_reported(instance: Instance) -> None:
    pools, placed = _build(instance)
    if _hall_holds(pools, placed):
        assert overfull(pools, placed) == []


@given(instances)
def test_what_is_reported_cannot_be_placed(instance: Instance) -> None:
    pools, placed = _build(instance)
    for full in overfull(pools, placed):
        [usage] = full.usages
        assert usage.declared is not None
        assert usage.requested > usage.declared
        names = {p.name for p in full.pools}
        must = [w for w in placed if w.replicas and {p.name for p in w.pools} <= names]
        assert usage.requested == sum((w.replicas or 0) * w.requests["cpu"] for w in must)
        assert not _hall_holds(pools, placed)


@given(instances)
def test_the_whole_cluster_over_its_total_is_always_reported(instance: Instance) -> None:
    pools, placed = _build(instance)
    asked = sum((w.replicas or 0) * w.requests["cpu"] for w in placed)
    total = sum(p.pool.nodes * (p.allocatable or {})["cpu"] for p in pools)
    if asked > total:
        assert overfull(pools, placed)


@given(instances, st.integers(1, 3))
def test_more_nodes_never_make_a_fleet_that_fits_overfull(instance: Instance, extra: int) -> None:
    pools, placed = _build(instance)
    shapes, specs = instance
    more_pools, more_placed = _build(([(n + extra, cpu) for n, cpu in shapes], specs))
    if not overfull(pools, placed):
        assert overfull(more_pools, more_placed) == []
