"""Tests for the KubeFed ReplicaSchedulingPreference planner port.

Expected values come from three places only: KubeFed's own planner unit tests and the
worked examples of the reference (both transcribed in ``kubefed_planner_cases.json``),
published FNV test vectors, and properties that follow from the algorithm's definition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.model import WILDCARD_CLUSTER, ClusterPreferences
from kfedgen.placement.kubefed_planner import (
    DEFAULT_PREFERENCES,
    PlanResult,
    fnv1_32,
    may_overflow_int64,
    plan_replicas,
    preference_for,
    salted_fnv1_32,
)

CASES_FILE = Path(__file__).with_name("kubefed_planner_cases.json")


# --------------------------------------------------------------------------------------
# Table-driven cases: upstream planner_test.go and the reference's worked examples
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannerCase:
    """One row of the case file: the planner's inputs and the outputs upstream expects."""

    name: str
    source: str
    total_replicas: int
    available_clusters: tuple[str, ...]
    preferences: dict[str, ClusterPreferences]
    key: str
    rebalance: bool
    current_replicas: dict[str, int]
    estimated_capacity: dict[str, int]
    expected_plan: dict[str, int]
    expected_overflow: dict[str, int]

    def run(self) -> PlanResult:
        return plan_replicas(
            self.total_replicas,
            self.available_clusters,
            self.preferences,
            self.key,
            rebalance=self.rebalance,
            current_replicas=self.current_replicas,
            estimated_capacity=self.estimated_capacity,
        )


def _int_map(raw: Mapping[str, Any]) -> dict[str, int]:
    return {str(name): int(value) for name, value in raw.items()}


def _preference(raw: Mapping[str, Any]) -> ClusterPreferences:
    # The case file uses the RSP's own YAML field names.
    maximum = raw.get("maxReplicas")
    return ClusterPreferences(
        min_replicas=int(raw.get("minReplicas", 0)),
        max_replicas=None if maximum is None else int(maximum),
        weight=int(raw.get("weight", 0)),
    )


def _case(raw: Mapping[str, Any]) -> PlannerCase:
    return PlannerCase(
        name=str(raw["name"]),
        source=str(raw["source"]),
        total_replicas=int(raw["total_replicas"]),
        available_clusters=tuple(str(name) for name in raw["available_clusters"]),
        preferences={str(k): _preference(v) for k, v in raw["preferences"].items()},
        key=str(raw["key"]),
        rebalance=bool(raw["rebalance"]),
        current_replicas=_int_map(raw["current_replicas"]),
        estimated_capacity=_int_map(raw["estimated_capacity"]),
        expected_plan=_int_map(raw["expected_plan"]),
        expected_overflow=_int_map(raw["expected_overflow"]),
    )


def _load_cases(section: str) -> list[PlannerCase]:
    document = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return [_case(raw) for raw in document[section]]


UPSTREAM_CASES = _load_cases("cases")
WORKED_EXAMPLES = _load_cases("worked_examples")


def _case_by_name(name: str) -> PlannerCase:
    return next(case for case in UPSTREAM_CASES if case.name == name)


def test_case_file_holds_every_upstream_test_function() -> None:
    # planner_test.go has these six test functions and 40 checks in all; a lost row
    # would otherwise go unnoticed.
    functions = {case.name.split("#")[0] for case in UPSTREAM_CASES}
    assert functions == {
        "TestEqual",
        "TestEqualWithExisting",
        "TestWithExistingAndCapacity",
        "TestMin",
        "TestMax",
        "TestWeight",
    }
    assert len(UPSTREAM_CASES) == 40
    assert {case.source for case in UPSTREAM_CASES} == {"kubefed"}


@pytest.mark.parametrize("case", UPSTREAM_CASES, ids=lambda case: case.name)
def test_upstream_planner_case(case: PlannerCase) -> None:
    result = case.run()
    assert result.plan == case.expected_plan
    assert result.overflow == case.expected_overflow


@pytest.mark.parametrize("case", WORKED_EXAMPLES, ids=lambda case: case.name)
def test_worked_example(case: PlannerCase) -> None:
    result = case.run()
    assert result.plan == case.expected_plan
    assert result.overflow == case.expected_overflow


# --------------------------------------------------------------------------------------
# The hash: FNV-1, not FNV-1a
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Go's hash/fnv golden32 vectors (src/hash/fnv/fnv_test.go).
        (b"", 0x811C9DC5),
        (b"a", 0x050C5D7E),
        (b"ab", 0x70772D38),
        (b"abc", 0x439C2F4B),
        # Reference section 3.3: the one-letter cluster names of the upstream tests.
        (b"A", 0x050C5D5E),
        (b"B", 0x050C5D5D),
        (b"C", 0x050C5D5C),
        (b"D", 0x050C5D5B),
    ],
)
def test_fnv1_32_matches_published_vectors(data: bytes, expected: int) -> None:
    assert fnv1_32(data) == expected


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=12), max_size=40), st.binary(max_size=40))
def test_salted_hashes_are_the_hashes_of_each_prefix_then_the_suffix(
    prefixes: list[bytes], suffix: bytes
) -> None:
    # The planner hashes every cluster's name then one key this way (the suffix once per
    # low byte of the prefixes' hashes): it must be FNV-1 of the concatenation.
    assert salted_fnv1_32(prefixes, suffix) == [fnv1_32(p + suffix) for p in prefixes]


def test_salted_hashes_of_many_prefixes_share_the_low_bytes_of_their_hashes() -> None:
    # More prefixes than low bytes: each tail is reused, and still exact.
    prefixes = [f"c{i:05d}".encode() for i in range(2000)]
    suffix = b"team-a/deploy-016"
    assert salted_fnv1_32(prefixes, suffix) == [fnv1_32(p + suffix) for p in prefixes]


def _fnv1a_32(data: bytes) -> int:
    """FNV-1a (xor, then multiply): the variant KubeFed does *not* use."""
    digest = 0x811C9DC5
    for byte in data:
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return digest


def test_fnv1a_reference_implementation_is_right() -> None:
    # Go's golden32a vectors, so the comparison below is against the real FNV-1a.
    assert _fnv1a_32(b"a") == 0xE40C292C
    assert _fnv1a_32(b"abc") == 0x1A47E90B


def test_upstream_single_replica_case_only_holds_with_fnv1() -> None:
    # TestEqual#3: one replica, clusters A and B of equal weight.  The replica goes to
    # the cluster with the lowest hash; upstream expects B.
    case = _case_by_name("TestEqual#3")
    (winner,) = (name for name, replicas in case.expected_plan.items() if replicas == 1)
    assert min(case.available_clusters, key=lambda name: fnv1_32(name.encode())) == winner
    assert min(case.available_clusters, key=lambda name: _fnv1a_32(name.encode())) != winner
    assert case.run().plan == case.expected_plan


def test_hash_covers_cluster_name_then_key() -> None:
    # Upstream writes the cluster name, then the replica-set key, into one hasher.  With
    # equal weights the single replica goes to the lowest hash of name + key; key + name
    # would pick a different cluster here, so the test tells the two apart.
    clusters = ["A", "B", "C", "D", "E", "F", "G", "H"]
    key = "default/web"

    def lowest(hash_input: Any) -> str:
        return min(clusters, key=lambda name: fnv1_32(hash_input(name)))

    name_then_key = lowest(lambda name: (name + key).encode())
    key_then_name = lowest(lambda name: (key + name).encode())
    assert name_then_key != key_then_name

    result = plan_replicas(1, clusters, {"*": ClusterPreferences(weight=1)}, key)
    assert result.plan == {name: int(name == name_then_key) for name in clusters}


# --------------------------------------------------------------------------------------
# Preference lookup, defaults and input handling
# --------------------------------------------------------------------------------------


def test_preference_for_prefers_the_cluster_entry_over_the_wildcard() -> None:
    own = ClusterPreferences(min_replicas=3, weight=2)
    wildcard = ClusterPreferences(weight=1)
    preferences = {"A": own, WILDCARD_CLUSTER: wildcard}
    assert preference_for("A", preferences) is own
    assert preference_for("B", preferences) is wildcard


def test_preference_for_without_wildcard_is_none() -> None:
    assert preference_for("B", {"A": ClusterPreferences(weight=1)}) is None


def test_empty_preferences_default_to_weight_one_everywhere() -> None:
    # KubeFed's GetSchedulingResult substitutes {"*": {weight: 1}} for an empty map.
    assert {"*": ClusterPreferences(weight=1)} == DEFAULT_PREFERENCES
    assert preference_for("anything", {}) == ClusterPreferences(weight=1)


def test_repeated_cluster_names_are_planned_once() -> None:
    # Same as upstream TestEqual#1 once the repeats are dropped.
    result = plan_replicas(50, ["A", "B", "A", "C", "C"], {"*": ClusterPreferences(weight=1)}, "")
    assert result.plan == {"A": 16, "B": 17, "C": 17}


def test_inputs_are_not_modified() -> None:
    case = _case_by_name("TestWithExistingAndCapacity#5")
    before = (dict(case.current_replicas), dict(case.estimated_capacity), dict(case.preferences))
    case.run()
    after = (case.current_replicas, case.estimated_capacity, case.preferences)
    assert after == before


def test_results_are_ordered_by_cluster_name() -> None:
    result = plan_replicas(10, ["c", "a", "b"], {}, "ns/app", estimated_capacity={"c": 1, "a": 1})
    assert list(result.plan) == ["a", "b", "c"]
    assert list(result.overflow) == sorted(result.overflow)


def test_may_overflow_int64_flags_the_wrapping_examples() -> None:
    wrapping = [case for case in WORKED_EXAMPLES if "int64" in case.name]
    assert len(wrapping) == 4
    for case in wrapping:
        assert may_overflow_int64(case.total_replicas, case.available_clusters, case.preferences)
    for case in UPSTREAM_CASES:
        assert not may_overflow_int64(
            case.total_replicas, case.available_clusters, case.preferences
        )


def _may_overflow_per_cluster(
    total: int, clusters: Sequence[str], preferences: Mapping[str, ClusterPreferences]
) -> bool:
    """may_overflow_int64 as first written: each cluster's preference looked up."""
    weights = [
        abs(preference.weight)
        for cluster in dict.fromkeys(clusters)
        if (preference := preference_for(cluster, preferences)) is not None
    ]
    weight_sum = sum(weights)
    largest_numerator = abs(total) * max(weights, default=0) + weight_sum - 1
    return weight_sum > 2**63 - 1 or largest_numerator > 2**63 - 1


_names = st.sampled_from(["A", "B", "C", "D", WILDCARD_CLUSTER])
_big = st.integers(-(2**64), 2**64) | st.integers(-5, 5) | st.sampled_from([2**62, 2**63])


@settings(max_examples=300)
@given(
    _big,
    st.lists(_names, max_size=8),
    st.dictionaries(_names, st.builds(ClusterPreferences, weight=_big), max_size=4),
)
def test_may_overflow_int64_counts_entries_as_asking_every_cluster_would(
    total: int, clusters: list[str], preferences: dict[str, ClusterPreferences]
) -> None:
    # It counts the clusters without an entry of their own instead of asking each one.
    expected = _may_overflow_per_cluster(total, clusters, preferences)
    assert may_overflow_int64(total, clusters, preferences) == expected


def test_may_overflow_int64_counts_the_wildcard_once_per_cluster() -> None:
    # One cluster: 1 * 2**62 + 2**62 - 1 is exactly int64's maximum, so no wrap.  Two
    # clusters sharing "*" sum to 2**63, one past it, even with nothing to place.
    preferences = {"*": ClusterPreferences(weight=1 << 62)}
    assert not may_overflow_int64(1, ["A"], preferences)
    assert may_overflow_int64(0, ["A", "B"], preferences)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

CLUSTER_POOL = ["A", "B", "C", "D", "E", "member-1", "eu-west-1"]
PREFERENCE_KEYS = [*CLUSTER_POOL, WILDCARD_CLUSTER, "not-available"]
UNBOUNDED = float("inf")


@dataclass(frozen=True)
class PlannerInputs:
    """Generated arguments for :func:`plan_replicas`."""

    total_replicas: int
    available_clusters: list[str]
    preferences: dict[str, ClusterPreferences]
    key: str
    rebalance: bool
    current_replicas: dict[str, int] = field(default_factory=dict)
    estimated_capacity: dict[str, int] = field(default_factory=dict)

    def run(
        self,
        available_clusters: Sequence[str] | None = None,
        preferences: Mapping[str, ClusterPreferences] | None = None,
    ) -> PlanResult:
        return plan_replicas(
            self.total_replicas,
            self.available_clusters if available_clusters is None else available_clusters,
            self.preferences if preferences is None else preferences,
            self.key,
            rebalance=self.rebalance,
            current_replicas=self.current_replicas,
            estimated_capacity=self.estimated_capacity,
        )

    def planned_preferences(self) -> dict[str, ClusterPreferences]:
        """The preference each available cluster is planned with (none: left out)."""
        found = {name: preference_for(name, self.preferences) for name in self.available_clusters}
        return {name: pref for name, pref in found.items() if pref is not None}


@st.composite
def cluster_preferences(
    draw: st.DrawFn, *, max_value: int, max_weight: int, allow_min_above_max: bool
) -> ClusterPreferences:
    minimum = draw(st.integers(0, max_value))
    lowest_max = 0 if allow_min_above_max else minimum
    maximum = draw(st.none() | st.integers(lowest_max, max(lowest_max, 2 * max_value)))
    return ClusterPreferences(minimum, maximum, draw(st.integers(0, max_weight)))


@st.composite
def planner_inputs(
    draw: st.DrawFn,
    *,
    max_total: int = 150,
    max_value: int = 40,
    max_weight: int = 6,
    allow_min_above_max: bool = False,
    with_current: bool = True,
    with_capacity: bool = True,
    rebalance: bool | None = None,
) -> PlannerInputs:
    clusters = draw(st.lists(st.sampled_from(CLUSTER_POOL), unique=True, max_size=6))
    preference_keys = draw(st.lists(st.sampled_from(PREFERENCE_KEYS), unique=True, max_size=5))
    preference = cluster_preferences(
        max_value=max_value, max_weight=max_weight, allow_min_above_max=allow_min_above_max
    )
    preferences = {name: draw(preference) for name in preference_keys}

    def observations(enabled: bool) -> dict[str, int]:
        if not enabled or not clusters:
            return {}
        return draw(st.dictionaries(st.sampled_from(clusters), st.integers(0, 2 * max_value)))

    return PlannerInputs(
        total_replicas=draw(st.integers(0, max_total)),
        available_clusters=clusters,
        preferences=preferences,
        key=draw(st.sampled_from(["", "default/web", "team-a/api"]) | st.text(max_size=6)),
        rebalance=draw(st.booleans()) if rebalance is None else rebalance,
        current_replicas=observations(with_current),
        estimated_capacity=observations(with_capacity),
    )


def placeable_replicas(inputs: PlannerInputs) -> float:
    """How many replicas minimums and maximums let the planner place, without capacity.

    Clusters with a positive weight can grow up to their ``maxReplicas`` (no maximum:
    unbounded); clusters with weight 0 only ever get their ``minReplicas``.  Clusters
    without a preference get nothing.
    """
    bound: float = 0
    for pref in inputs.planned_preferences().values():
        if pref.weight > 0:
            bound += UNBOUNDED if pref.max_replicas is None else pref.max_replicas
        else:
            bound += pref.min_replicas
    return bound


@settings(max_examples=200)
@given(planner_inputs(allow_min_above_max=True))
def test_plan_has_one_non_negative_entry_per_available_cluster(inputs: PlannerInputs) -> None:
    result = inputs.run()
    assert list(result.plan) == sorted(inputs.available_clusters)
    assert all(replicas >= 0 for replicas in result.plan.values())
    assert sum(result.plan.values()) <= inputs.total_replicas
    assert set(result.overflow) <= set(inputs.estimated_capacity)
    assert all(replicas > 0 for replicas in result.overflow.values())


@settings(max_examples=200)
@given(planner_inputs(with_current=False, with_capacity=False))
def test_sum_is_exactly_what_minimums_and_maximums_allow(inputs: PlannerInputs) -> None:
    # Precise condition, for 0 <= minReplicas <= maxReplicas, no capacity estimate and no
    # replicas kept in place (rebalance, or no current replicas):
    #
    #     sum(plan) == min(total, sum over weighted clusters of max (None = unbounded)
    #                            + sum over weight-0 clusters of min)
    #
    # so every replica is placed exactly when that bound reaches the total.  Why: each
    # round gives the first still-active weighted cluster at least one replica unless it
    # is at its maximum, so the rounds only stop early once every weighted cluster is at
    # its maximum; weight-0 clusters never get more than their minimum.  When the
    # minimums alone exceed the total, they use it all up.
    result = inputs.run()
    expected = min(inputs.total_replicas, placeable_replicas(inputs))
    assert sum(result.plan.values()) == expected


@settings(max_examples=200)
@given(planner_inputs(with_capacity=False, rebalance=False))
def test_keeping_current_replicas_never_places_fewer(inputs: PlannerInputs) -> None:
    # Kept replicas can push a weight-0 cluster above its minimum, so the bound above
    # becomes a lower bound; nothing is ever placed beyond the total.
    result = inputs.run()
    placed = sum(result.plan.values())
    assert min(inputs.total_replicas, placeable_replicas(inputs)) <= placed
    assert placed <= inputs.total_replicas


@settings(max_examples=200)
@given(planner_inputs())
def test_minimums_are_met_when_they_fit_in_the_total(inputs: PlannerInputs) -> None:
    # With 0 <= min <= max and the minimums adding up to at most the total, each cluster
    # gets at least its minimum, or its whole estimated capacity if that is smaller.
    planned = inputs.planned_preferences()
    if sum(pref.min_replicas for pref in planned.values()) > inputs.total_replicas:
        return
    result = inputs.run()
    for name, pref in planned.items():
        floor = min(pref.min_replicas, inputs.estimated_capacity.get(name, pref.min_replicas))
        assert result.plan[name] >= floor


@settings(max_examples=200)
@given(planner_inputs())
def test_maximum_and_capacity_are_never_exceeded(inputs: PlannerInputs) -> None:
    result = inputs.run()
    for name, pref in inputs.planned_preferences().items():
        if pref.max_replicas is not None:
            assert result.plan[name] <= pref.max_replicas
        if name in inputs.estimated_capacity:
            assert result.plan[name] <= inputs.estimated_capacity[name]


@settings(max_examples=200)
@given(planner_inputs(allow_min_above_max=True), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(inputs: PlannerInputs, rng: Any) -> None:
    expected = inputs.run()
    clusters = list(inputs.available_clusters)
    rng.shuffle(clusters)
    names = list(inputs.preferences)
    rng.shuffle(names)
    reordered = {name: inputs.preferences[name] for name in names}
    result = inputs.run(available_clusters=clusters, preferences=reordered)
    assert list(result.plan.items()) == list(expected.plan.items())
    assert list(result.overflow.items()) == list(expected.overflow.items())


@settings(max_examples=200)
@given(
    planner_inputs(
        max_total=2**31 - 1,
        max_value=2**62,
        max_weight=2**31,
        allow_min_above_max=True,
        with_current=False,
    )
)
def test_never_raises_on_large_values(inputs: PlannerInputs) -> None:
    # totalReplicas is an int32 in the RSP; the other fields are int64.  Weights up to
    # 2**31 keep Go's share arithmetic inside int64, which may_overflow_int64 confirms.
    assert not may_overflow_int64(
        inputs.total_replicas, inputs.available_clusters, inputs.preferences
    )
    result = inputs.run()
    assert set(result.plan) == set(inputs.available_clusters)


@settings(max_examples=200)
@given(planner_inputs(max_total=2_000, max_value=2_000, allow_min_above_max=True))
def test_never_raises_with_kept_replicas_and_capacity(inputs: PlannerInputs) -> None:
    result = inputs.run()
    assert set(result.plan) == set(inputs.available_clusters)
