"""What a ``ReviseReplica`` script changed, written onto the manifest as it is in git.

Karmada replaces the object with the script's result, which went through Lua and JSON:
numbers became floats (``1.0`` reads back as ``1``), ``null`` fields vanished, empty maps
and lists were guessed back (``lua_convert.go``).  kfedgen keeps the template as written
(numbers stay as written, as for override policies) and applies only what the script
changed: the result is compared with the same round trip of the unchanged object, so a
field differs only where the script wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kfedgen.errors import DocPath, format_path
from kfedgen.karmada.luavm import json_numbers, restore_empty

Change = tuple[DocPath, Any]  # a path and its new value (_DELETED: removed)
_DELETED = object()


def _lua_shape(value: Any) -> Any:
    """``value`` as Lua hands it back without a change: nulls gone, empty tables ``[]``."""
    if isinstance(value, Mapping):
        shaped = {str(k): _lua_shape(v) for k, v in value.items() if v is not None}
        return shaped or []
    if isinstance(value, list):
        return [_lua_shape(v) for v in value if v is not None]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def round_trip(manifest: Mapping[str, Any]) -> Any:
    """The manifest after Lua and back with no change (the baseline of a revision)."""
    return json_numbers(restore_empty(_lua_shape(manifest), True, [manifest]))


def changes(before: Any, after: Any, path: DocPath = ()) -> list[Change]:
    """The paths where ``after`` differs from ``before`` (maps compared key by key)."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[Change] = []
        for key in sorted({*before, *after}):
            if key not in after:
                found.append(((*path, key), _DELETED))
            elif key not in before:
                found.append(((*path, key), after[key]))
            else:
                found.extend(changes(before[key], after[key], (*path, key)))
        return found
    if before == after and type(before) is type(after):
        return []
    return [(path, after)]


def apply_changes(manifest: Mapping[str, Any], found: list[Change]) -> dict[str, Any]:
    """A copy of ``manifest`` with the changes written (maps copied on the way down)."""
    result = dict(manifest)
    for path, value in found:
        node: dict[str, Any] = result
        for key in path[:-1]:
            child = node.get(str(key))
            child = dict(child) if isinstance(child, Mapping) else {}
            node[str(key)] = child
            node = child
        key = str(path[-1])
        if value is _DELETED:
            node.pop(key, None)
        else:
            node[key] = _merged(node.get(key), value)
    return result


def _merged(original: Any, value: Any) -> Any:
    """``value`` over what the manifest holds there: a map the round trip had dropped (all
    its fields null or empty, which Lua never saw) keeps those fields."""
    if isinstance(original, Mapping) and isinstance(value, Mapping):
        return {**original, **{k: _merged(original.get(k), v) for k, v in value.items()}}
    return value


def describe(found: list[Change]) -> str:
    """``spec.replicas = 2, spec.paused removed`` for explain."""
    parts = []
    for path, value in found:
        name = format_path(path)
        parts.append(f"{name} removed" if value is _DELETED else f"{name} = {value!r}")
    return ", ".join(parts) or "nothing"


def revise(
    manifest: Mapping[str, Any], revised: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Change]]:
    """The manifest with what the script changed in ``revised``, and those changes."""
    found = changes(round_trip(manifest), revised)
    return apply_changes(manifest, found), found
