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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_INDEX = re.compile(r"^[+-]?[0-9]+$")


class PatchError(ValueError):
    """A patch operation does not apply to the document."""


@dataclass(frozen=True)
class Operation:
    op: str
    path: str
    value: Any = None


def split_pointer(pointer: str) -> list[str]:
    """The unescaped segments of a JSON pointer (``~1`` is ``/``, ``~0`` is ``~``)."""
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} does not start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


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
        _set_existing(parent, part, child)
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
    if isinstance(container, dict):
        return container.get(part)
    if isinstance(container, list):
        index = _existing_index(container, part)
        return None if index is None else container[index]
    return None


def _set_existing(container: dict[str, Any] | list[Any], part: str, value: Any) -> None:
    if isinstance(container, dict):
        container[part] = value
    else:
        index = _existing_index(container, part)
        assert index is not None  # noqa: S101 - _child found it a moment ago
        container[index] = value


def _parse_index(part: str) -> int | None:
    return int(part) if _INDEX.match(part) else None


def _existing_index(array: list[Any], part: str) -> int | None:
    index = _parse_index(part)
    if index is None:
        return None
    if index < 0:
        index += len(array)
    return index if 0 <= index < len(array) else None


def _add(parent: dict[str, Any] | list[Any], last: str, operation: Operation) -> None:
    if isinstance(parent, dict):
        parent[last] = operation.value
        return
    if last == "-":
        parent.append(operation.value)
        return
    index = _parse_index(last)
    size = len(parent) + 1
    if index is not None and index < 0:
        index += size
    if index is None or not 0 <= index < size:
        raise PatchError(
            f"add {operation.path}: index {last!r} is out of range for a list of {len(parent)}"
        )
    parent.insert(index, operation.value)


def _replace(parent: dict[str, Any] | list[Any], last: str, operation: Operation) -> None:
    if isinstance(parent, dict):
        parent[last] = operation.value  # json-patch v4: a missing key is added
        return
    index = _existing_index(parent, last)
    if index is None:
        raise PatchError(
            f"replace {operation.path}: index {last!r} is out of range for a list of {len(parent)}"
        )
    parent[index] = operation.value


def _remove(parent: dict[str, Any] | list[Any], last: str, operation: Operation) -> None:
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"remove {operation.path}: there is no key {last!r} to remove")
        del parent[last]
        return
    index = _existing_index(parent, last)
    if index is None:
        raise PatchError(
            f"remove {operation.path}: index {last!r} is out of range for a list of {len(parent)}"
        )
    del parent[index]
