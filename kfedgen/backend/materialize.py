"""Stage 4: build each cluster's copy of every placed object.

The order follows KubeFed's ``ObjectForCluster`` and ``ApplyOverrides``
(reference 1.4, 1.5 and the rendering order of section 5), with two deliberate
differences documented in the README: template annotations and finalizers are
kept (in git the template is the truth; KubeFed only stripped them because its
controller retained the live values), and the ``kubefed.io/managed`` label is
not added (nothing in the cluster needs it).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from kfedgen.decisions import (
    OVERRIDE,
    RETAINED,
    SCHEDULER,
    TEMPLATE,
    UNSET,
    ClusterPatch,
    ValueSource,
)
from kfedgen.errors import DocPath, Problems
from kfedgen.identity import Identity, Source, Trail
from kfedgen.jsonpointer import tokens
from kfedgen.model import FederatedObject
from kfedgen.patch import PatchError, PatchOp, apply_patch
from kfedgen.placement.cluster_overrides import replica_count, replicas_pointers
from kfedgen.placement.resolve import ClusterDecision, Resolution
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps


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
    result: list[RenderedObject] = []
    decided = {}
    deciding = replicas_pointers(obj)
    # Most clusters get the same operations (the same replica count, the same override entry):
    # their copies are built once and shared, as unchanged subtrees already are.  Placement
    # and the scheduler often hand many clusters the very same operations tuple: that is
    # looked up by identity (alive with the decisions) before its key is built.
    applied: dict[tuple[object, ...], _Applied] = {}
    by_identity: dict[int, _Applied] = {}
    # Different override entries often do the same (one image for many clusters): their
    # clusters share one manifest, so later stages see one distinct object (_effect_key).
    built: dict[tuple[object, ...], Any] = {}
    decisions = resolution.decisions
    retain = obj.retain_replicas
    append = result.append
    for name in resolution.clusters:
        decision = decisions[name]
        operations = decision.operations
        done = by_identity.get(id(operations))
        if done is None:
            key = _operations_key(operations)
            done = applied.get(key)
            if done is None:
                done = _apply(obj, base, start, operations, deciding, built)
                if done.failure is None:
                    applied[key] = done
            if done.failure is None:
                by_identity[id(operations)] = done
        if done.failure is not None:
            operation, exc = done.failure
            path: DocPath = operation.doc_path or ("spec",)
            problems.error(
                obj.location(path), path, f"override for cluster {name!r} does not apply: {exc}"
            )
            decided[name] = decision.noting(*done.notes)
            continue
        deciding_patch = done.deciding
        source = template if deciding_patch is None else done.source(obj, deciding_patch, decision)
        manifest, notes = done.manifest, done.notes
        # A scheduled 0 stays: an autoscaler never scales a workload up from 0,
        # so the explicit 0 is what drains an autoscaled workload.
        if retain and decision.replicas != 0:
            manifest = done.retained(obj)
            notes = (*notes, "retainReplicas: spec.replicas is left to the cluster (e.g. an HPA)")
            source = ValueSource(RETAINED, "retainReplicas", obj.location(_RETAIN_PATH))
        append(RenderedObject(name, manifest, origin, location, done.trail))
        decided[name] = decision.recorded(source, notes)
    return result, decided


@dataclass
class _Applied:
    """One cluster's operations applied to the base object (shared by equal operations)."""

    manifest: Any
    trail: Trail
    notes: tuple[str, ...]
    # The last operation that wrote spec.replicas (or a parent of it), if any.
    deciding: ClusterPatch | None
    failure: tuple[PatchOp, PatchError] | None = None
    _retained: Any = None
    _source: ValueSource | None = None

    def source(
        self, obj: FederatedObject, deciding: ClusterPatch, decision: ClusterDecision
    ) -> ValueSource:
        """Where the replica count of a cluster with these operations (``deciding`` wrote
        it) comes from.

        The scheduler's value has the source the scheduler recorded for the cluster;
        an override entry's is the same for every cluster (made once).
        """
        index, operation, scheduled = deciding
        if scheduled:
            return _operation_source(obj, index, operation, scheduled, decision)
        if self._source is None:
            self._source = _operation_source(obj, index, operation, scheduled, decision)
        return self._source

    def retained(self, obj: FederatedObject) -> Any:
        """The manifest without its replica count (retainReplicas), built once."""
        if self._retained is None:
            self._retained = _drop_replicas(self.manifest, obj)
        return self._retained


def _apply(
    obj: FederatedObject,
    base: dict[str, Any],
    start: Trail,
    operations: tuple[ClusterPatch, ...],
    deciding: Collection[str],
    built: dict[tuple[object, ...], Any],
) -> _Applied:
    """``operations`` applied to ``base``; ``built`` holds the manifest of each effect key
    already applied (the same operations, written in other entries)."""
    effect = _effect_key(operations)
    manifest: Any = built.get(effect) if effect is not None else None
    trail = start
    if manifest is None:
        manifest = base
        for done, (_, operation, _) in enumerate(operations):
            try:
                manifest = apply_patch(manifest, [operation])
            except PatchError as exc:
                notes, last = _described(operations[:done], deciding)
                return _Applied(manifest, trail, notes, last, (operation, exc))
            if _may_change_identity(operation.path):
                trail = trail.step(manifest, _override_source(obj, operation))
        manifest = drop_empty_metadata_maps(manifest)
        if effect is not None:
            built[effect] = manifest
    # else the same operations on the same base built this manifest (and succeeded);
    # none of them can change the identity, so the trail stays at its start.
    notes, last = _described(operations, deciding)
    return _Applied(manifest, trail, notes, last)


def _described(
    operations: tuple[ClusterPatch, ...], deciding: Collection[str]
) -> tuple[tuple[str, ...], ClusterPatch | None]:
    """What ``operations`` say in the notes, and the last of them that decides replicas."""
    notes = tuple(_describe_operation(index, operation) for index, operation, _ in operations)
    last = next((p for p in reversed(operations) if p.patch.path in deciding), None)
    return notes, last


def _effect_key(operations: tuple[ClusterPatch, ...]) -> tuple[object, ...] | None:
    """Equal keys for operation lists that build equal manifests, wherever they are written.

    Unlike :func:`_operations_key` it leaves out the entry and its place in the file
    (which only the notes and the trail show).  None when a value is not plain (keyed by
    identity, equal values would simply miss) or an operation may change the identity
    (whose trail records each step).  A float is keyed by its ``repr``: ``0.0 == -0.0``,
    but they are written differently.
    """
    key: list[object] = []
    for _, operation, _ in operations:
        value = operation.value
        kind = type(value)
        if kind not in _PLAIN_VALUES or _may_change_identity(operation.path):
            return None
        key.append((operation.op, operation.path, kind, repr(value) if kind is float else value))
    return tuple(key)


# The top-level fields an object's identity is read from (kfedgen.identity.Identity.of).
_IDENTITY_FIELDS = frozenset(("apiVersion", "kind", "metadata"))


def _may_change_identity(path: str) -> bool:
    """Whether an operation at ``path`` can change the object's identity.

    Patching copies only the containers along the path, so an operation under any other
    top-level field leaves the identity's values the very same objects: its trail step
    would find no change.  (An escaped first token, ``~0`` or ``~1``, decodes to a name
    with ``~`` or ``/``, never to one of these fields.)
    """
    return path[1:].partition("/")[0] in _IDENTITY_FIELDS


# Values compared by type as well as value: 1, 1.0 and True are equal in Python but are
# written differently.
_PLAIN_VALUES = (str, int, bool, float, type(None))


def _operations_key(operations: tuple[ClusterPatch, ...]) -> tuple[object, ...]:
    """Equal keys for operation lists that build the same object.

    An operation with a plain value is keyed by what it is; any other by its identity
    (alive as long as the decisions are), so equal but distinct structures simply miss.
    """
    key: list[object] = []
    for index, operation, scheduled in operations:
        value = operation.value
        if type(value) in _PLAIN_VALUES:
            what: object = (operation.op, operation.path, type(value), value, operation.doc_path)
        else:
            what = id(operation)
        key.append((index, scheduled, what))
    return tuple(key)


_RETAIN_PATH = ("spec", "retainReplicas")


def _template_source(obj: FederatedObject) -> ValueSource:
    """The template's own replica count (or none: Kubernetes defaults it)."""
    if replica_count(obj.template, obj) is not None:
        path = ("spec", "template", *tokens(obj.target.replicas_pointer))
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


def _drop_replicas(manifest: dict[str, Any], obj: FederatedObject) -> dict[str, Any]:
    if obj.target.replicas_path:  # the extension's field: removed as a remove op would
        try:
            result: dict[str, Any] = apply_patch(
                manifest, [PatchOp("remove", obj.target.replicas_pointer)]
            )
        except PatchError:
            return manifest
        return result
    spec = manifest.get("spec")
    if not isinstance(spec, dict) or "replicas" not in spec:
        return manifest
    trimmed = dict(manifest)
    trimmed["spec"] = {k: v for k, v in spec.items() if k != "replicas"}
    return trimmed
