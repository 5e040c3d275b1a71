"""kfedgen.karmada.dynamicdivision against Karmada's ``Test_dynamicDivideReplicas`` table
(``cases/dynamic_division.yaml``), and the first-schedule sort it runs after."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfedgen.karmada.dynamicdivision import NotEnoughReplicas, divide, sort_by_available
from tests.karmada._cases import load, params

DATA = load("dynamic_division.yaml")


@pytest.mark.parametrize("case", params(DATA["cases"]))
def test_dynamic_divide_replicas_matches_upstream(case: dict[str, Any]) -> None:
    ordered = [(name, count) for name, count in case["available"]]
    _, assigned = divide(case["target"], ordered, case["strategy"] == "Aggregated")
    assert assigned == case["expected"]


def test_too_few_available_replicas_is_upstreams_error() -> None:
    with pytest.raises(NotEnoughReplicas, match=r"^Clusters available replicas 9 are not enough"):
        divide(10, [("a", 5), ("b", 4)], aggregated=False)


def test_equal_capacities_keep_their_selection_order() -> None:
    # Go's sort.Sort is an insertion sort up to 12 elements: ties stay in the given order,
    # which decides which of two equal clusters an Aggregated prefix keeps.
    available = {"b": 5, "a": 5, "c": 9}
    assert sort_by_available(["b", "a", "c"], available) == ["c", "b", "a"]
    chosen, assigned = divide(12, [("c", 9), ("b", 5), ("a", 5)], aggregated=True)
    assert (chosen, assigned) == (["c", "b"], {"b": 4, "c": 8})


@given(
    st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 40), min_size=1),
    st.integers(1, 100),
    st.booleans(),
)
def test_division_hands_out_exactly_the_target_within_capacity_order(
    available: dict[str, int], target: int, aggregated: bool
) -> None:
    ordered = [(n, available[n]) for n in sort_by_available(sorted(available), available)]
    try:
        chosen, assigned = divide(target, ordered, aggregated)
    except NotEnoughReplicas:
        assert sum(available.values()) < target
        return
    assert sum(assigned.values()) == target
    assert set(assigned) <= set(chosen)
    assert chosen == [name for name, _ in ordered[: len(chosen)]]
    if aggregated:
        # The prefix is the shortest that holds every replica.
        assert sum(available[n] for n in chosen[:-1]) < target <= sum(available[n] for n in chosen)
