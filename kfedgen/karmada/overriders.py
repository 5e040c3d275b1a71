"""Karmada OverridePolicy overriders applied to one object, offline.

Source: ``pkg/util/overridemanager`` (``overridemanager.go`` ``applyPolicyOverriders``,
``imageoverride.go``, ``commandargsoverride.go``, ``labelannotationoverrider.go``).  Inside one
``overriders`` block Karmada applies, in this order: ``imageOverrider``, ``commandOverrider``,
``argsOverrider``, ``labelsOverrider``, ``annotationsOverrider``, ``fieldOverrider``, then all
``plaintext`` entries as a single JSON patch.  Every list entry is turned into a JSON patch and
applied on the already-modified object, so later entries see earlier results.

Objects are plain dicts (parsed manifests); nothing is mutated -- each function returns a new
object that shares unchanged sub-trees with its input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kfedgen.karmada.gocompat import (
    go_format_float,
    go_json_dumps,
    go_json_loads,
    go_yaml_dump,
    go_yaml_to_json_value,
)
from kfedgen.karmada.imageparser import override_image
from kfedgen.karmada.patch import PatchError, apply_json_patch, decode_pointer_token

__all__ = [
    "OVERRIDER_ORDER",
    "OverrideError",
    "apply_annotations_overrider",
    "apply_args_overrider",
    "apply_command_overrider",
    "apply_field_overrider",
    "apply_image_overrider",
    "apply_labels_overrider",
    "apply_overriders",
    "apply_plaintext_overriders",
    "build_command_args_patches",
    "build_image_patches",
    "build_label_annotation_patches",
    "plaintext_patches",
]

JSONDict = dict[str, Any]
Op = dict[str, Any]
# Sees an object after one overrider entry: (overrider, entry index, the object).
Observer = Callable[[str, int, Mapping[str, Any]], None]

# applyPolicyOverriders: the order Karmada applies the keys of one overriders block.
OVERRIDER_ORDER = (
    "imageOverrider",
    "commandOverrider",
    "argsOverrider",
    "labelsOverrider",
    "annotationsOverrider",
    "fieldOverrider",
    "plaintext",
)

# The kinds whose pod spec the image/command/args overriders know, with its JSON path.
_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "ReplicaSet": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
}


_GO_INT_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)


class OverrideError(ValueError):
    """An overrider failed; the message names the overrider and its entry index."""

    def __init__(self, overrider: str, index: int, detail: str) -> None:
        self.overrider = overrider
        self.index = index
        self.detail = detail
        super().__init__(f"{overrider}[{index}]: {detail}")


class _InvalidError(ValueError):
    """Internal: an overrider entry cannot be applied (wrapped into OverrideError)."""


class _Reporting:
    """Turn an internal failure into an :class:`OverrideError` for one named entry."""

    def __init__(self, overrider: str, index: int) -> None:
        self.overrider = overrider
        self.index = index

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, _InvalidError):
            raise OverrideError(self.overrider, self.index, str(exc)) from None


def _patch(obj: JSONDict, ops: Sequence[Op]) -> JSONDict:
    try:
        result: JSONDict = apply_json_patch(obj, ops)
    except PatchError as exc:
        raise _InvalidError(str(exc)) from None
    return result


def _string_field(entry: Mapping[str, Any], name: str, required: bool = True) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str) or (required and value == ""):
        raise _InvalidError(
            f"{name!r} must be a non-empty string" if required else f"{name!r} must be a string"
        )
    return value


def _pod_spec(obj: Mapping[str, Any]) -> tuple[str, Any] | None:
    """Return (JSON path prefix, pod spec) for the kinds Karmada knows, else None."""
    path = _POD_SPEC_PATHS.get(str(obj.get("kind", "")))
    if path is None:
        return None
    node: Any = obj
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return "/" + "/".join(path), node


# -- imageOverrider -----------------------------------------------------------------------


def _containers(spec: Any, where: str) -> list[Any]:
    containers = spec.get("containers") if isinstance(spec, Mapping) else None
    if containers is None:
        return []
    if not isinstance(containers, list):
        raise _InvalidError(f"{where}/containers is not a list")
    return containers


def _replace_image_op(path: str, image: Any, overrider: Mapping[str, Any]) -> Op:
    if not path.startswith("/"):
        raise _InvalidError("imagePath should be start with / character")
    # Karmada converts to typed objects first: a missing image is "" and fails to parse.
    text = image if isinstance(image, str) else ""
    try:
        new_image = override_image(
            text,
            _string_field(overrider, "component"),
            _string_field(overrider, "operator"),
            _string_field(overrider, "value", required=False),
        )
    except ValueError as exc:
        raise _InvalidError(f"failed to parse image value({text}), error: {exc}") from None
    return {"op": "replace", "path": path, "value": new_image}


def _image_at_predicate(obj: Mapping[str, Any], path: str) -> str:
    """``obtainImageValue``: walk plain ``/``-split segments (no ``~1`` unescaping)."""
    segments = path.strip("/").split("/")
    node: Any = obj
    index = 0
    while index < len(segments) - 1:
        child = node.get(segments[index]) if isinstance(node, Mapping) else None
        if isinstance(child, Mapping):
            node = child
        elif isinstance(child, list):
            position = segments[index + 1]
            if not _GO_INT_RE.fullmatch(position):
                raise _InvalidError(f"path({position}) of rawObj's is not number")
            item_index = int(position)
            # Go indexes the slice directly: out of range or non-object items panic there.
            if not 0 <= item_index < len(child) or not isinstance(child[item_index], Mapping):
                raise _InvalidError(f"path({path}) has no object at index {item_index}")
            node = child[item_index]
            index += 1
        else:
            raise _InvalidError(
                f"path({segments[index]}) of rawObj's type is not map[string]interface{{}} "
                "and []interface{}"
            )
        index += 1
    value = node.get(segments[-1]) if isinstance(node, Mapping) else None
    if not isinstance(value, str):
        raise _InvalidError(f"failed to convert path({segments[-1]}) to string")
    return value


def build_image_patches(
    obj: Mapping[str, Any], overrider: Mapping[str, Any], index: int = 0
) -> list[Op]:
    """Build the JSON patch of one ImageOverrider (``buildPatches``).

    Without ``predicate``: one ``replace`` per entry of the pod spec's ``containers`` (never
    ``initContainers``) for Pod, ReplicaSet, Deployment, DaemonSet, StatefulSet and Job,
    recognised by ``kind`` alone; any other kind yields no patch.  With ``predicate.path``:
    one ``replace`` of the string at that path.  Raises :class:`OverrideError`.
    """
    with _Reporting("imageOverrider", index):
        return _build_image_patches(obj, overrider)


def _build_image_patches(obj: Mapping[str, Any], overrider: Mapping[str, Any]) -> list[Op]:
    predicate = overrider.get("predicate")
    if predicate is not None:
        path = _string_field(predicate, "path") if isinstance(predicate, Mapping) else ""
        try:
            image = _image_at_predicate(obj, path)
        except _InvalidError as exc:
            raise _InvalidError(
                f"failed to obtain imageValue with predicate path({path}), error: {exc}"
            ) from None
        return [_replace_image_op(path, image, overrider)]
    located = _pod_spec(obj)
    if located is None:
        return []
    prefix, spec = located
    return [
        _replace_image_op(
            f"{prefix}/containers/{i}/image",
            c.get("image") if isinstance(c, Mapping) else None,
            overrider,
        )
        for i, c in enumerate(_containers(spec, prefix))
    ]


def apply_image_overrider(obj: JSONDict, overrider: Mapping[str, Any], index: int = 0) -> JSONDict:
    """Apply one ImageOverrider entry and return the new object."""
    with _Reporting("imageOverrider", index):
        return _patch(obj, _build_image_patches(obj, overrider))


# -- commandOverrider / argsOverrider -----------------------------------------------------


def _go_sprint_s(value: Any) -> str:
    """``fmt.Sprintf("%s", v)`` for the scalar values unstructured JSON can hold."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, bool):
        return f"%!s(bool={'true' if value else 'false'})"
    if isinstance(value, int):
        return f"%!s(int64={value})"
    if isinstance(value, float):
        return f"%!s(float64={go_format_float(value)})"
    raise _InvalidError(f"unsupported command/args element {value!r}")


def _command_args_value(current: list[str], overrider: Mapping[str, Any]) -> list[str]:
    values = overrider.get("value") or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _InvalidError("'value' must be a list of strings")
    operator = overrider.get("operator")
    if operator == "add":
        return [*current, *values]
    if operator == "remove":
        unwanted = set(values)
        return [v for v in current if v not in unwanted]
    # overrideCommandArgs: any other operator keeps the current list (and still patches it).
    return list(current)


def build_command_args_patches(
    target: str, obj: Mapping[str, Any], overrider: Mapping[str, Any], index: int = 0
) -> list[Op]:
    """Build the JSON patch of one command/args overrider (``buildCommandArgsPatches``).

    ``target`` is ``command`` or ``args``.  Every container (not init container) whose ``name``
    equals ``containerName`` gets a ``replace`` of the whole list, or an ``add`` creating it
    when the field is missing or null -- even for ``remove``, which then creates ``[]``.
    Non-string elements are printed with Go's ``%s`` (``%!s(int64=8080)``).  Raises
    :class:`OverrideError`.
    """
    with _Reporting(f"{target}Overrider", index):
        return _build_command_args_patches(target, obj, overrider)


def _build_command_args_patches(
    target: str, obj: Mapping[str, Any], overrider: Mapping[str, Any]
) -> list[Op]:
    located = _pod_spec(obj)
    if located is None:
        return []
    prefix, spec = located
    name = _string_field(overrider, "containerName")
    patches: list[Op] = []
    for position, container in enumerate(_containers(spec, prefix)):
        if not isinstance(container, Mapping):
            raise _InvalidError(f"{prefix}/containers/{position} is not an object")
        if container.get("name") != name:
            continue
        path = f"{prefix}/containers/{position}/{target}"
        current = container.get(target)
        if current is None:
            patches.append({"op": "add", "path": path, "value": _command_args_value([], overrider)})
            continue
        if not isinstance(current, list):
            raise _InvalidError(f"{path} is not a list")
        existing = [_go_sprint_s(v) for v in current]
        patches.append(
            {"op": "replace", "path": path, "value": _command_args_value(existing, overrider)}
        )
    return patches


def apply_command_overrider(
    obj: JSONDict, overrider: Mapping[str, Any], index: int = 0
) -> JSONDict:
    """Apply one commandOverrider entry and return the new object."""
    with _Reporting("commandOverrider", index):
        return _patch(obj, _build_command_args_patches("command", obj, overrider))


def apply_args_overrider(obj: JSONDict, overrider: Mapping[str, Any], index: int = 0) -> JSONDict:
    """Apply one argsOverrider entry and return the new object."""
    with _Reporting("argsOverrider", index):
        return _patch(obj, _build_command_args_patches("args", obj, overrider))


# -- labelsOverrider / annotationsOverrider ------------------------------------------------


def _string_map(node: Any) -> dict[str, str] | None:
    """``unstructured.NestedStringMap``: the map if every value is a string, else None."""
    if isinstance(node, Mapping) and all(isinstance(v, str) for v in node.values()):
        return dict(node)
    return None


def build_label_annotation_patches(
    obj: Mapping[str, Any], overrider: Mapping[str, Any], field: str, index: int = 0
) -> list[Op]:
    """Build the JSON patch of one labels/annotations overrider on ``metadata.<field>``.

    ``add`` creates the map when it is missing -- or replaces it with ``{}`` when it is not a
    map of strings, as ``SetNestedStringMap`` does -- and then adds or overwrites each key;
    ``replace`` and ``remove`` only touch keys that exist (``remove`` ignores the values).
    ``/`` in keys is escaped as ``~1`` (``~`` is left alone, as Karmada does).  Raises
    :class:`OverrideError`.
    """
    with _Reporting(f"{field}Overrider", index):
        return _build_label_annotation_patches(obj, overrider, field)


def _build_label_annotation_patches(
    obj: Mapping[str, Any], overrider: Mapping[str, Any], field: str
) -> list[Op]:
    values = overrider.get("value") or {}
    if not isinstance(values, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise _InvalidError("'value' must be a map of strings to strings")
    operator = overrider.get("operator")
    metadata = obj.get("metadata")
    current = _string_map(metadata.get(field)) if isinstance(metadata, Mapping) else None
    patches: list[Op] = []
    if operator == "add" and values and current is None:
        if "metadata" not in obj:
            patches.append({"op": "add", "path": "/metadata", "value": {}})
        elif not isinstance(metadata, Mapping):
            return []  # SetNestedStringMap fails on a non-map metadata; Karmada skips every key.
        patches.append({"op": "add", "path": f"/metadata/{field}", "value": {}})
        current = {}
    for key, value in values.items():
        if operator in ("remove", "replace") and (current is None or key not in current):
            continue
        escaped = key.replace("/", "~1")
        patches.append({"op": operator, "path": f"/metadata/{field}/{escaped}", "value": value})
    return patches


def apply_labels_overrider(obj: JSONDict, overrider: Mapping[str, Any], index: int = 0) -> JSONDict:
    """Apply one labelsOverrider entry and return the new object."""
    with _Reporting("labelsOverrider", index):
        return _patch(obj, _build_label_annotation_patches(obj, overrider, "labels"))


def apply_annotations_overrider(
    obj: JSONDict, overrider: Mapping[str, Any], index: int = 0
) -> JSONDict:
    """Apply one annotationsOverrider entry and return the new object."""
    with _Reporting("annotationsOverrider", index):
        return _patch(obj, _build_label_annotation_patches(obj, overrider, "annotations"))


# -- fieldOverrider --------------------------------------------------------------------------


def _pointer_get(obj: Any, pointer: str) -> Any:
    """``go-openapi/jsonpointer`` ``Get``: no negative indices, errors on anything missing."""
    if pointer != "" and not pointer.startswith("/"):
        raise _InvalidError('JSON pointer must be empty or start with a "/"')
    node = obj
    for token in pointer.split("/")[1:] if pointer else []:
        key = decode_pointer_token(token)
        if isinstance(node, Mapping):
            if key not in node:
                raise _InvalidError(f"object has no key {key!r}")
            node = node[key]
        elif isinstance(node, list):
            if not _GO_INT_RE.fullmatch(key):
                raise _InvalidError(f'strconv.Atoi: parsing "{key}": invalid syntax')
            index = int(key)
            if not 0 <= index < len(node):
                raise _InvalidError(f"index out of bounds array[0,{len(node) - 1}] index '{index}'")
            node = node[index]
        else:
            raise _InvalidError(f"invalid token reference {key!r}")
    return node


def _sub_ops(entries: Any, kind: str) -> list[Op]:
    if not isinstance(entries, list):
        raise _InvalidError(f"{kind!r} must be a list")
    ops: list[Op] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise _InvalidError(f"every {kind!r} operation must be an object")
        ops.append(_to_patch_op(entry, _string_field(entry, "subPath", required=False)))
    return ops


def _to_patch_op(entry: Mapping[str, Any], path: str) -> Op:
    """One overrider operation as a JSON patch op, checked like Karmada's webhook does."""
    operator = entry.get("operator")
    if operator in ("add", "replace") and "value" not in entry:
        raise _InvalidError(f"value is required for operator {operator!r}")
    if operator == "remove" and entry.get("value") is not None:
        raise _InvalidError("value is forbidden for operator 'remove'")
    return {"op": operator, "path": path, "value": entry.get("value")}


def _patch_embedded_json(text: str, ops: list[Op]) -> str:
    if text == "":
        return text  # json-patch returns an empty document unchanged.
    try:
        document = go_json_loads(text)
    except ValueError as exc:
        raise _InvalidError(f"invalid JSON document: {exc}") from None
    if not isinstance(document, dict | list):
        raise _InvalidError("the JSON document is not an object or array")
    return go_json_dumps(_patch_any(document, ops))


def _patch_embedded_yaml(text: str, ops: list[Op]) -> str:
    try:
        document = go_yaml_to_json_value(text)
    except ValueError as exc:
        raise _InvalidError(str(exc)) from None
    if not isinstance(document, dict | list):
        raise _InvalidError("the YAML document is not a mapping or sequence")
    return go_yaml_dump(_patch_any(document, ops))


def _patch_any(document: Any, ops: list[Op]) -> Any:
    try:
        return apply_json_patch(document, ops)
    except PatchError as exc:
        raise _InvalidError(str(exc)) from None


def apply_field_overrider(obj: JSONDict, overrider: Mapping[str, Any], index: int = 0) -> JSONDict:
    """Apply one FieldOverrider: JSON-patch a JSON or YAML document held in a string field.

    ``fieldPath`` (a JSON pointer) must reach a string; exactly one of ``json`` / ``yaml`` holds
    ``{subPath, operator, value}`` operations.  JSON is re-serialised compactly (member order
    kept, ``<>&`` escaped); YAML is re-serialised like ``sigs.k8s.io/yaml`` (sorted keys, block
    style, comments and layout lost).  Raises :class:`OverrideError`.
    """
    with _Reporting("fieldOverrider", index):
        return _apply_field_overrider(obj, overrider)


def _apply_field_overrider(obj: JSONDict, overrider: Mapping[str, Any]) -> JSONDict:
    field_path = _string_field(overrider, "fieldPath", required=False)
    has_json, has_yaml = bool(overrider.get("json")), bool(overrider.get("yaml"))
    if has_json == has_yaml:
        # The webhook rejects both and neither (ValidateOverrideSpec).
        raise _InvalidError("exactly one of 'json' and 'yaml' must be set")
    current = _pointer_get(obj, field_path)
    if not isinstance(current, str):
        raise _InvalidError(f"Get object's value by overrider's path({field_path}) is not string")
    if has_yaml:
        updated = _patch_embedded_yaml(current, _sub_ops(overrider["yaml"], "yaml"))
    else:
        updated = _patch_embedded_json(current, _sub_ops(overrider["json"], "json"))
    return _patch(obj, [{"op": "replace", "path": field_path, "value": updated}])


# -- plaintext ----------------------------------------------------------------------------------


def plaintext_patches(entries: Sequence[Mapping[str, Any]]) -> list[Op]:
    """Turn plaintext overriders into one JSON patch (``parseJSONPatchesByPlaintext``)."""
    patches: list[Op] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, Mapping):
                raise _InvalidError("must be an object")
            patches.append(_to_patch_op(entry, _string_field(entry, "path", required=False)))
        except _InvalidError as exc:
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


# -- the whole block ----------------------------------------------------------------------------

_ENTRY_APPLIERS: dict[str, Callable[[JSONDict, Mapping[str, Any], int], JSONDict]] = {
    "imageOverrider": apply_image_overrider,
    "commandOverrider": apply_command_overrider,
    "argsOverrider": apply_args_overrider,
    "labelsOverrider": apply_labels_overrider,
    "annotationsOverrider": apply_annotations_overrider,
    "fieldOverrider": apply_field_overrider,
}


def apply_overriders(
    obj: dict[str, Any], overriders: Mapping[str, Any], observe: Observer | None = None
) -> dict[str, Any]:
    """Apply one OverridePolicy rule's ``overriders`` block to ``obj``, in Karmada's order.

    Order: image, command, args, labels, annotations, field (each list entry by entry), then all
    plaintext entries as one JSON patch.  Returns a new object; ``obj`` is not modified.
    Raises :class:`OverrideError` naming the overrider and entry index on the first failure
    (Karmada then skips the object for that cluster).  ``observe(overrider, index, object)``
    sees the object after every entry (plaintext entries included), so a caller can tell
    which entry changed what.
    """
    unknown = sorted(set(overriders) - set(OVERRIDER_ORDER))
    if unknown:
        raise OverrideError(
            unknown[0], 0, f"unknown overrider; expected one of {', '.join(OVERRIDER_ORDER)}"
        )
    result = obj
    for name, apply_entry in _ENTRY_APPLIERS.items():
        entries = overriders.get(name) or []
        if not isinstance(entries, list):
            raise OverrideError(name, 0, "must be a list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise OverrideError(name, index, "must be an object")
            result = apply_entry(result, entry, index)
            if observe is not None:
                observe(name, index, result)
    plaintext = overriders.get("plaintext") or []
    if not isinstance(plaintext, list):
        raise OverrideError("plaintext", 0, "must be a list")
    return apply_plaintext_overriders(result, plaintext, observe)
