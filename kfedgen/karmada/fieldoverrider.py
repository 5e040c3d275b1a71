"""Karmada's fieldOverrider and plaintext overriders, offline.

Source: ``pkg/util/overridemanager`` (``fieldoverrider.go``, ``overridemanager.go``
``parseJSONPatchesByPlaintext``).  A fieldOverrider JSON-patches a JSON or YAML document held
in a string field; all plaintext entries of one block are one JSON patch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.jsonpointer import decode_token as decode_pointer_token
from kfedgen.karmada.gocompat import (
    go_json_dumps,
    go_json_loads,
    go_yaml_dump,
    go_yaml_to_json_value,
)
from kfedgen.karmada.overriderbase import (
    GO_INT_RE,
    InvalidEntry,
    JSONDict,
    Observer,
    Op,
    OverrideError,
    Reporting,
    json_patch,
    string_field,
    to_patch_op,
)
from kfedgen.karmada.patch import PatchError, apply_json_patch

# -- fieldOverrider --------------------------------------------------------------------------


def _pointer_get(obj: Any, pointer: str) -> Any:
    """``go-openapi/jsonpointer`` ``Get``: no negative indices, errors on anything missing."""
    if pointer != "" and not pointer.startswith("/"):
        raise InvalidEntry('JSON pointer must be empty or start with a "/"')
    node = obj
    for token in pointer.split("/")[1:] if pointer else []:
        key = decode_pointer_token(token)
        if isinstance(node, Mapping):
            if key not in node:
                raise InvalidEntry(f"object has no key {key!r}")
            node = node[key]
        elif isinstance(node, list):
            if not GO_INT_RE.fullmatch(key):
                raise InvalidEntry(f'strconv.Atoi: parsing "{key}": invalid syntax')
            index = int(key)
            if not 0 <= index < len(node):
                raise InvalidEntry(f"index out of bounds array[0,{len(node) - 1}] index '{index}'")
            node = node[index]
        else:
            raise InvalidEntry(f"invalid token reference {key!r}")
    return node


def _sub_ops(entries: Any, kind: str) -> list[Op]:
    if not isinstance(entries, list):
        raise InvalidEntry(f"{kind!r} must be a list")
    ops: list[Op] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise InvalidEntry(f"every {kind!r} operation must be an object")
        ops.append(to_patch_op(entry, string_field(entry, "subPath", required=False)))
    return ops


def _patch_embedded_json(text: str, ops: list[Op]) -> str:
    if text == "":
        return text  # json-patch returns an empty document unchanged.
    try:
        document = go_json_loads(text)
    except ValueError as exc:
        raise InvalidEntry(f"invalid JSON document: {exc}") from None
    if not isinstance(document, dict | list):
        raise InvalidEntry("the JSON document is not an object or array")
    return go_json_dumps(_patch_any(document, ops))


def _patch_embedded_yaml(text: str, ops: list[Op]) -> str:
    try:
        document = go_yaml_to_json_value(text)
    except ValueError as exc:
        raise InvalidEntry(str(exc)) from None
    if not isinstance(document, dict | list):
        raise InvalidEntry("the YAML document is not a mapping or sequence")
    return go_yaml_dump(_patch_any(document, ops))


def _patch_any(document: Any, ops: list[Op]) -> Any:
    try:
        return apply_json_patch(document, ops)
    except PatchError as exc:
        raise InvalidEntry(str(exc)) from None


def apply_field_overrider(obj: JSONDict, overrider: Mapping[str, Any], index: int = 0) -> JSONDict:
    """Apply one FieldOverrider: JSON-patch a JSON or YAML document held in a string field.

    ``fieldPath`` (a JSON pointer) must reach a string; exactly one of ``json`` / ``yaml`` holds
    ``{subPath, operator, value}`` operations.  JSON is re-serialised compactly (member order
    kept, ``<>&`` escaped); YAML is re-serialised like ``sigs.k8s.io/yaml`` (sorted keys, block
    style, comments and layout lost).  Raises :class:`OverrideError`.
    """
    with Reporting("fieldOverrider", index):
        return _apply_field_overrider(obj, overrider)


def _apply_field_overrider(obj: JSONDict, overrider: Mapping[str, Any]) -> JSONDict:
    field_path = string_field(overrider, "fieldPath", required=False)
    has_json, has_yaml = bool(overrider.get("json")), bool(overrider.get("yaml"))
    if has_json == has_yaml:
        # The webhook rejects both and neither (ValidateOverrideSpec).
        raise InvalidEntry("exactly one of 'json' and 'yaml' must be set")
    current = _pointer_get(obj, field_path)
    if not isinstance(current, str):
        raise InvalidEntry(f"Get object's value by overrider's path({field_path}) is not string")
    if has_yaml:
        updated = _patch_embedded_yaml(current, _sub_ops(overrider["yaml"], "yaml"))
    else:
        updated = _patch_embedded_json(current, _sub_ops(overrider["json"], "json"))
    return json_patch(obj, [{"op": "replace", "path": field_path, "value": updated}])


# -- plaintext ----------------------------------------------------------------------------------


def plaintext_patches(entries: Sequence[Mapping[str, Any]]) -> list[Op]:
    """Turn plaintext overriders into one JSON patch (``parseJSONPatchesByPlaintext``)."""
    patches: list[Op] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, Mapping):
                raise InvalidEntry("must be an object")
            patches.append(to_patch_op(entry, string_field(entry, "path", required=False)))
        except InvalidEntry as exc:
            raise OverrideError("plaintext", index, str(exc)) from None
    return patches


def apply_plaintext_overriders(
    obj: JSONDict, entries: Sequence[Mapping[str, Any]], observe: Observer | None = None
) -> JSONDict:
    """Apply all plaintext overriders of one block as a single JSON patch."""
    after_each = None if observe is None else lambda i, doc: observe("plaintext", i, doc)
    try:
        result: JSONDict = apply_json_patch(obj, plaintext_patches(entries), after_each)
    except PatchError as exc:
        raise OverrideError("plaintext", exc.index, str(exc)) from None
    return result
