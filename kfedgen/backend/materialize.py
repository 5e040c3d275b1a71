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

from kfedgen.decisions import OVERRIDE, RETAINED, SCHEDULER, TEMPLATE, UNSET, ValueSource
from kfedgen.errors import DocPath, Problems
from kfedgen.identity import Identity, Source, Trail
from kfedgen.model import FederatedObject
from kfedgen.patch import PatchError, PatchOp, apply_patch
from kfedgen.placement.cluster_overrides import REPLICAS_POINTERS
from kfedgen.placement.resolve import ClusterDecision, Resolution
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps, spec_int


def materialize(
    resolutions: list[Resolution], problems: Problems
) -> tuple[list[RenderedObject], list[Resolution]]:
    """Render every placed (object, cluster) pair of the federated objects.

    Also returns the resolutions with what materializing decided: each applied override
    noted, and where each rendered replica count came from.
    """
    rendered: list[RenderedObject] = []
    result = []
    for resolution in resolutions:
        objects, decisions = _render_object(resolution, problems)
        rendered.extend(objects)
        result.append(resolution.with_decisions(decisions))
    return rendered, result


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
    resolution: Resolution, problems: Problems
) -> tuple[list[RenderedObject], dict[str, ClusterDecision]]:
    obj = resolution.obj
    base = base_object(obj)
    origin = obj.ref
    location = obj.location()
    expected = Identity.of(base).as_source(obj.target.api_version)
    start = Trail.start(base, expected, obj, ("spec", "template"), "the template")
    template = _template_source(obj)
    result = []
    decided = {}
    for name in resolution.clusters:
        decision = resolution.decisions[name]
        manifest: Any = base
        trail = start
        # Whoever writes spec.replicas (or a parent of it) last decided its value.
        source = template
        notes = []
        for index, operation, scheduled in decision.operations:
            try:
                manifest = apply_patch(manifest, [operation])
            except PatchError as exc:
                path: DocPath = operation.doc_path or ("spec",)
                problems.error(
                    obj.location(path), path, f"override for cluster {name!r} does not apply: {exc}"
                )
                break
            trail = trail.step(manifest, _override_source(obj, operation))
            notes.append(_describe_operation(index, operation))
            if operation.path in REPLICAS_POINTERS:
                source = _operation_source(obj, index, operation, scheduled, decision)
        else:
            manifest = drop_empty_metadata_maps(manifest)
            # A scheduled 0 stays: an autoscaler never scales a workload up from 0,
            # so the explicit 0 is what drains an autoscaled workload.
            if obj.retain_replicas and decision.replicas != 0:
                manifest = _drop_replicas(manifest)
                notes.append("retainReplicas: spec.replicas is left to the cluster (e.g. an HPA)")
                source = ValueSource(RETAINED, "retainReplicas", obj.location(_RETAIN_PATH))
            result.append(RenderedObject(name, manifest, origin, location, trail))
            decided[name] = decision.sourced(source, *notes)
            continue
        decided[name] = decision.noting(*notes)
    return result, decided


_RETAIN_PATH = ("spec", "retainReplicas")


def _template_source(obj: FederatedObject) -> ValueSource:
    """The template's own replica count (or none: Kubernetes defaults it)."""
    if spec_int(obj.template, "replicas") is not None:
        path = ("spec", "template", "spec", "replicas")
        return ValueSource(TEMPLATE, "the template", obj.location(path))
    return ValueSource(UNSET)


def _operation_source(
    obj: FederatedObject,
    index: int,
    operation: PatchOp,
    scheduled: bool,
    decision: ClusterDecision,
) -> ValueSource:
    if scheduled:  # the value is the one the scheduler recorded with its source
        return decision.replicas_from or ValueSource(SCHEDULER)
    return ValueSource(OVERRIDE, f"overrides[{index}]", obj.location(operation.doc_path))


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
