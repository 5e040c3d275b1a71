"""What a ReviseReplica script changed, and nothing else, reaches the rendered manifest."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import Location
from kfedgen.karmada.revision import apply_changes, changes, round_trip

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)
MANIFESTS = st.dictionaries(st.sampled_from(["spec", "metadata", "data"]), JSON, min_size=1)


@settings(max_examples=150, deadline=None)
@given(MANIFESTS)
def test_the_simulated_round_trip_is_luas(manifest: dict[str, Any]) -> None:
    pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")
    from kfedgen.karmada import luaops  # noqa: PLC0415 - only with lupa
    from kfedgen.karmada.luavm import ScriptError  # noqa: PLC0415
    from kfedgen.karmada.scripts import REPLICA_REVISION, Script  # noqa: PLC0415

    identity = Script(
        "function ReviseReplica(obj, n) return obj end", "t", REPLICA_REVISION, Location("f")
    )
    expected = round_trip(manifest)
    if not isinstance(expected, dict):
        return  # everything vanished: Karmada's result is no object either
    try:
        assert luaops.revise_replica(identity, manifest, 1) == expected
    except ScriptError as exc:  # a list with a hole (nulls dropped) is Lua's too
        assert "sparse" in str(exc) or "mixed" in str(exc)


@given(MANIFESTS, st.dictionaries(st.text(max_size=4), JSON, max_size=4), st.integers(0, 100))
def test_only_the_written_field_changes(
    manifest: dict[str, Any], spec: dict[str, Any], replicas: int
) -> None:
    manifest = {**manifest, "spec": spec}
    baseline = round_trip(manifest)
    if not isinstance(baseline, dict):
        baseline = {}
    revised = {**baseline, "spec": {**(baseline.get("spec") or {}), "replicas": replicas}}
    found = changes(baseline, revised)
    result = apply_changes(manifest, found)
    assert result["spec"]["replicas"] == replicas
    assert {k: v for k, v in result.items() if k != "spec"} == {
        k: v for k, v in manifest.items() if k != "spec"
    }
    assert {k: v for k, v in result["spec"].items() if k != "replicas"} == {
        k: v for k, v in spec.items() if k != "replicas"
    }


def test_an_unchanged_object_writes_nothing() -> None:
    manifest: dict[str, Any] = {
        "spec": {"replicas": 1.0, "paused": None, "selector": {}, "args": []}
    }
    assert changes(round_trip(manifest), round_trip(manifest)) == []
