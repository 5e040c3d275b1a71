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

from collections.abc import Callable, Mapping
from typing import Any

from kfedgen.karmada.fieldoverrider import (
    apply_field_overrider,
    apply_plaintext_overriders,
    plaintext_patches,
)
from kfedgen.karmada.gocompat import (
    go_format_float,
)
from kfedgen.karmada.imageparser import override_image
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
)

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
        raise InvalidEntry(f"{where}/containers is not a list")
    return containers


def _replace_image_op(path: str, image: Any, overrider: Mapping[str, Any]) -> Op:
    if not path.startswith("/"):
        raise InvalidEntry("imagePath should be start with / character")
    # Karmada converts to typed objects first: a missing image is "" and fails to parse.
    text = image if isinstance(image, str) else ""
    try:
        new_image = override_image(
            text,
            string_field(overrider, "component"),
            string_field(overrider, "operator"),
            string_field(overrider, "value", required=False),
        )
    except ValueError as exc:
        raise InvalidEntry(f"failed to parse image value({text}), error: {exc}") from None
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
            if not GO_INT_RE.fullmatch(position):
                raise InvalidEntry(f"path({position}) of rawObj's is not number")
            item_index = int(position)
            # Go indexes the slice directly: out of range or non-object items panic there.
            if not 0 <= item_index < len(child) or not isinstance(child[item_index], Mapping):
                raise InvalidEntry(f"path({path}) has no object at index {item_index}")
            node = child[item_index]
            index += 1
        else:
            raise InvalidEntry(
                f"path({segments[index]}) of rawObj's type is not map[string]interface{{}} "
                "and []interface{}"
            )
        index += 1
    value = node.get(segments[-1]) if isinstance(node, Mapping) else None
    if not isinstance(value, str):
        raise InvalidEntry(f"failed to convert path({segments[-1]}) to string")
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
    with Reporting("imageOverrider", index):
        return _build_image_patches(obj, overrider)


def _build_image_patches(obj: Mapping[str, Any], overrider: Mapping[str, Any]) -> list[Op]:
    predicate = overrider.get("predicate")
    if predicate is not None:
        path = string_field(predicate, "path") if isinstance(predicate, Mapping) else ""
        try:
            image = _image_at_predicate(obj, path)
        except InvalidEntry as exc:
            raise InvalidEntry(
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
    with Reporting("imageOverrider", index):
        return json_patch(obj, _build_image_patches(obj, overrider))


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
    raise InvalidEntry(f"unsupported command/args element {value!r}")


def _command_args_value(current: list[str], overrider: Mapping[str, Any]) -> list[str]:
    values = overrider.get("value") or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidEntry("'value' must be a list of strings")
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
    with Reporting(f"{target}Overrider", index):
        return _build_command_args_patches(target, obj, overrider)


def _build_command_args_patches(
    target: str, obj: Mapping[str, Any], overrider: Mapping[str, Any]
) -> list[Op]:
    located = _pod_spec(obj)
    if located is None:
        return []
    prefix, spec = located
    name = string_field(overrider, "containerName")
    patches: list[Op] = []
    for position, container in enumerate(_containers(spec, prefix)):
        if not isinstance(container, Mapping):
            raise InvalidEntry(f"{prefix}/containers/{position} is not an object")
        if container.get("name") != name:
            continue
        path = f"{prefix}/containers/{position}/{target}"
        current = container.get(target)
        if current is None:
            patches.append({"op": "add", "path": path, "value": _command_args_value([], overrider)})
            continue
        if not isinstance(current, list):
            raise InvalidEntry(f"{path} is not a list")
        existing = [_go_sprint_s(v) for v in current]
        patches.append(
            {"op": "replace", "path": path, "value": _command_args_value(existing, overrider)}
        )
    return patches


def apply_command_overrider(
    obj: JSONDict, overrider: Mapping[str, Any], index: int = 0
) -> JSONDict:
    """Apply one commandOverrider entry and return the new object."""
    with Reporting("commandOverrider", index):
        return json_patch(obj, _build_command_args_patches("command", obj, overrider))


def apply_args_overrider(obj: JSONDict, overrider: Mapping[str, Any], index: int = 0) -> JSONDict:
    """Apply one argsOverrider entry and return the new object."""
    with Reporting("argsOverrider", index):
        return json_patch(obj, _build_command_args_patches("args", obj, overrider))


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
    with Reporting(f"{field}Overrider", index):
        return _build_label_annotation_patches(obj, overrider, field)


def _build_label_annotation_patches(
    obj: Mapping[str, Any], overrider: Mapping[str, Any], field: str
) -> list[Op]:
    values = overrider.get("value") or {}
    if not isinstance(values, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise InvalidEntry("'value' must be a map of strings to strings")
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
    with Reporting("labelsOverrider", index):
        return json_patch(obj, _build_label_annotation_patches(obj, overrider, "labels"))


def apply_annotations_overrider(
    obj: JSONDict, overrider: Mapping[str, Any], index: int = 0
) -> JSONDict:
    """Apply one annotationsOverrider entry and return the new object."""
    with Reporting("annotationsOverrider", index):
        return json_patch(obj, _build_label_annotation_patches(obj, overrider, "annotations"))


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
