"""What the back-end works on: one object as one cluster receives it.

Every renderer (KubeFed's :mod:`kfedgen.backend.materialize`, Karmada's propagated objects) produces
:class:`RenderedObject` values; overrides, identity checks, linting and :mod:`kfedgen.backend.emit`
consume them.  Imports only :mod:`kfedgen.errors` and :mod:`kfedgen.identity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kfedgen.errors import Location
from kfedgen.identity import Trail


@dataclass(frozen=True, slots=True)
class RenderedObject:
    """One object as one cluster receives it."""

    cluster: str
    manifest: Mapping[str, Any]
    origin: str  # e.g. "FederatedDeployment/shop/web", for messages and `explain`
    location: Location
    # Who changed the object's identity on the way here (kfedgen.identity checks it).
    trail: Trail | None = field(default=None, compare=False)

    @property
    def api_version(self) -> str:
        return str(self.manifest.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))

    @property
    def name(self) -> str:
        return str(self.manifest.get("metadata", {}).get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.manifest.get("metadata", {}).get("namespace", ""))


def drop_empty_metadata_maps(manifest: dict[str, Any]) -> dict[str, Any]:
    """Omit empty ``metadata`` maps, as Kubernetes does (ObjectMeta fields are omitempty).

    ``add /metadata/annotations {...}`` followed by removing its keys leaves
    ``annotations: {}``; the API server and kustomize store no field at all, so
    neither does kfedgen, and the file matches what the cluster will hold.
    """
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict):
        return manifest
    empty = [k for k in _OMITEMPTY_METADATA if k in metadata and metadata[k] in ({}, [], None)]
    if not empty:
        return manifest
    trimmed = dict(manifest)
    trimmed["metadata"] = {k: v for k, v in metadata.items() if k not in empty}
    return trimmed


_OMITEMPTY_METADATA = ("annotations", "labels", "finalizers", "ownerReferences")


def spec_int(manifest: Mapping[str, Any], field: str) -> int | None:
    """``spec.<field>`` when it is an integer (a replica count), else None."""
    spec = manifest.get("spec")
    value = spec.get(field) if isinstance(spec, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
