"""OverridePolicy overriders, driven by Karmada's overridemanager tests."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from kfedgen.karmada.overriders import (
    OVERRIDER_ORDER,
    OverrideError,
    apply_annotations_overrider,
    apply_field_overrider,
    apply_image_overrider,
    apply_labels_overrider,
    apply_overriders,
    apply_plaintext_overriders,
    build_command_args_patches,
    build_image_patches,
    build_label_annotation_patches,
)
from kfedgen.karmada.patch import apply_json_patch
from tests.karmada import _cases

IMAGE = _cases.load("image_overrider.yaml")
COMMAND = _cases.load("command_args_overrider.yaml")
LABELS = _cases.load("label_annotation_overrider.yaml")
BLOCK = _cases.load("overrider_block.yaml")


@pytest.mark.parametrize("case", _cases.params(IMAGE["cases"]))
def test_image_overrider_patches(case: dict[str, Any]) -> None:
    obj = _cases.fixture(IMAGE, case["object"])
    before = copy.deepcopy(obj)
    assert build_image_patches(obj, case["overrider"]) == case["patches"]
    applied = apply_image_overrider(obj, case["overrider"])
    assert applied == apply_json_patch(before, case["patches"])
    assert obj == before


@pytest.mark.parametrize("case", _cases.params(IMAGE["errors"]))
def test_image_overrider_errors(case: dict[str, Any]) -> None:
    obj = _cases.fixture(IMAGE, case["object"])
    with pytest.raises(OverrideError, match=re.escape(case["message"])) as info:
        apply_image_overrider(obj, case["overrider"], index=3)
    assert str(info.value).startswith("imageOverrider[3]: ")


@pytest.mark.parametrize("case", _cases.params(COMMAND["cases"]))
def test_command_args_patches(case: dict[str, Any]) -> None:
    obj = _cases.fixture(COMMAND, case["object"])
    before = copy.deepcopy(obj)
    assert build_command_args_patches(case["target"], obj, case["overrider"]) == case["patches"]
    block = {f"{case['target']}Overrider": [case["overrider"]]}
    assert apply_overriders(obj, block) == apply_json_patch(before, case["patches"])
    assert obj == before


def _with_map(field: str, initial: dict[str, Any] | None) -> dict[str, Any]:
    obj: dict[str, Any] = copy.deepcopy(LABELS["fixture"])
    if initial is not None:
        obj["metadata"][field] = copy.deepcopy(initial)
    return obj


@pytest.mark.parametrize("case", _cases.params(LABELS["cases"]))
def test_labels_annotations(case: dict[str, Any]) -> None:
    field = case["field"]
    obj = _with_map(field, case["initial"])
    before = copy.deepcopy(obj)
    apply = apply_labels_overrider if field == "labels" else apply_annotations_overrider
    result = apply(obj, case["overrider"])
    assert result["metadata"].get(field) == case["expected"]
    assert obj == before
    # Only metadata.<field> may change.
    result["metadata"].pop(field, None)
    before["metadata"].pop(field, None)
    assert result == before


def test_label_keys_with_slash_are_escaped() -> None:
    obj = _with_map("labels", {"app.kubernetes.io/name": "x"})
    patches = build_label_annotation_patches(
        obj, {"operator": "replace", "value": {"app.kubernetes.io/name": "y"}}, "labels"
    )
    assert patches == [
        {"op": "replace", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "y"}
    ]


def test_labels_add_creates_metadata() -> None:
    out = apply_labels_overrider({"kind": "X"}, {"operator": "add", "value": {"a": "b"}})
    assert out == {"kind": "X", "metadata": {"labels": {"a": "b"}}}


@pytest.mark.parametrize("case", _cases.params(BLOCK["cases"]))
def test_overrider_block(case: dict[str, Any]) -> None:
    obj = _cases.fixture(BLOCK, case["object"])
    before = copy.deepcopy(obj)
    result = apply_overriders(obj, case["overriders"])
    assert obj == before
    for check in case["checks"]:
        value = _cases.pointer(result, check["pointer"])
        if "equals" in check:
            assert value == check["equals"]
        if "contains" in check:
            assert check["contains"] in value
        if "not_contains" in check:
            assert check["not_contains"] not in value


@pytest.mark.parametrize("case", _cases.params(BLOCK["errors"]))
def test_overrider_block_errors(case: dict[str, Any]) -> None:
    obj = _cases.fixture(BLOCK, case["object"])
    with pytest.raises(OverrideError, match=re.escape(case["message"])):
        apply_overriders(obj, case["overriders"])


def test_order_constant_matches_karmada() -> None:
    assert OVERRIDER_ORDER == (
        "imageOverrider",
        "commandOverrider",
        "argsOverrider",
        "labelsOverrider",
        "annotationsOverrider",
        "fieldOverrider",
        "plaintext",
    )


def test_unknown_overrider_key() -> None:
    with pytest.raises(OverrideError, match="imageOverriders"):
        apply_overriders({"kind": "Pod"}, {"imageOverriders": []})


def test_empty_block_returns_the_object() -> None:
    obj = {"kind": "Pod"}
    assert apply_overriders(obj, {}) is obj


def test_plaintext_add_replaces_whole_map() -> None:
    obj = {"metadata": {"labels": {"a": "1"}}}
    out = apply_plaintext_overriders(
        obj, [{"path": "/metadata/labels", "operator": "add", "value": {"b": "2"}}]
    )
    assert out == {"metadata": {"labels": {"b": "2"}}}


def test_plaintext_remove_with_value_is_rejected() -> None:
    with pytest.raises(OverrideError, match=r"plaintext\[0\]: value is forbidden"):
        apply_plaintext_overriders({"a": 1}, [{"path": "/a", "operator": "remove", "value": 1}])


FIELD_OBJ: dict[str, Any] = {
    "kind": "ConfigMap",
    "data": {"c.yaml": "b: 2\na:\n  - x\n# comment\n"},
}


def test_field_overrider_yaml_sorts_and_drops_comments() -> None:
    out = apply_field_overrider(
        FIELD_OBJ,
        {
            "fieldPath": "/data/c.yaml",
            "yaml": [{"subPath": "/c", "operator": "add", "value": "yes"}],
        },
    )
    assert out["data"]["c.yaml"] == 'a:\n- x\nb: 2\nc: "yes"\n'
    assert FIELD_OBJ["data"]["c.yaml"].endswith("# comment\n")


def test_field_overrider_needs_exactly_one_of_json_yaml() -> None:
    with pytest.raises(OverrideError, match=r"fieldOverrider\[2\]: exactly one"):
        apply_field_overrider(FIELD_OBJ, {"fieldPath": "/data/c.yaml"}, index=2)


def test_field_overrider_missing_path() -> None:
    with pytest.raises(OverrideError, match="object has no key 'nope'"):
        apply_field_overrider(
            FIELD_OBJ,
            {"fieldPath": "/data/nope", "json": [{"subPath": "/a", "operator": "remove"}]},
        )


def test_field_overrider_json_escapes_html_and_keeps_numbers() -> None:
    obj = {"data": {"j": '{"b": 1.50, "a": "x"}'}}
    out = apply_field_overrider(
        obj,
        {
            "fieldPath": "/data/j",
            "json": [{"subPath": "/a", "operator": "replace", "value": "<&>"}],
        },
    )
    assert out["data"]["j"] == '{"b":1.50,"a":"\\u003c\\u0026\\u003e"}'
