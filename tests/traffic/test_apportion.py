"""Integer weights by the largest-remainder method: the properties the README promises."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from kfedgen.traffic.apportion import apportion

names = st.text(alphabet="abcdefgh0123-", min_size=1, max_size=6)
shares = st.dictionaries(names, st.integers(min_value=0, max_value=10_000), max_size=12)
totals = st.integers(min_value=0, max_value=1_000)


@given(totals, shares)
def test_weights_sum_to_the_total(total: int, given_shares: dict[str, int]) -> None:
    weights = apportion(total, given_shares)
    assert set(weights) == set(given_shares)
    expected = total if sum(given_shares.values()) else 0
    assert sum(weights.values()) == expected


@given(totals, shares)
def test_each_weight_is_its_quota_rounded_down_or_up(
    total: int, given_shares: dict[str, int]
) -> None:
    whole = sum(given_shares.values())
    weights = apportion(total, given_shares)
    for name, share in given_shares.items():
        quota = Fraction(total * share, whole) if whole else Fraction(0)
        assert quota - 1 < weights[name] < quota + 1


@given(totals, shares)
def test_a_drained_cluster_gets_nothing(total: int, given_shares: dict[str, int]) -> None:
    weights = apportion(total, given_shares)
    assert all(weights[name] == 0 for name, share in given_shares.items() if share == 0)


@given(totals, shares)
def test_more_replicas_never_means_less_weight(total: int, given_shares: dict[str, int]) -> None:
    weights = apportion(total, given_shares)
    for a, share_a in given_shares.items():
        for b, share_b in given_shares.items():
            if share_a > share_b:
                assert weights[a] >= weights[b]


@given(totals, shares, st.randoms(use_true_random=False))
def test_input_order_does_not_matter(total: int, given_shares: dict[str, int], rng) -> None:  # type: ignore[no-untyped-def]
    items = list(given_shares.items())
    rng.shuffle(items)
    assert apportion(total, dict(items)) == apportion(total, given_shares)


def test_ties_go_to_the_first_cluster_name() -> None:
    # 100 over three equal shares: 33 each, the leftover unit to the first name.
    assert apportion(100, {"c": 1, "b": 1, "a": 1}) == {"a": 34, "b": 33, "c": 33}


def test_the_traffic_example() -> None:
    # tests/golden/traffic: 5, 3 and 1 replicas; then usw2 drained (7, 0 and 2).
    assert apportion(100, {"use1": 5, "usw2": 3, "euw1": 1}) == {"use1": 56, "usw2": 33, "euw1": 11}
    assert apportion(100, {"use1": 7, "usw2": 0, "euw1": 2}) == {"use1": 78, "usw2": 0, "euw1": 22}


def test_nothing_to_divide_by() -> None:
    assert apportion(100, {"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert apportion(100, {}) == {}
