"""Values remembered for the very same object: the memo every stage's per-object reuse shares.

Rendered copies of one template share their mappings copy-on-write in every cluster no
override changed, so the same object reaches a stage once per cluster.  An entry is keyed
by the object's ``id`` (plus any parts of the question that are values) and keeps the
object alive, so no other object can take its id while the entry exists; the table is
emptied when it is full.  Imports nothing of kfedgen, so any stage may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_LIMIT = 100_000


class IdentityMemo(Generic[V]):
    """``compute()``'s answer about ``anchor``, remembered for the very same ``anchor``."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._entries: dict[tuple[int, Hashable], tuple[object, V]] = {}

    def get(self, anchor: object, extra: Hashable, compute: Callable[..., V], *args: object) -> V:
        """The remembered value for (``anchor``, ``extra``), or ``compute(*args)`` remembered now.

        ``args`` spare a caller that asks for every object a closure per call.
        """
        key = (id(anchor), extra)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is anchor:
            return entry[1]
        value = compute(*args)
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (anchor, value)
        return value


class ByIdentity(Generic[K, V]):
    """``compute(key)``, remembered for the very same ``key`` object."""

    def __init__(self, compute: Callable[[K], V], limit: int = DEFAULT_LIMIT) -> None:
        self._compute = compute
        self._limit = limit
        # Keyed by the id alone: a lookup is asked for every object of every cluster.
        self._entries: dict[int, tuple[K, V]] = {}

    def __call__(self, key: K) -> V:
        """The value for ``key``: remembered, or computed now."""
        entry = self._entries.get(id(key))
        if entry is not None and entry[0] is key:
            return entry[1]
        value = self._compute(key)
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[id(key)] = (key, value)
        return value
