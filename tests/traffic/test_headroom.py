"""Headroom per cluster: the two policies, and what draining a cluster does to it."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from kfedgen.traffic.apportion import apportion
from kfedgen.traffic.headroom import headroom_replicas
from kfedgen.traffic.settings import HeadroomSettings

ABSORB = HeadroomSettings("absorb-largest-cluster")
clusters = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(min_value=0, max_value=500), min_size=1
)


@given(clusters, st.integers(min_value=1, max_value=300))
def test_percent_rounds_up_each_clusters_own_replicas(
    replicas: dict[str, int], percent: int
) -> None:
    result = headroom_replicas(HeadroomSettings("percent", percent), replicas, frozenset(replicas))
    assert result == {c: math.ceil(n * percent / 100) for c, n in replicas.items()}


@given(clusters, st.data())
def test_a_drained_cluster_keeps_no_headroom(replicas: dict[str, int], data: st.DataObject) -> None:
    drained = data.draw(st.sampled_from(sorted(replicas)))
    live = frozenset(replicas) - {drained}
    for settings in (ABSORB, HeadroomSettings("percent", 50)):
        assert headroom_replicas(settings, replicas, live)[drained] == 0


@given(clusters)
def test_the_survivors_of_the_largest_cluster_can_take_all_of_it(replicas: dict[str, int]) -> None:
    """Whichever cluster is the largest, the others' headroom adds up to its replicas."""
    result = headroom_replicas(ABSORB, replicas, frozenset(replicas))
    largest = min(replicas, key=lambda c: (-replicas[c], c))
    survivors = {c: n for c, n in replicas.items() if c != largest}
    if sum(survivors.values()) > 0:
        assert sum(result[c] for c in survivors) == replicas[largest]


@given(clusters, st.data())
def test_after_a_drain_the_survivors_still_cover_the_largest_live_cluster(
    replicas: dict[str, int], data: st.DataObject
) -> None:
    """Draining takes a cluster out of the absorbing set in the same render: the live
    clusters' headroom covers the largest live cluster, and the drained one holds none."""
    drained = data.draw(st.sampled_from(sorted(replicas)))
    planned = {**replicas, drained: 0}
    live = frozenset(replicas) - {drained}
    result = headroom_replicas(ABSORB, planned, live)
    assert result[drained] == 0
    if not live:
        return
    largest = min(live, key=lambda c: (-planned[c], c))
    others = [c for c in live if c != largest]
    if sum(planned[c] for c in others) > 0:
        assert sum(result[c] for c in others) == planned[largest]


@given(clusters, st.integers(min_value=1, max_value=300), st.data())
def test_percent_headroom_grows_where_a_drain_sends_replicas(
    replicas: dict[str, int], percent: int, data: st.DataObject
) -> None:
    drained = data.draw(st.sampled_from(sorted(replicas)))
    settings = HeadroomSettings("percent", percent)
    before = headroom_replicas(settings, replicas, frozenset(replicas))
    # Any cluster that gains replicas gains headroom (never less than before).
    gained = {c: n + replicas[drained] for c, n in replicas.items() if c != drained}
    after = headroom_replicas(settings, {**gained, drained: 0}, frozenset(gained))
    assert all(after[c] >= before[c] for c in gained)
    assert after[drained] == 0


def test_the_traffic_example() -> None:
    # tests/golden/traffic: use1 5, usw2 3, euw1 1 replicas of shop/web.
    replicas = {"use1": 5, "usw2": 3, "euw1": 1}
    assert headroom_replicas(ABSORB, replicas, frozenset(replicas)) == {
        "use1": 2,  # usw2's 3 between use1 (5) and euw1 (1): 2.5 and 0.5, the tie to euw1
        "usw2": 4,  # use1's 5 between usw2 (3) and euw1 (1)
        "euw1": 1,
    }
    # usw2 drained: the RSP gives use1 7 and euw1 2; each must absorb the other.
    drained = {"use1": 7, "usw2": 0, "euw1": 2}
    assert headroom_replicas(ABSORB, drained, frozenset({"use1", "euw1"})) == {
        "use1": 2,
        "usw2": 0,
        "euw1": 7,
    }


def test_one_cluster_has_nothing_to_absorb() -> None:
    assert headroom_replicas(ABSORB, {"a": 4}, frozenset({"a"})) == {"a": 0}


@given(clusters, st.data())
def test_absorb_is_the_share_of_the_largest_other_cluster(
    replicas: dict[str, int], data: st.DataObject
) -> None:
    """The policy as the README states it, cluster by cluster, against the two divisions
    the implementation makes."""
    live = frozenset(data.draw(st.sets(st.sampled_from(sorted(replicas)))))
    result = headroom_replicas(ABSORB, replicas, live)
    for cluster in replicas:
        others = [c for c in replicas if c != cluster]
        if cluster not in live or not others:
            assert result[cluster] == 0
            continue
        lost = min(others, key=lambda c: (-replicas[c], c))
        survivors = {c: replicas[c] for c in replicas if c != lost and c in live}
        assert result[cluster] == apportion(replicas[lost], survivors)[cluster]
