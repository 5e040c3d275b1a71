"""Values Kubernetes cannot hold are reported, and the quick pass never hides one."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import Problems
from kfedgen.frontends.schema import _compatible, _incompatible, check_json_compatible
from kfedgen.source.load import Document

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=2),
    st.sampled_from((frozenset({1}), 2**63, -(2**63) - 1, math.inf)),
)
VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=2), st.integers(0, 3)), children, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_the_quick_pass_says_compatible_only_when_the_walk_finds_nothing(value: Any) -> None:
    if _compatible(value, set()):
        assert list(_incompatible(value, ())) == []


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_every_incompatible_value_is_reported(value: Any) -> None:
    problems = Problems()
    ok = check_json_compatible(Document({"a": [value, value]}, "f.yaml", 0), problems)
    expected = [message for _, message in _incompatible({"a": [value, value]}, ())]
    assert ok == (not expected)
    assert [p.message for p in problems] == expected


def test_a_shared_part_is_looked_at_once_and_still_reported_where_it_is_bad() -> None:
    shared = {"x": float("nan")}
    problems = Problems()
    assert not check_json_compatible(Document({"a": shared, "b": shared}, "f.yaml", 0), problems)
    assert [p.path for p in problems] == [("a", "x"), ("b", "x")]
