"""The Lua runtime: Karmada's conversion quirks, the sandbox, isolation between calls."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")

from kfedgen.errors import Location
from kfedgen.karmada import luaops
from kfedgen.karmada.luavm import ScriptError, json_numbers, restore_empty
from kfedgen.karmada.scripts import REPLICA_REVISION, Script

VM = luaops.vm


def run(body: str, *args: Any) -> Any:
    (result,) = VM().call(f"function F(a, b)\n{body}\nend\n", "F", 1, *args)
    return result


def test_an_empty_table_comes_back_as_an_empty_list() -> None:
    assert run("return {}") == []


def test_numbers_are_floats_and_integral_ones_read_back_as_integers() -> None:
    result = run("return {a = a.n + 1, b = a.n / 2}", {"n": 3})
    assert json_numbers(result) == {"a": 4, "b": 1.5}


def test_nulls_do_not_reach_the_script() -> None:
    assert run("local n = 0 for _ in pairs(a) do n = n + 1 end return n", {"x": None, "y": 1}) == 1
    assert run("return #a", [1, None, 2]) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("local t = {} t.self = t return t", "recursively nested"),
        ("return {[1] = 1, [3] = 3}", "sparse array"),
        ("return {1, x = 2}", "mixed or invalid key types"),
        ("return {f = function() end}", "cannot encode function"),
        ("return 0/0", "unsupported value"),
    ],
)
def test_results_json_cannot_hold_are_errors(body: str, message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        run(body)


def test_each_call_has_fresh_globals() -> None:
    run("leaked = 1 return 0")
    assert run("return leaked") is None


def test_empty_maps_are_restored_from_the_reference_and_unknown_ones_removed() -> None:
    reference: dict[str, Any] = {"spec": {"selector": {}, "ports": []}}
    assert restore_empty(
        {"spec": {"selector": [], "ports": [], "extra": []}}, True, [reference]
    ) == {"spec": {"selector": {}, "ports": []}}


def test_revise_replica_keeps_empty_maps_of_the_object() -> None:
    script = Script(
        "function ReviseReplica(obj, n) obj.spec.replicas = n return obj end",
        "test",
        REPLICA_REVISION,
        Location("f.yaml"),
    )
    obj = {"kind": "X", "metadata": {"annotations": {}}, "spec": {"replicas": 1, "args": []}}
    assert luaops.revise_replica(script, obj, 3) == {
        "kind": "X",
        "metadata": {"annotations": {}},
        "spec": {"replicas": 3, "args": []},
    }


def test_the_kube_library_adds_and_measures_quantities() -> None:
    body = 'local kube = require("kube") return {kube.resourceAdd("100m", "1", nil), kube.getResourceQuantity("1Gi")}'
    assert run(body) == ["1100m", 1073741824]
