"""Kubernetes quantities as ``resource.Quantity`` parses, adds and writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfedgen.karmada.quantity import QuantityError, add, canonical, parse

# (text, canonical form): values from apimachinery's quantity_test.go behaviour.
CANONICAL = [
    ("0", "0"),
    ("1", "1"),
    ("1.5", "1500m"),
    ("0.1", "100m"),
    ("1000m", "1"),
    ("100k", "100k"),
    ("1000k", "1M"),
    ("1Gi", "1Gi"),
    ("1024Mi", "1Gi"),
    ("1536Mi", "1536Mi"),
    ("0.5Gi", "512Mi"),
    ("1.5Gi", "1536Mi"),
    ("1e3", "1e3"),
    ("12e6", "12e6"),
    ("128974848", "128974848"),
    ("0.0000000001", "1n"),  # below nano: rounded up
    ("1.1", "1100m"),
    ("100Ki", "100Ki"),
    ("1023", "1023"),
]


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_form(text: str, expected: str) -> None:
    assert canonical(parse(text)) == expected


def test_sums_take_the_format_of_the_first_term() -> None:
    assert canonical(add([parse("100m"), parse("1")])) == "1100m"
    assert canonical(add([parse("1Gi"), parse("512Mi")])) == "1536Mi"
    assert canonical(add([])) == "0"


@pytest.mark.parametrize("text", ["", "abc", "1Qi", "1.2.3", "--1"])
def test_not_a_quantity(text: str) -> None:
    with pytest.raises(QuantityError):
        parse(text)


# Up to 10**9 Gi (about 2**60): amounts an int64 holds; larger ones are refused or capped below.
@given(st.integers(0, 10**9), st.sampled_from(["", "m", "k", "M", "Ki", "Mi", "Gi"]))
def test_the_canonical_form_reads_back_as_the_same_amount(number: int, suffix: str) -> None:
    quantity = parse(f"{number}{suffix}")
    again = parse(canonical(quantity))
    assert again.value == quantity.value
    assert canonical(again) == canonical(quantity)
    assert quantity.value >= Decimal(0)


# Kubernetes' bounds: the exponent is an int64 kept to 32 bits (suffix.go interpret), nonzero
# amounts below a nano unit round up to it, binary amounts are capped at maxAllowed (2**63-1).
BOUNDS = [
    ("1e4294967296", "1"),  # int32(2**32) == 0
    ("1e-99999999", "1e-9"),
    ("-1e-20", "-1e-9"),
    ("0e999999999", "0"),
    ("16Ei", "9223372036854775807"),
    ("9223372036854775807", "9223372036854775807"),
    ("1e18", "1e18"),
]


@pytest.mark.parametrize(("text", "expected"), BOUNDS)
def test_exponents_and_amounts_at_kubernetes_bounds(text: str, expected: str) -> None:
    assert canonical(parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e999999", "larger than 9223372036854775807"),
        ("9223372036854775808", "larger than 9223372036854775807"),
        ("-1e19", "larger than 9223372036854775807"),
        ("1e99999999999999999999", "unable to parse quantity's suffix"),
    ],
)
def test_amounts_no_int64_can_hold_are_refused(text: str, message: str) -> None:
    with pytest.raises(QuantityError, match=message):
        parse(text)
