"""kfedgen.karmada.spreadconstraint against Karmada's own test tables, plus properties.

The tables are ``cases/spread_constraints.yaml``, translated from the ``*_test.go`` files of
``pkg/scheduler/core/spreadconstraint``; the end-to-end fleets are in
``test_spread_fleets.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfedgen.karmada.policytypes import SpreadConstraint
from kfedgen.karmada.spreadconstraint import (
    MAX_INT32,
    ClusterDetail,
    Group,
    GroupChoice,
    GroupedClusters,
    Scheduling,
    SpreadError,
    group_clusters,
    group_score,
    group_score_for_duplicate,
    select_best_clusters,
    select_by_region,
    select_clusters,
    select_groups,
    sort_clusters,
)
from tests.karmada._cases import load, params

DATA = load("spread_constraints.yaml")

# generateRbSpec / the placements of TestSelectBestClusters, as the two facts selection reads.
SCHEDULING = {
    "none": Scheduling(duplicated=True, ignores_spread=False),
    "duplicated": Scheduling(duplicated=True, ignores_spread=False),
    "aggregated": Scheduling(duplicated=False, ignores_spread=False),
    "dynamicWeight": Scheduling(duplicated=False, ignores_spread=False),
    # Weighted with a non-nil weightPreference whose list is empty: not ignored.
    "staticWeight": Scheduling(duplicated=False, ignores_spread=False),
    "staticWeightList": Scheduling(duplicated=False, ignores_spread=True),
    "divided": Scheduling(duplicated=False, ignores_spread=False),
}


def _constraint(raw: list[Any], index: int = 0) -> SpreadConstraint:
    field, min_groups, max_groups = raw
    return SpreadConstraint(index, field, "", min_groups, max_groups)


def _cluster(raw: list[Any]) -> ClusterDetail:
    name, score, available, *topology = raw
    provider, region, zone = topology or ("", "", "")
    zones = (zone,) if zone else ()
    return ClusterDetail(name, score, available, available, provider, region, zones)


@pytest.mark.parametrize("case", params(DATA["select_groups"]))
def test_select_groups_matches_upstream(case: dict[str, Any]) -> None:
    groups = [GroupChoice(name, value, weight) for name, value, weight in case["groups"]]
    chosen = select_groups(groups, case["min"], case["max"], case["target"])
    assert [g.name for g in chosen] == case["expected"]


@pytest.mark.parametrize("case", params(DATA["group_clusters"]["cases"]))
def test_group_clusters_matches_upstream(case: dict[str, Any]) -> None:
    clusters = [_cluster(raw) for raw in DATA["group_clusters"]["fixture"]]
    constraints = [_constraint(raw, i) for i, raw in enumerate(case["constraints"])]
    grouped = group_clusters(clusters, constraints, SCHEDULING["none"], 0)
    assert [c.name for c in grouped.clusters] == case["clusters"]
    counts = (len(grouped.zones), len(grouped.regions), len(grouped.providers))
    assert counts == (case["zones"], case["regions"], case["providers"])


def _members(scores: list[int], available: list[int]) -> list[ClusterDetail]:
    """generateClusterScores: member1..memberN with the given scores and replicas."""
    return [
        ClusterDetail(f"member{i + 1}", s, a, a)
        for i, (s, a) in enumerate(zip(scores, available, strict=True))
    ]


@pytest.mark.parametrize("case", params(DATA["group_score"]))
def test_group_score_ranks_groups_as_upstream(case: dict[str, Any]) -> None:
    scheduling = SCHEDULING[case["scheduling"]]

    def score(prefix: str) -> int:
        clusters = _members(case[f"scores{prefix}"], case[f"available{prefix}"])
        # calcGroupScore reads the cluster constraint of rbSpec.placement: there is none.
        return group_score(clusters, scheduling, case["replicas"], case["minGroups"] or 1, 0)

    if scheduling.duplicated:
        first = group_score_for_duplicate(
            _members(case["scores1"], case["available1"]), case["replicas"]
        )
        assert first == score("1")
    assert (score("1") >= score("2")) is case["group1Wins"]


@pytest.mark.parametrize("case", params(DATA["group_score_for_duplicate"]))
def test_group_score_for_duplicate_matches_upstream(case: dict[str, Any]) -> None:
    clusters = [_cluster(raw) for raw in case["clusters"]]
    assert group_score_for_duplicate(clusters, case["replicas"]) == case["score"]


@pytest.mark.parametrize("case", params(DATA["select_best_clusters"]["cases"]))
def test_select_best_clusters_matches_upstream(case: dict[str, Any]) -> None:
    grouped = GroupedClusters(
        tuple(_cluster(raw) for raw in DATA["select_best_clusters"]["fixture"])
    )
    constraints = [_constraint(raw, i) for i, raw in enumerate(case["constraints"])]
    scheduling = SCHEDULING[case["scheduling"]]
    if "error" in case:
        with pytest.raises(SpreadError) as raised:
            select_best_clusters(constraints, scheduling, grouped, case["needReplicas"])
        assert str(raised.value) == case["error"]
        return
    chosen = select_best_clusters(constraints, scheduling, grouped, case["needReplicas"])
    assert [c.name for c in chosen] == case["expected"]


@pytest.mark.parametrize("case", params(DATA["select_by_region"]))
def test_select_by_region_matches_upstream(case: dict[str, Any]) -> None:
    regions = {
        name: Group(name, score, 0, tuple(_cluster(raw) for raw in clusters))
        for name, (score, clusters) in case["regions"].items()
    }
    grouped = GroupedClusters((), regions=regions)
    region, cluster = _constraint(case["region"]), _constraint(case["cluster"], 1)
    if "error" in case:
        with pytest.raises(SpreadError) as raised:
            select_by_region(region, cluster, grouped)
        assert str(raised.value) == case["error"]
        return
    assert [c.name for c in select_by_region(region, cluster, grouped)] == case["expected"]


@pytest.mark.parametrize("case", params(DATA["sort_clusters"]))
def test_sort_clusters_matches_upstream(case: dict[str, Any]) -> None:
    infos = [_cluster(raw) for raw in case["infos"]]

    def by_available(a: ClusterDetail, b: ClusterDetail) -> bool | None:
        return a.available > b.available if a.available != b.available else None

    ordered = sort_clusters(infos, by_available) if case["byAvailable"] else sort_clusters(infos)
    assert [c.name for c in ordered] == case["expected"]


@pytest.mark.parametrize("case", params(DATA["select_clusters"]))
def test_select_clusters_matches_upstream(case: dict[str, Any]) -> None:
    clusters = [
        ClusterDetail(name, score, MAX_INT32, MAX_INT32, overflow_order=order)
        for name, score, order in case["clusters"]
    ]
    constraints = [_constraint(raw, i) for i, raw in enumerate(case["constraints"])]
    _, chosen = select_clusters(clusters, constraints, SCHEDULING[case["scheduling"]], 0)
    assert sorted(c.name for c in chosen) == sorted(case["expected"])


# -- properties --------------------------------------------------------------------------------

_NAMES = [f"m{i}" for i in range(8)]


@st.composite
def _inventories(draw: st.DrawFn) -> list[ClusterDetail]:
    names = draw(st.lists(st.sampled_from(_NAMES), min_size=0, max_size=8, unique=True))
    return [
        ClusterDetail(
            name,
            0,
            available := draw(st.integers(0, 50)),
            available,
            draw(st.sampled_from(["", "aws", "gcp"])),
            draw(st.sampled_from(["", "r1", "r2", "r3", "r4"])),
            tuple(draw(st.lists(st.sampled_from(["z1", "z2"]), max_size=2, unique=True))),
        )
        for name in names
    ]


@st.composite
def _constraints(draw: st.DrawFn) -> list[SpreadConstraint]:
    result = []
    for index, field in enumerate(draw(st.sampled_from([["cluster"], ["cluster", "region"]]))):
        low = draw(st.integers(1, 4))
        high = draw(st.sampled_from([0, *range(low, 7)]))
        result.append(SpreadConstraint(index, field, "", low, high))
    return result


@given(
    _inventories(),
    _constraints(),
    st.booleans(),
    st.integers(0, 120),
)
def test_selection_never_crashes_and_respects_the_group_bounds(
    clusters: list[ClusterDetail],
    constraints: list[SpreadConstraint],
    duplicated: bool,
    replicas: int,
) -> None:
    """Whatever the inventory, selection either fails with upstream's error or picks between
    minGroups and maxGroups clusters (and regions), each at most once."""
    scheduling = Scheduling(duplicated=duplicated, ignores_spread=False)
    grouped = group_clusters(clusters, constraints, scheduling, replicas)
    try:
        chosen = select_best_clusters(constraints, scheduling, grouped, replicas)
    except SpreadError:
        return
    names = [c.name for c in chosen]
    assert len(set(names)) == len(names)
    assert set(names) <= {c.name for c in clusters}
    by_field = {c.field: c for c in constraints}
    cluster = by_field["cluster"]
    region = by_field.get("region")
    if region is None:
        # maxGroups 0 selects nothing (AssignReplicas then fails: no clusters available).
        assert len(chosen) == min(cluster.max_groups, len(clusters)) or not duplicated
        assert cluster.min_groups <= len(chosen) <= cluster.max_groups or cluster.max_groups == 0
        if not duplicated:
            assert sum(c.available for c in chosen) >= replicas
    else:
        regions = {c.region for c in chosen}
        assert "" not in regions
        assert region.min_groups <= len(regions) <= max(region.max_groups, 0)
        # A cluster constraint without maxGroups takes one cluster per region (upstream).
        assert len(chosen) >= cluster.min_groups or cluster.max_groups == 0
        # One cluster from each chosen region always, more only up to the cluster maxGroups.
        assert len(chosen) <= max(cluster.max_groups, len(regions))
