"""JSON patch with json-patch v5 default semantics."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from kfedgen.karmada.patch import PatchError, apply_json_patch, json_equal
from tests.karmada import _cases

DATA = _cases.load("json_patch.yaml")


@pytest.mark.parametrize("case", _cases.params(DATA["cases"]))
def test_json_patch(case: dict[str, Any]) -> None:
    doc = case["doc"]
    before = copy.deepcopy(doc)
    if "error" in case:
        with pytest.raises(PatchError, match=re.escape(case["error"])):
            apply_json_patch(doc, case["ops"])
    else:
        assert apply_json_patch(doc, case["ops"]) == case["expected"]
    assert doc == before, "the input document must not be mutated"


def test_error_names_index_and_path() -> None:
    with pytest.raises(PatchError) as info:
        apply_json_patch(
            {"a": {}},
            [
                {"op": "add", "path": "/a/b", "value": 1},
                {"op": "replace", "path": "/a/c", "value": 2},
            ],
        )
    assert info.value.index == 1
    assert info.value.path == "/a/c"
    assert "operation 1 (replace '/a/c')" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unchanged_subtrees_are_shared_and_changed_ones_copied() -> None:
    doc: dict[str, Any] = {"metadata": {"labels": {"a": "1"}}, "spec": {"big": list(range(100))}}
    out = apply_json_patch(doc, [{"op": "add", "path": "/metadata/labels/b", "value": "2"}])
    assert out["spec"] is doc["spec"]
    assert out["metadata"] is not doc["metadata"]
    assert doc["metadata"]["labels"] == {"a": "1"}


def test_containers_are_copied_once_per_patch() -> None:
    doc: dict[str, Any] = {"a": {"b": {}}}
    ops = [{"op": "add", "path": f"/a/b/k{i}", "value": i} for i in range(50)]
    out = apply_json_patch(doc, ops)
    assert out["a"]["b"] == {f"k{i}": i for i in range(50)}
    assert doc == {"a": {"b": {}}}


def test_values_from_the_patch_are_copied() -> None:
    value = {"x": [1]}
    out = apply_json_patch(
        {},
        [{"op": "add", "path": "/v", "value": value}, {"op": "add", "path": "/v/x/-", "value": 2}],
    )
    assert out == {"v": {"x": [1, 2]}}
    assert value == {"x": [1]}


def test_empty_patch_returns_the_document() -> None:
    doc = {"a": 1}
    assert apply_json_patch(doc, []) is doc


def test_document_must_be_a_container() -> None:
    with pytest.raises(PatchError, match="not an object or array"):
        apply_json_patch("text", [{"op": "add", "path": "/a", "value": 1}])


def test_member_order_is_kept_and_new_members_appended() -> None:
    out = apply_json_patch(
        {"b": 1, "a": 2},
        [{"op": "replace", "path": "/b", "value": 3}, {"op": "add", "path": "/c", "value": 4}],
    )
    assert list(out) == ["b", "a", "c"]


def test_json_equal() -> None:
    assert json_equal({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not json_equal(True, 1)
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert not json_equal([1], [1, 2])
    assert json_equal(None, None)
