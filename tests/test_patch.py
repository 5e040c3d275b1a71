"""KubeFed's JSON-patch semantics (evanphx/json-patch v4.12, reference 1.5)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kfedgen.patch import Operation, PatchError, apply_patch

DOC: dict[str, Any] = {
    "metadata": {"name": "x", "labels": {"a": "1"}},
    "spec": {"list": [1, 2, 3], "replicas": 1},
}

APPLIES = [
    # replace on a missing key adds it when the parent exists
    (Operation("replace", "/spec/paused", True), ("spec", "paused"), True),
    (Operation("add", "/spec/replicas", 4), ("spec", "replicas"), 4),
    (Operation("replace", "/spec/list/-1", 9), ("spec", "list"), [1, 2, 9]),
    (Operation("replace", "/spec/list/01", 9), ("spec", "list"), [1, 9, 3]),
    (Operation("add", "/spec/list/0", 0), ("spec", "list"), [0, 1, 2, 3]),
    (Operation("add", "/spec/list/3", 4), ("spec", "list"), [1, 2, 3, 4]),
    (Operation("add", "/spec/list/-", 4), ("spec", "list"), [1, 2, 3, 4]),
    # for add, negative indices count in the list after insertion: -1 appends
    (Operation("add", "/spec/list/-1", 4), ("spec", "list"), [1, 2, 3, 4]),
    (Operation("add", "/spec/list/-2", 4), ("spec", "list"), [1, 2, 4, 3]),
    (Operation("remove", "/spec/list/-1"), ("spec", "list"), [1, 2]),
    (Operation("remove", "/spec/list/0"), ("spec", "list"), [2, 3]),
    (
        Operation("add", "/metadata/labels/app.kubernetes.io~1name", "w"),
        ("metadata", "labels"),
        {"a": "1", "app.kubernetes.io/name": "w"},
    ),
    (
        Operation("add", "/metadata/labels/t~0x", "w"),
        ("metadata", "labels"),
        {"a": "1", "t~x": "w"},
    ),
    (Operation("replace", "/spec/replicas", None), ("spec", "replicas"), None),
    (Operation("remove", "/metadata/labels"), ("metadata",), {"name": "x"}),
]


@pytest.mark.parametrize(("operation", "where", "expected"), APPLIES)
def test_operation_applies(operation: Operation, where: tuple[str, ...], expected: Any) -> None:
    original = copy.deepcopy(DOC)
    result = apply_patch(DOC, [operation])
    value = result
    for key in where:
        value = value[key]
    assert value == expected
    assert original == DOC, "patching must not mutate its input"


FAILS = [
    (Operation("replace", "/spec/missing/replicas", 1), "has no /spec/missing"),
    (Operation("add", "/metadata/annotations/foo", "bar"), "has no /metadata/annotations"),
    (Operation("remove", "/spec/paused"), "no key 'paused'"),
    (Operation("add", "/spec/list/5", 1), "out of range"),
    (Operation("replace", "/spec/list/3", 1), "out of range"),
    (Operation("replace", "/spec/list/-4", 1), "out of range"),
    (Operation("remove", "/spec/list/x", 1), "out of range"),
    # strconv.Atoi rejects a trailing newline (the pointer core matches the whole token).
    (Operation("replace", "/spec/list/0\n", 1), "out of range"),
    (Operation("replace", "/spec/replicas/x", 1), "has no /spec/replicas"),
    (Operation("copy", "/spec/replicas", 1), "not supported"),
    (Operation("replace", "spec/replicas", 1), "does not start with '/'"),
]


@pytest.mark.parametrize(("operation", "message"), FAILS)
def test_operation_fails_clearly(operation: Operation, message: str) -> None:
    with pytest.raises(PatchError, match=message.replace("(", r"\(")):
        apply_patch(DOC, [operation])


def test_operations_apply_in_order() -> None:
    result = apply_patch(
        DOC,
        [
            Operation("add", "/metadata/annotations", {"foo": "bar"}),
            Operation("remove", "/metadata/annotations/foo"),
        ],
    )
    assert result["metadata"]["annotations"] == {}


def test_unpatched_branches_are_shared_not_copied() -> None:
    result = apply_patch(DOC, [Operation("replace", "/spec/replicas", 3)])
    assert result["metadata"] is DOC["metadata"]
    assert result["spec"] is not DOC["spec"]
