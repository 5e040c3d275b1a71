"""RFC 6902 JSON Patch with the semantics of ``github.com/evanphx/json-patch/v5`` defaults.

Karmada applies every override as a JSON patch through ``jsonpatch.DecodePatch(...).Apply``
(``pkg/util/overridemanager/overridemanager.go`` ``applyJSONPatch``), i.e. json-patch v5 with
``NewApplyOptions()``: negative array indices allowed, no path creation on ``add``, ``remove``
of a missing path is an error.  Behaviour reproduced from v5 (``patch.go``):

* ``add`` on an existing object member replaces it; ``add`` into an array inserts; ``-``
  appends; index ``len`` appends, larger is an error; negative indices count from the end of
  the *grown* array (``-1`` appends, ``-(len+1)`` prepends).
* ``replace``/``remove``/``get`` accept ``-len .. len-1``; ``replace`` and ``remove`` of a
  missing member or index fail ("doc is missing key/path").
* Array indices are parsed like Go's ``strconv.Atoi`` (``+1`` and ``01`` are 1).
* A path whose parent does not exist, or runs through a scalar or ``null``, fails with
  "doc is missing path".  The text before the first ``/`` is ignored (``findObject`` splits on
  ``/`` and drops element 0), so ``spec/replicas`` means ``/replicas``.
* ``add`` with path ``""`` replaces the whole document (object or array only); ``replace``
  with path ``""`` and a scalar value is silently a no-op (v5 wraps a nil error).
* ``test`` of a missing member against ``null`` succeeds.

The input document is never mutated.  The result shares every sub-tree the patch did not
touch with the input (containers on a modified path are copied once), so treat both as
immutable.  Values taken from the patch are deep-copied into the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

# The pointer core raises with v5's own texts, so its error is this module's "operation
# failed" (PatchError adds the operation's index, kind and path).
from kfedgen.jsonpointer import PointerError as _OpFailedError
from kfedgen.jsonpointer import atoi as _atoi
from kfedgen.jsonpointer import decode_token as decode_pointer_token
from kfedgen.jsonpointer import element_index, insertion_index, tokens
from kfedgen.jsonpointer import get as _get
from kfedgen.jsonpointer import set_existing as _set_existing

__all__ = ["PatchError", "apply_json_patch", "decode_pointer_token", "json_equal"]

_MISSING = object()


class PatchError(ValueError):
    """A JSON patch operation failed; names the operation index, kind and path."""

    def __init__(self, index: int, op: str, path: str, detail: str) -> None:
        self.index = index
        self.op = op
        self.path = path
        self.detail = detail
        super().__init__(f"JSON patch operation {index} ({op} {path!r}): {detail}")


def _split(path: str) -> tuple[list[str], str] | None:
    """Split a path as ``findObject`` does: None when it has no ``/`` at all (or is empty)."""
    if "/" not in path:
        return None
    parts = tokens(path)
    return parts[:-1], parts[-1]


def json_equal(left: Any, right: Any) -> bool:
    """Compare two JSON values structurally (numbers by value, booleans never equal numbers)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(json_equal(v, right[k]) for k, v in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, int | float) and isinstance(right, int | float):
        return float(left) == float(right)
    return bool(type(left) is type(right) and left == right)


class _Patcher:
    """Applies operations copy-on-write: containers on a written path are copied once."""

    def __init__(self, root: Any) -> None:
        self.root = root
        # id -> object; holding the objects keeps their ids from being reused during the call.
        self.owned: dict[int, Any] = {}

    # -- copying -------------------------------------------------------------------------
    def _own(self, container: Any) -> Any:
        if id(container) in self.owned:
            return container
        copy: Any = dict(container) if isinstance(container, dict) else list(container)
        self.owned[id(copy)] = copy
        return copy

    def _fresh(self, value: Any) -> Any:
        """Deep-copy a value coming from the patch; the copies are owned (mutable in place)."""
        if value is None or isinstance(value, str | int | float):
            return value  # fast path: scalars are immutable (bool is an int)
        if isinstance(value, Mapping):
            copy_d = {str(k): self._fresh(v) for k, v in value.items()}
            self.owned[id(copy_d)] = copy_d
            return copy_d
        if isinstance(value, list | tuple):
            copy_l = [self._fresh(v) for v in value]
            self.owned[id(copy_l)] = copy_l
            return copy_l
        return value

    # -- navigation ----------------------------------------------------------------------
    def _parent(self, path: str, write: bool) -> tuple[dict[str, Any] | list[Any], str]:
        split = _split(path)
        if split is None:
            raise _OpFailedError("doc is missing path")
        parts, key = split
        if write:
            self.root = self._own(self.root)
        node = self.root
        for part in parts:
            try:
                child = _get(node, part)
            except _OpFailedError:
                raise _OpFailedError("doc is missing path") from None
            if not isinstance(child, dict | list):
                # Scalars fail intoDoc/intoAry; null members decode to a nil *lazyNode.
                raise _OpFailedError("doc is missing path")
            if write and id(child) not in self.owned:
                child = self._own(child)
                _set_existing(node, part, child)
            node = child
        return node, key

    # -- primitive edits (on owned containers) -------------------------------------------
    @staticmethod
    def _add(container: dict[str, Any] | list[Any], key: str, value: Any) -> None:
        if isinstance(container, dict):
            container[key] = value
            return
        if key != "-":
            try:
                _atoi(key)
            except _OpFailedError as exc:
                raise _OpFailedError(
                    f"value was not a proper array index: '{key}': {exc}"
                ) from None
        container.insert(insertion_index(container, key), value)

    @staticmethod
    def _remove(container: dict[str, Any] | list[Any], key: str) -> Any:
        if isinstance(container, dict):
            if key not in container:
                raise _OpFailedError(f"unable to remove nonexistent key: {key}: missing value")
            return container.pop(key)
        return container.pop(element_index(container, key))

    # -- operations ------------------------------------------------------------------------
    def add(self, op: Mapping[str, Any]) -> None:
        path = _path_of(op, "path")
        value = self._fresh(op.get("value"))
        if path == "":
            if value is None:
                # v5 decodes null into an empty partialDoc, which marshals as {}.
                value = self._fresh({})
            if not isinstance(value, dict | list):
                raise _OpFailedError("the document root can only be replaced by an object or array")
            self.root = value
            return
        parent, key = self._parent(path, write=True)
        self._add(parent, key, value)

    def remove(self, op: Mapping[str, Any]) -> None:
        parent, key = self._parent(_path_of(op, "path"), write=True)
        self._remove(parent, key)

    def replace(self, op: Mapping[str, Any]) -> None:
        path = _path_of(op, "path")
        if path == "":
            if "value" not in op or op["value"] is None:
                raise _OpFailedError("replacing the document root needs an object or array value")
            if isinstance(op["value"], Mapping | list | tuple):
                self.root = self._fresh(op["value"])
            # A scalar root value is silently ignored: v5 returns errors.Wrapf(nil, ...) == nil.
            return
        parent, key = self._parent(path, write=True)
        try:
            _get(parent, key)
        except _OpFailedError:
            raise _OpFailedError("doc is missing key") from None
        _set_existing(parent, key, self._fresh(op.get("value")))

    def move(self, op: Mapping[str, Any]) -> None:
        source, from_key = self._parent(_path_of(op, "from"), write=True)
        _get(source, from_key)
        value = self._remove(source, from_key)
        parent, key = self._parent(_path_of(op, "path"), write=True)
        self._add(parent, key, value)

    def copy(self, op: Mapping[str, Any]) -> None:
        source, from_key = self._parent(_path_of(op, "from"), write=False)
        value = self._fresh(_get(source, from_key))
        parent, key = self._parent(_path_of(op, "path"), write=True)
        self._add(parent, key, value)

    def test(self, op: Mapping[str, Any]) -> None:
        path = _path_of(op, "path")
        expected = op.get("value")
        if path == "":
            if not json_equal(self.root, expected):
                raise _OpFailedError("testing value failed")
            return
        parent, key = self._parent(path, write=False)
        actual = _get_or_missing(parent, key)
        if actual is _MISSING or actual is None:
            if expected is None:
                return
            raise _OpFailedError("testing value failed")
        if expected is None or not json_equal(actual, expected):
            raise _OpFailedError("testing value failed")


def _get_or_missing(container: dict[str, Any] | list[Any], key: str) -> Any:
    if isinstance(container, dict):
        return container.get(key, _MISSING)
    return container[element_index(container, key)]


def _path_of(op: Mapping[str, Any], field: str) -> str:
    value = op.get(field)
    if not isinstance(value, str):
        raise _OpFailedError(f"operation has no string {field!r} field")
    return value


_OPERATIONS: dict[str, Callable[[_Patcher, Mapping[str, Any]], None]] = {
    "add": _Patcher.add,
    "remove": _Patcher.remove,
    "replace": _Patcher.replace,
    "move": _Patcher.move,
    "copy": _Patcher.copy,
    "test": _Patcher.test,
}


def apply_json_patch(
    doc: Any,
    ops: Sequence[Mapping[str, Any]],
    after_each: Callable[[int, Any], None] | None = None,
) -> Any:
    """Apply the RFC 6902 operations ``ops`` to ``doc`` with json-patch v5 default semantics.

    ``doc`` must be a JSON object (dict) or array (list).  Returns the patched document without
    mutating ``doc`` (an empty ``ops`` returns ``doc`` itself).  The whole patch is atomic: on
    the first failing operation :class:`PatchError` is raised, naming the operation's index,
    kind and path.  ``after_each(index, document)`` is called after every operation with the
    document as it stands; it is patched in place by the next operation, so read what you
    need from it at once.
    """
    if not ops:
        return doc
    if not isinstance(doc, dict | list):
        raise PatchError(
            0, str(ops[0].get("op")), str(ops[0].get("path")), "document is not an object or array"
        )
    patcher = _Patcher(doc)
    for index, op in enumerate(ops):
        kind = op.get("op")
        path = op.get("path")
        handler = _OPERATIONS.get(kind) if isinstance(kind, str) else None
        try:
            if handler is None:
                raise _OpFailedError(f"Unexpected kind: {kind}")
            handler(patcher, op)
        except _OpFailedError as exc:
            raise PatchError(index, str(kind), str(path), str(exc)) from None
        if after_each is not None:
            after_each(index, patcher.root)
    return patcher.root
