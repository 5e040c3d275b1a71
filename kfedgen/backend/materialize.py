"""Stage 4: build each cluster's copy of every placed object.

The order follows KubeFed's ``ObjectForCluster`` and ``ApplyOverrides``
(reference 1.4, 1.5 and the rendering order of section 5), with two deliberate
differences documented in the README: template annotations and finalizers are
kept (in git the template is the truth; KubeFed only stripped them because its
controller retained the live values), and the ``kubefed.io/managed`` label is
not added (nothing in the cluster needs it).
"""

from __future__ import annotations

from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.identity import Identity, Source, Trail
from kfedgen.model import FederatedObject, FleetSpec, PatchOp
from kfedgen.patch import PatchError, apply_patch
from kfedgen.placement.cluster_overrides import cluster_operations
from kfedgen.placement.resolve import Resolution
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps


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
