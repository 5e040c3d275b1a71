"""Stage 4: build each cluster's copy of every placed object.

The order follows KubeFed's ``ObjectForCluster`` and ``ApplyOverrides``
(reference 1.4, 1.5 and the rendering order of section 5), with two deliberate
differences documented in the README: template annotations and finalizers are
kept (in git the template is the truth; KubeFed only stripped them because its
controller retained the live values), and the ``kubefed.io/managed`` label is
not added (nothing in the cluster needs it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kfedgen.cluster_overrides import cluster_operations
from kfedgen.errors import DocPath, Location, Problems
from kfedgen.identity import Identity, Source, Trail
from kfedgen.model import FederatedObject, FleetSpec, PatchOp
from kfedgen.patch import PatchError, apply_patch
from kfedgen.resolve import Resolution


@dataclass(frozen=True)
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


def materialize(
    spec: FleetSpec, resolutions: list[Resolution], problems: Problems
) -> list[RenderedObject]:
    """Render every placed (object, cluster) pair of the federated objects."""
    rendered: list[RenderedObject] = []
    for resolution in resolutions:
        rendered.extend(_render_object(resolution, spec, problems))
    return rendered


def base_object(obj: FederatedObject) -> dict[str, Any]:
    """The target object before overrides: KubeFed's ObjectForCluster steps 1 and 3-6."""
    body = dict(obj.template)
    metadata = dict(body.get("metadata") or {})
    metadata["name"] = obj.name
    if obj.target.namespaced:
        metadata["namespace"] = obj.namespace
    else:
        metadata.pop("namespace", None)
    body["metadata"] = metadata
    body["kind"] = obj.target.kind
    if not body.get("apiVersion"):
        body["apiVersion"] = obj.target.api_version
    return body


def _render_object(
    resolution: Resolution, spec: FleetSpec, problems: Problems
) -> list[RenderedObject]:
    obj = resolution.obj
    base = base_object(obj)
    origin = obj.ref
    location = obj.location()
    expected = Identity.of(base).as_source(obj.target.api_version)
    start = Trail.start(base, expected, obj, ("spec", "template"), "the template")
    result = []
    for name in resolution.clusters:
        decision = resolution.decisions[name]
        operations = cluster_operations(obj, spec.clusters[name], decision.replicas)
        manifest: Any = base
        trail = start
        for index, operation in operations:
            try:
                manifest = apply_patch(manifest, [operation])
            except PatchError as exc:
                path: DocPath = operation.doc_path or ("spec",)
                problems.error(
                    obj.location(path), path, f"override for cluster {name!r} does not apply: {exc}"
                )
                break
            trail = trail.step(manifest, _override_source(obj, operation))
            decision.note(_describe_operation(index, operation))
        else:
            manifest = drop_empty_metadata_maps(manifest)
            # A scheduled 0 stays: an autoscaler never scales a workload up from 0,
            # so the explicit 0 is what drains an autoscaled workload.
            if obj.retain_replicas and decision.replicas != 0:
                manifest = _drop_replicas(manifest)
                decision.note("retainReplicas: spec.replicas is left to the cluster (e.g. an HPA)")
            result.append(RenderedObject(name, manifest, origin, location, trail))
    return result


def _override_source(obj: FederatedObject, operation: PatchOp) -> Source:
    if not operation.doc_path:  # the scheduler's: it only ever writes /spec/replicas
        return Source(obj, ("spec",), "the replica scheduler")
    return Source(obj, (*operation.doc_path, "path"), "the override")


def _describe_operation(index: int, operation: PatchOp) -> str:
    value = "" if operation.op == "remove" else f" = {operation.value!r}"
    if index < 0:
        return f"scheduler sets {operation.path}{value}"
    return f"overrides[{index}]: {operation.op} {operation.path}{value}"


def _drop_replicas(manifest: dict[str, Any]) -> dict[str, Any]:
    spec = manifest.get("spec")
    if not isinstance(spec, dict) or "replicas" not in spec:
        return manifest
    trimmed = dict(manifest)
    trimmed["spec"] = {k: v for k, v in spec.items() if k != "replicas"}
    return trimmed


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
