"""RFC 6901 JSON pointers: the one core both JSON-patch dialects walk documents with.

KubeFed's overrides (:mod:`kfedgen.patch`, json-patch v4 semantics) and Karmada's
(:mod:`kfedgen.karmada.patch`, json-patch v5 defaults) differ in what an operation does at
the end of a path, not in how a path is read: both unescape tokens the RFC way, parse array
indices like Go's ``strconv.Atoi`` and count negative indices from the end.  That shared part
is here; each dialect decides its own error text and edge cases on top.

Imports nothing from kfedgen, so every layer (and the pure Karmada ports) may use it.
"""

from __future__ import annotations

import re
from typing import Any

# strconv.Atoi's syntax: an optional sign and ASCII decimal digits.
ATOI_SYNTAX = re.compile(r"[+-]?[0-9]+", re.ASCII)
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

Container = dict[str, Any] | list[Any]


class PointerError(ValueError):
    """A token does not name what it must (a member, an element, an index); says why."""


def encode_token(token: str) -> str:
    """Escape one token (``~`` -> ``~0``, then ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def decode_token(token: str) -> str:
    """Unescape one token (``~1`` -> ``/``, then ``~0`` -> ``~``)."""
    if "~" not in token:
        return token
    return token.replace("~1", "/").replace("~0", "~")


def tokens(pointer: str) -> list[str]:
    """The unescaped tokens after the pointer's first ``/`` (callers check what precedes it)."""
    return [decode_token(part) for part in pointer.split("/")[1:]]


def atoi(text: str) -> int:
    """An array index parsed like Go's ``strconv.Atoi`` (sign, decimal digits, int64)."""
    if not ATOI_SYNTAX.fullmatch(text):
        raise PointerError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise PointerError(f'strconv.Atoi: parsing "{text}": value out of range')
    return value


def _invalid_index(index: int) -> PointerError:
    return PointerError(f"Unable to access invalid index: {index}: invalid index referenced")


def element_index(array: list[Any], token: str) -> int:
    """The position of an existing element; ``-1`` is the last one."""
    index = atoi(token)
    if index < 0:
        if index < -len(array):
            raise _invalid_index(index)
        index += len(array)
    if index >= len(array):
        raise _invalid_index(index)
    return index


def insertion_index(array: list[Any], token: str) -> int:
    """Where ``add`` inserts: ``-`` and ``len`` append; negatives count in the grown array."""
    if token == "-":  # noqa: S105 - the append token, not a secret
        return len(array)
    index = atoi(token)
    size = len(array) + 1
    if index >= size or index < -size:
        raise _invalid_index(index)
    return index + size if index < 0 else index


def get(container: Container, token: str) -> Any:
    """The member or element ``token`` names; :class:`PointerError` when there is none."""
    if isinstance(container, dict):
        if token not in container:
            raise PointerError(f"unable to get nonexistent key: {token}: missing value")
        return container[token]
    return container[element_index(container, token)]


def set_existing(container: Container, token: str, value: Any) -> None:
    """Set a member, or an element that exists, in place."""
    if isinstance(container, dict):
        container[token] = value
    else:
        container[element_index(container, token)] = value
