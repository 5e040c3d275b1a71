"""Facts computed once per object, however many clusters' checks read it.

Rendered copies of one object share their manifest in every cluster no override changed,
so a 1000-cluster fleet hands the checks the same mapping a thousand times.  What a check
derives from a manifest alone (its kind and name, its pod template, the objects it names)
is remembered by the mapping's identity.  Each entry keeps its key alive, so no other
object can take its id while the entry exists; the table is emptied when it is full.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kfedgen.podtemplates import PodTemplate, pod_template

K = TypeVar("K")
V = TypeVar("V")


class ByIdentity(Generic[K, V]):
    """``compute(key)``, remembered for the very same ``key`` object."""

    def __init__(self, compute: Callable[[K], V], limit: int = 100_000) -> None:
        self._compute = compute
        self._limit = limit
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


@dataclass(frozen=True)
class ManifestFacts:
    """What every check reads first from a rendered manifest: what it is, and its pods."""

    kind: str
    namespace: str  # "" when cluster-scoped
    name: str
    template: PodTemplate | None  # its pod template; None: it runs no pods


def _read(manifest: Mapping[str, Any]) -> ManifestFacts:
    # The same fields RenderedObject's properties read.
    kind = str(manifest.get("kind", ""))
    metadata = manifest.get("metadata", {})
    namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
    return ManifestFacts(kind, namespace, name, pod_template(kind, manifest))


manifest_facts: ByIdentity[Mapping[str, Any], ManifestFacts] = ByIdentity(_read)
