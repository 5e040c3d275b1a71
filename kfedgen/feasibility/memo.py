"""Facts computed once per object, however many clusters' checks read it.

Rendered copies of one object share their manifest in every cluster no override changed,
so a 1000-cluster fleet hands the checks the same mapping a thousand times.  What a check
derives from a manifest alone (its kind and name, its pod template, the objects it names)
is remembered by the mapping's identity (:mod:`kfedgen.identitymemo`).

Clusters also receive copies that differ only where no check looks: a per-region image
(an override of ``containers/0/image``), a ConfigMap's values, or ``spec.replicas`` after
the division of replicas.  Patching copies only the mappings along the changed path, so
every other value stays shared.  :func:`stands_for` names one copy for all of those, and
facts that none of these fields decide are computed once for the lot.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from kfedgen.identitymemo import DEFAULT_LIMIT, ByIdentity
from kfedgen.podtemplates import TEMPLATE_PATHS, PodTemplate, pod_template

V = TypeVar("V")

# Fields that no replica-free check of kfedgen.feasibility.checks.CHECKS reads: a new
# check that reads one must say so here.  A tree of field names; None: the whole value,
# _EACH: the same below every item of a list.
_Unread = Mapping[str, "Mapping[str, Any] | None"]
_EACH = "[]"
_IMAGES: _Unread = {_EACH: {"image": None}}
_POD_SPEC: _Unread = {"containers": _IMAGES, "initContainers": _IMAGES}
_DATA: _Unread = {"data": None, "binaryData": None, "stringData": None}


def _template_unread(path: tuple[str | int, ...]) -> _Unread:
    """Images of the pod template at ``path`` (and ``spec.replicas`` beside a template)."""
    unread: _Unread = {"spec": _POD_SPEC}
    for key in reversed(path[1:]):
        unread = {str(key): unread}
    beside: _Unread = {"replicas": None} if path == ("spec", "template") else {}
    return {str(path[0]): {**unread, **beside}}


_UNREAD: Mapping[str, _Unread] = {
    **{kind: _template_unread(path) for kind, path in TEMPLATE_PATHS.items() if path},
    "Pod": {"spec": _POD_SPEC},
    "ConfigMap": _DATA,
    "Secret": _DATA,
}


def _shape(value: Any, unread: _Unread) -> Hashable:
    """The identities of everything in ``value`` but the ``unread`` fields."""
    if isinstance(value, list):
        each = unread.get(_EACH)
        if each is None:
            return id(value)
        return tuple([_shape(item, each) for item in value])
    if not isinstance(value, Mapping):
        return id(value)
    parts: list[tuple[str, Hashable]] = []
    for key, item in value.items():
        if key not in unread:
            parts.append((key, id(item)))
        elif (below := unread[key]) is not None:
            parts.append((key, _shape(item, below)))
    return tuple(parts)


# Shape -> the copy that stands for it.  The copy keeps alive the values whose identities
# the shape holds, so no other value can take one of those ids while it is here.
_STANDS_FOR: dict[Hashable, Mapping[str, Any]] = {}


def _representative(manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    kind = manifest.get("kind")
    unread = _UNREAD.get(kind) if isinstance(kind, str) else None  # (invalid input: any)
    if unread is None:
        return manifest
    if len(_STANDS_FOR) >= DEFAULT_LIMIT:
        _STANDS_FOR.clear()  # the answers given stay true: their callers hold them
    return _STANDS_FOR.setdefault(_shape(manifest, unread), manifest)


stands_for: ByIdentity[Mapping[str, Any], Mapping[str, Any]] = ByIdentity(_representative)
"""The copy of ``manifest`` that stands for every copy differing only in unread fields.

Unread: ``spec.replicas``, the pod template's container and init container images, and
ConfigMap and Secret data.  Two manifests with the same answer share every other value by
identity (equal but distinct copies are only a missed chance).
"""


class ByStandIn(ByIdentity[Mapping[str, Any], V]):
    """``compute(manifest)`` for a fact no unread field decides: once per lot of copies.

    ``compute`` is called with the copy that stands for the lot (:func:`stands_for`).
    """

    def __call__(self, key: Mapping[str, Any]) -> V:
        return super().__call__(stands_for(key))


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


manifest_facts: ByStandIn[ManifestFacts] = ByStandIn(_read)
