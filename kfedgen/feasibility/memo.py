"""Facts computed once per object, however many clusters' checks read it.

Rendered copies of one object share their manifest in every cluster no override changed,
so a 1000-cluster fleet hands the checks the same mapping a thousand times.  What a check
derives from a manifest alone (its kind and name, its pod template, the objects it names)
is remembered by the mapping's identity (:mod:`kfedgen.identitymemo`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.identitymemo import ByIdentity
from kfedgen.podtemplates import PodTemplate, pod_template


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
