"""JSON patch with the semantics KubeFed applied overrides with (evanphx/json-patch v4.12).

Differences from RFC 6902 that KubeFed users rely on (reference 1.5):

* ``replace`` on a missing object key adds the key (its parent must exist);
* negative array indices count from the end (``-1`` is the last element;
  for ``add`` they count in the array after insertion, so ``-1`` appends);
* indices are parsed like Go's ``strconv.Atoi`` (``01`` and ``+1`` are 1).

Patching never mutates its input: the containers along each patched path are
copied and everything else is shared.  Rendering a thousand clusters from one
template therefore costs a few small copies per override, not a deep copy each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen import jsonpointer
from kfedgen.errors import DocPath
from kfedgen.jsonpointer import PointerError


class PatchError(ValueError):
    """A patch operation does not apply to the document."""


@dataclass(frozen=True)
class Operation:
    op: str
    path: str
    value: Any = None


@dataclass(frozen=True)
class PatchOp(Operation):
    """One KubeFed ``clusterOverrides`` entry, normalised (empty op means replace).

    ``doc_path`` is where the entry is written in its source document (empty for the
    operation the replica scheduler adds).
    """

    doc_path: DocPath = ()


def split_pointer(pointer: str) -> list[str]:
    """The unescaped segments of a JSON pointer (``~1`` is ``/``, ``~0`` is ``~``)."""
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} does not start with '/'")
    return jsonpointer.tokens(pointer)


def apply_patch(document: Any, operations: Sequence[Operation]) -> Any:
    """Apply ``operations`` in order to a copy-on-write view of ``document``."""
    for operation in operations:
        document = apply_operation(document, operation)
    return document


def apply_operation(document: Any, operation: Operation) -> Any:
    """Apply one operation and return the new document (the input is left as it was)."""
    parts = split_pointer(operation.path)
    root = _shallow_copy(document)
    parent = root
    for depth, part in enumerate(parts[:-1]):
        child = _child(parent, part)
        if child is None or not isinstance(child, dict | list):
            missing = "/" + "/".join(parts[: depth + 1])
            raise PatchError(f"{operation.op} {operation.path}: the document has no {missing}")
        child = _shallow_copy(child)
        jsonpointer.set_existing(parent, part, child)
        parent = child
    last = parts[-1]
    if not isinstance(parent, dict | list):
        raise PatchError(f"{operation.op} {operation.path}: the parent is not a mapping or list")
    if operation.op == "add":
        _add(parent, last, operation)
    elif operation.op == "replace":
        _replace(parent, last, operation)
    elif operation.op == "remove":
        _remove(parent, last, operation)
    else:
        raise PatchError(f"op {operation.op!r} is not supported")
    return root


def _shallow_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _child(container: Any, part: str) -> Any:
    """The member or element ``part`` names; None when there is none (or it is null)."""
    if not isinstance(container, dict | list):
        return None
    try:
        return jsonpointer.get(container, part)
    except PointerError:
        return None


def _out_of_range(operation: Operation, last: str, size: int) -> PatchError:
    return PatchError(
        f"{operation.op} {operation.path}: index {last!r} is out of range for a list of {size}"
    )


def _add(parent: dict[str, Any] | list[Any], last: str, operation: Operation) -> None:
    if isinstance(parent, dict):
        parent[last] = operation.value
        return
    try:
        index = jsonpointer.insertion_index(parent, last)
    except PointerError:
        raise _out_of_range(operation, last, len(parent)) from None
    parent.insert(index, operation.value)


def _replace(parent: dict[str, Any] | list[Any], last: str, operation: Operation) -> None:
    if isinstance(parent, dict):
        parent[last] = operation.value  # json-patch v4: a missing key is added
        return
    try:
        parent[jsonpointer.element_index(parent, last)] = operation.value
    except PointerError:
        raise _out_of_range(operation, last, len(parent)) from None


def _remove(parent: dict[str, Any] | list[Any], last: str, operation: Operation) -> None:
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"remove {operation.path}: there is no key {last!r} to remove")
        del parent[last]
        return
    try:
        del parent[jsonpointer.element_index(parent, last)]
    except PointerError:
        raise _out_of_range(operation, last, len(parent)) from None
