"""Kubernetes quantities, parsed exactly and counted as the scheduler counts them."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfedgen.quantity import format_units, parse_quantity, scheduler_units


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", Fraction(1)),
        ("500m", Fraction(1, 2)),
        ("0.1", Fraction(1, 10)),
        (".5", Fraction(1, 2)),
        ("5.", Fraction(5)),
        ("+2", Fraction(2)),
        ("-2", Fraction(-2)),
        ("128Gi", Fraction(128 * 1024**3)),
        ("1Ki", Fraction(1024)),
        ("1k", Fraction(1000)),
        ("1M", Fraction(10**6)),
        ("1E", Fraction(10**18)),
        ("1Ei", Fraction(1024**6)),
        ("100n", Fraction(1, 10**7)),
        ("3u", Fraction(3, 10**6)),
        ("1e3", Fraction(1000)),
        ("1E-3", Fraction(1, 1000)),
        ("12e+2", Fraction(1200)),
        (4, Fraction(4)),
        (0.25, Fraction(1, 4)),
    ],
)
def test_quantities_parse_exactly(text: str | int | float, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text", ["", "1e999999999", "1KB", "Gi", "1 Gi", "1.2.3", "1e", "0x10", "ki", True]
)
def test_what_is_not_a_quantity(text: object) -> None:
    assert parse_quantity(text) is None


def test_the_scheduler_counts_milli_cpu_and_whole_units_rounded_up() -> None:
    assert scheduler_units("cpu", Fraction(1, 10**7)) == 1  # 100n is 1m
    assert scheduler_units("cpu", Fraction(3, 2)) == 1500
    assert scheduler_units("memory", Fraction(1, 2)) == 1
    assert scheduler_units("nvidia.com/gpu", Fraction(2)) == 2


def test_sums_are_exact() -> None:
    assert parse_quantity("0.1") + parse_quantity("0.2") == parse_quantity("300m")  # type: ignore[operator]


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["cpu", "memory", "pods"]))
def test_formatted_units_read_back_as_the_same_units(units: int, resource: str) -> None:
    text = format_units(resource, units)
    amount = parse_quantity(text)
    assert amount is not None
    assert scheduler_units(resource, amount) == units


def test_formatting_picks_the_suffix_users_write() -> None:
    assert format_units("cpu", 2000) == "2"
    assert format_units("cpu", 250) == "250m"
    assert format_units("memory", 128 * 1024**3) == "128Gi"
    assert format_units("memory", 5 * 10**8) == "500M"
    assert format_units("pods", 2048) == "2048"
