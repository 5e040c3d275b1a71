"""Webster static-weight division, driven by Karmada's own test values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.karmada.webster import (
    Party,
    allocate_webster_seats,
    divide_by_static_weights,
    fnv32a,
    names_descending,
    resolve_static_weights,
)
from tests.karmada import _cases

SEATS = _cases.load("webster_seats.yaml")
STATIC = _cases.load("static_weights.yaml")

TIE_BREAKERS = {
    None: None,
    "name_asc": lambda a, b: a.name < b.name,
    "name_desc": lambda a, b: a.name > b.name,
}


@pytest.mark.parametrize("case", _cases.params(SEATS["cases"]))
def test_allocate_webster_seats_upstream(case: dict[str, Any]) -> None:
    got = allocate_webster_seats(
        case["seats"],
        case["votes"],
        case.get("initial"),
        tie_breaker=TIE_BREAKERS[case.get("tie_breaker")],
    )
    assert got == case["expected"]
    assert list(got) == sorted(got), "Go returns parties sorted by name"


def _weights(case: dict[str, Any]) -> dict[str, int]:
    if "weights" in case:
        weights: dict[str, int] = case["weights"]
        return weights
    if case["rules"] is None:  # nil weightPreference: weight 1 for every candidate
        return dict.fromkeys(case["candidates"], 1)
    rules = [(rule["clusterNames"], rule["weight"]) for rule in case["rules"]]
    return resolve_static_weights(case["candidates"], rules, lambda c, names: c in names)


@pytest.mark.parametrize("case", _cases.params(STATIC["cases"]))
def test_static_weight_assignment(case: dict[str, Any]) -> None:
    weights = _weights(case)
    uid = case.get("uid", "")
    votes = {c: w for c, w in weights.items() if w > 0} or dict.fromkeys(weights, 1)
    assert allocate_webster_seats(case["replicas"], votes, None, uid) == case["assignment"]
    expected_final = {c: n for c, n in case["assignment"].items() if n > 0}
    assert divide_by_static_weights(case["replicas"], weights, uid) == expected_final


def test_resolve_static_weights_takes_the_max_not_the_sum() -> None:
    rules = [(["a"], 1), (["a", "b"], 3), (["b"], 2)]
    got = resolve_static_weights(["a", "b", "c"], rules, lambda c, names: c in names)
    assert got == {"a": 3, "b": 3, "c": 0}


def test_fnv32a_matches_known_vectors() -> None:
    # FNV-1a 32-bit test vectors (draft-eastlake-fnv).
    assert fnv32a("") == 0x811C9DC5
    assert fnv32a("a") == 0xE40C292C
    assert fnv32a("foobar") == 0xBF9CF968
    assert names_descending("") is False


def test_uid_parity_reverses_name_ties() -> None:
    odd = next(u for u in ("uid-a", "uid-b", "uid-c") if fnv32a(u) & 1)
    assert allocate_webster_seats(1, {"a": 1, "b": 1}, uid=odd) == {"a": 0, "b": 1}
    assert allocate_webster_seats(1, {"a": 1, "b": 1}) == {"a": 1, "b": 0}


def test_custom_tie_breaker_receives_parties() -> None:
    seen: list[tuple[Party, Party]] = []

    def breaker(a: Party, b: Party) -> bool:
        seen.append((a, b))
        return a.name > b.name

    assert allocate_webster_seats(1, {"x": 2, "y": 2}, tie_breaker=breaker) == {"x": 0, "y": 1}
    assert seen and all(p.votes == 2 and p.seats == 0 for pair in seen for p in pair)


def test_negative_replicas_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        divide_by_static_weights(-1, {"a": 1})


# -- properties ------------------------------------------------------------------------------

names = st.text(alphabet="abcdefgh-0123", min_size=1, max_size=6)
weight_maps = st.dictionaries(
    names, st.integers(min_value=0, max_value=1000), min_size=1, max_size=6
)


@settings(max_examples=150, deadline=None)
@given(weight_maps, st.integers(min_value=0, max_value=300))
def test_sum_equals_replicas(weights: dict[str, int], replicas: int) -> None:
    result = divide_by_static_weights(replicas, weights)
    assert sum(result.values()) == replicas
    assert all(n > 0 for n in result.values())
    if any(w > 0 for w in weights.values()):
        assert set(result) <= {c for c, w in weights.items() if w > 0}


@settings(max_examples=150, deadline=None)
@given(weight_maps, st.integers(min_value=0, max_value=300), st.randoms(use_true_random=False))
def test_independent_of_input_order(weights: dict[str, int], replicas: int, rnd: Any) -> None:
    items = list(weights.items())
    rnd.shuffle(items)
    assert divide_by_static_weights(replicas, dict(items)) == divide_by_static_weights(
        replicas, weights
    )


@settings(max_examples=150, deadline=None)
@given(
    weight_maps, st.integers(min_value=0, max_value=300), st.sampled_from(["", "uid-a", "uid-b"])
)
def test_monotone_in_replicas(weights: dict[str, int], replicas: int, uid: str) -> None:
    # Karmada's motivation for Webster (issue #6735): scaling up never takes replicas away.
    before = divide_by_static_weights(replicas, weights, uid)
    after = divide_by_static_weights(replicas + 1, weights, uid)
    assert all(after.get(c, 0) >= n for c, n in before.items())
    assert sum(after.values()) == sum(before.values()) + 1
