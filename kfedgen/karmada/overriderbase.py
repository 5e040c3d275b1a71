"""What every Karmada overrider shares: the error it reports and the JSON-patch plumbing.

:class:`OverrideError` names the overrider and entry that failed; inside an overrider an
entry raises :class:`InvalidEntry`, which :class:`Reporting` turns into an
:class:`OverrideError` for that entry.  Plain data only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kfedgen.jsonpointer import ATOI_SYNTAX
from kfedgen.karmada.patch import PatchError, apply_json_patch

JSONDict = dict[str, Any]
Op = dict[str, Any]
# Sees an object after one overrider entry: (overrider, entry index, the object).
Observer = Callable[[str, int, Mapping[str, Any]], None]

# strconv.Atoi's syntax: the array indices Go accepts in paths.
GO_INT_RE = ATOI_SYNTAX


class OverrideError(ValueError):
    """An overrider failed; the message names the overrider and its entry index."""

    def __init__(self, overrider: str, index: int, detail: str) -> None:
        self.overrider = overrider
        self.index = index
        self.detail = detail
        super().__init__(f"{overrider}[{index}]: {detail}")


class InvalidEntry(ValueError):
    """An overrider entry cannot be applied (wrapped into OverrideError)."""


class Reporting:
    """Turn an internal failure into an :class:`OverrideError` for one named entry."""

    def __init__(self, overrider: str, index: int) -> None:
        self.overrider = overrider
        self.index = index

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, InvalidEntry):
            raise OverrideError(self.overrider, self.index, str(exc)) from None


def json_patch(obj: JSONDict, ops: Sequence[Op]) -> JSONDict:
    try:
        result: JSONDict = apply_json_patch(obj, ops)
    except PatchError as exc:
        raise InvalidEntry(str(exc)) from None
    return result


def string_field(entry: Mapping[str, Any], name: str, required: bool = True) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str) or (required and value == ""):
        raise InvalidEntry(
            f"{name!r} must be a non-empty string" if required else f"{name!r} must be a string"
        )
    return value


def to_patch_op(entry: Mapping[str, Any], path: str) -> Op:
    """One overrider operation as a JSON patch op, checked like Karmada's webhook does."""
    operator = entry.get("operator")
    if operator in ("add", "replace") and "value" not in entry:
        raise InvalidEntry(f"value is required for operator {operator!r}")
    if operator == "remove" and entry.get("value") is not None:
        raise InvalidEntry("value is forbidden for operator 'remove'")
    return {"op": operator, "path": path, "value": entry.get("value")}
