"""Karmada propagation, offline: which policy takes each plain object, where it goes, how many
replicas each cluster gets, and the per-cluster manifests.

For every plain object of the fleet (``FleetSpec.plain``) this does what Karmada's detector and
scheduler would do on a fresh control plane (reference ``karmada-fleet-admiralty.md`` section 1):

1. choose the policy: a PropagationPolicy of the object's namespace before any
   ClusterPropagationPolicy; then higher ``priority``; then the more precise selector (name,
   label selector, kind); then the smaller policy name (``getHighestPriorityPropagationPolicy``);
2. filter clusters: ``clusterAffinity`` (or the first schedulable group of
   ``clusterAffinities``), ``clusterTolerations`` against NoSchedule/NoExecute taints, and the
   spread-constraint property check (a cluster without a region cannot spread by region);
3. select clusters by ``spreadConstraints`` where that is decidable offline (see
   :func:`_select_by_spread`);
4. assign replicas (``AssignReplicas``): Duplicated, static weights (Webster, ties by name
   ascending as for an empty UID), dynamic weight or Aggregated from declared capacity;
   clusters left with 0 replicas are dropped; non-workloads go to every selected cluster;
5. write the assigned replicas as ``ReviseReplica`` does, for Divided scheduling only.

Live state does not exist here: no claim by an earlier policy, no preemption, no failover, no
previous assignment (so dynamic divisions run as a first schedule), no scheduler scores.

Namespaces follow Karmada's namespace sync where the fleet says enough: a plain ``Namespace``
goes to every cluster (unless reserved or labelled
``namespace.karmada.io/skip-auto-propagation``); a namespace that no document declares is
created in the clusters that receive its objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.identity import Identity, Trail
from kfedgen.karmada.policies import (
    AGGREGATED,
    DUPLICATED,
    IMPLICIT_PRIORITY_NAMES,
    STATIC_WEIGHT,
    ClusterAffinity,
    OverridePolicy,
    Placement,
    PropagationPolicy,
    ResourceRef,
    SpreadConstraint,
    cluster_name_references,
    selectors_priority,
)
from kfedgen.karmada.webster import (
    allocate_webster_seats,
    divide_by_static_weights,
    resolve_static_weights,
)
from kfedgen.load import Document
from kfedgen.materialize import RenderedObject, drop_empty_metadata_maps
from kfedgen.model import Cluster, FleetSpec, Referable
from kfedgen.references import report_unknown_cluster
from kfedgen.resolve import ClusterDecision, Resolution
from kfedgen.selectors import is_dns1123_label, object_name_problem

# The detector never propagates objects of these namespaces (names.IsReservedNamespace, and
# the default --skipped-propagating-namespaces=kube-.*); namespace sync also skips "default".
_RESERVED_NAMESPACES = frozenset({"karmada-system", "karmada-cluster"})
_EXECUTION_SPACE_PREFIX = "karmada-es-"
_SKIPPED_NAMESPACES = re.compile(r"kube-.*")
SKIP_AUTO_PROPAGATION_LABEL = "namespace.karmada.io/skip-auto-propagation"

# The kinds Karmada's default interpreter knows replicas of (GetReplicas), and the field its
# ReviseReplica writes them to (Pods always count one replica and are never revised).
_WORKLOADS: dict[tuple[str, str], str | None] = {
    ("apps/v1", "Deployment"): "replicas",
    ("apps/v1", "StatefulSet"): "replicas",
    ("batch/v1", "Job"): "parallelism",
    ("v1", "Pod"): None,
}
_INT32_MAX = 2**31 - 1


def ignored_namespace(namespace: str) -> bool:
    """Whether Karmada's detector ignores objects of ``namespace``."""
    return (
        namespace in _RESERVED_NAMESPACES
        or namespace.startswith(_EXECUTION_SPACE_PREFIX)
        or _SKIPPED_NAMESPACES.fullmatch(namespace) is not None
    )


def _synced_namespace(name: str) -> bool:
    """``namespaceShouldBeSynced``: every namespace but reserved ones and ``default``."""
    return name != "default" and not ignored_namespace(name)


@dataclass(frozen=True)
class PlainObject(Referable):
    """A plain Kubernetes object that Karmada may propagate (or a namespace it creates)."""

    manifest: Mapping[str, Any]
    ident: ResourceRef
    where: Location
    doc: Document | None = None

    @classmethod
    def of(cls, doc: Document) -> PlainObject:
        return cls(doc.data, ResourceRef.of(doc.data), doc.location(), doc)

    @property
    def api_version(self) -> str:
        return self.ident.api_version

    @property
    def kind(self) -> str:
        return self.ident.kind

    @property
    def name(self) -> str:
        return self.ident.name

    @property
    def namespace(self) -> str:
        return self.ident.namespace

    @property
    def is_namespace(self) -> bool:
        return (self.api_version, self.kind) == ("v1", "Namespace")

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path) if self.doc is not None else self.where


@dataclass(frozen=True)
class Workload:
    """What the scheduler divides: the replicas of a workload and where they are written."""

    replicas: int
    field: str | None
    completions: int | None = None  # a Job's spec.completions, when the manifest sets it


@dataclass
class KarmadaResolution:
    """Where one plain object goes: a decision for every inventory cluster.

    Shaped like :class:`kfedgen.resolve.Resolution` (``obj.ref``, ``decisions``,
    ``schedule_notes``, ``scheduled_by``, ``clusters``) so that ``plan`` and ``explain`` treat
    KubeFed and Karmada objects alike.  ``policy`` is None for namespaces that Karmada's
    namespace sync creates.
    """

    obj: PlainObject
    policy: PropagationPolicy | None
    decisions: dict[str, ClusterDecision]
    schedule_notes: dict[str, str] = field(default_factory=dict)
    scheduled_by: str = ""
    # cluster -> the spec fields ReviseReplica writes there (e.g. {"replicas": 4}).
    revisions: dict[str, dict[str, int]] = field(default_factory=dict)
    # cluster -> the weight it was divided by (static weight or declared capacity).
    weights: dict[str, int] = field(default_factory=dict)
    # The replicas Karmada's interpreter reads (None: not a workload).
    workload: Workload | None = None

    @property
    def ref(self) -> str:
        return self.obj.ref

    @property
    def clusters(self) -> list[str]:
        """The clusters the object is placed in, sorted."""
        return sorted(name for name, d in self.decisions.items() if d.placed)


class _Unschedulable(Exception):
    """The scheduler finds no placement (Karmada reports it on the binding)."""

    def __init__(self, message: str, reasons: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.reasons = reasons  # per cluster, what the filters found


@dataclass(frozen=True)
class _NotEmulated(Exception):
    """The policy needs something kfedgen cannot decide offline: an input error."""

    path: DocPath
    message: str
    hint: str = ""


# -- the stage ---------------------------------------------------------------------------


def propagate(
    spec: FleetSpec, resolutions: Sequence[Resolution], problems: Problems
) -> tuple[list[KarmadaResolution], list[Document]]:
    """Decide where every plain object goes; return the decisions and the unselected objects.

    ``resolutions`` (the KubeFed ones) tell which namespaces KubeFed already renders where.
    Unknown cluster names in any Karmada policy are errors, as in KubeFed placements.
    """
    _check_cluster_references(spec, problems)
    karmada_mode = bool(spec.propagation_policies)
    clusters = spec.cluster_list()
    result: list[KarmadaResolution] = []
    unselected: list[Document] = []
    seen: dict[tuple[str, str, str], PlainObject] = {}
    for doc in spec.plain:
        obj = PlainObject.of(doc)
        if not karmada_mode:
            unselected.append(doc)
            continue
        if obj.namespace and ignored_namespace(obj.namespace):
            problems.warning(
                obj.location(("metadata", "namespace")),
                ("metadata", "namespace"),
                f"{obj.ref} is in namespace {obj.namespace}, whose objects Karmada never "
                "propagates; it is not rendered",
            )
            continue
        synced = _synced_by_namespace_sync(obj)
        choice = _choose_policy(obj, spec.propagation_policies)
        if not synced and choice is None:
            unselected.append(doc)
            continue
        # Only what is rendered needs a usable name: it becomes a file name.
        if not _check_identity(obj, seen, problems):
            continue
        if synced:
            result.append(_namespace_sync(obj, choice, clusters, problems))
        elif choice is not None:
            result.append(_propagate_object(obj, choice, clusters, problems))
    if karmada_mode:
        result.extend(_implicit_namespaces(spec, resolutions, result, problems))
    return result, unselected


def render_propagated(karmada: Iterable[KarmadaResolution]) -> list[RenderedObject]:
    """Each propagated object as each of its clusters receives it (replicas revised)."""
    rendered = []
    for resolution in karmada:
        obj = resolution.obj
        base = drop_empty_metadata_maps(dict(obj.manifest))
        trail = Trail.start(base, Identity.of(base).as_source(), obj, (), "the resource template")
        by_revision: dict[tuple[tuple[str, int], ...], Mapping[str, Any]] = {}
        for cluster in resolution.clusters:
            revision = tuple(sorted(resolution.revisions.get(cluster, {}).items()))
            manifest = by_revision.get(revision)
            if manifest is None:
                # Clusters with the same replicas share one manifest (copy-on-write).
                manifest = _with_spec_fields(base, dict(revision)) if revision else base
                by_revision[revision] = manifest
            rendered.append(RenderedObject(cluster, manifest, obj.ref, obj.location(), trail))
    return rendered


def _with_spec_fields(manifest: Mapping[str, Any], values: Mapping[str, int]) -> dict[str, Any]:
    """A copy of ``manifest`` with ``spec.<field>`` set (``helper.ApplyReplica``)."""
    copy = dict(manifest)
    spec = copy.get("spec")
    copy["spec"] = {**(spec if isinstance(spec, Mapping) else {}), **values}
    return copy


# -- references and identity -------------------------------------------------------------------


def _check_cluster_references(spec: FleetSpec, problems: Problems) -> None:
    policies: list[PropagationPolicy | OverridePolicy] = [
        *spec.propagation_policies,
        *spec.override_policies,
    ]
    for policy in policies:
        for path, name in cluster_name_references(policy):
            report_unknown_cluster(spec, name, policy.location(path), path, problems)


def _check_identity(
    obj: PlainObject, seen: dict[tuple[str, str, str], PlainObject], problems: Problems
) -> bool:
    """A propagated object needs a valid name (it becomes a file name) and is defined once."""
    problem = object_name_problem(obj.name)
    if problem:
        problems.error(obj.location(("metadata", "name")), ("metadata", "name"), problem)
        return False
    if obj.namespace and not is_dns1123_label(obj.namespace):
        problems.error(
            obj.location(("metadata", "namespace")),
            ("metadata", "namespace"),
            f"namespace {obj.namespace!r} is not a DNS-1123 label",
        )
        return False
    key = (obj.api_version, obj.kind, obj.key)
    first = seen.setdefault(key, obj)
    if first is not obj:
        problems.error(
            obj.location(("metadata", "name")),
            ("metadata", "name"),
            f"{obj.ref} ({obj.api_version}) is defined twice; the first is at {first.location()}",
        )
        return False
    return True


# -- namespaces --------------------------------------------------------------------------------


def _synced_by_namespace_sync(obj: PlainObject) -> bool:
    """Whether namespace sync propagates this object: a Namespace that does not opt out."""
    if not obj.is_namespace or not _synced_namespace(obj.name):
        return False
    # Opted out: left to a ClusterPropagationPolicy.
    return str(obj.ident.labels.get(SKIP_AUTO_PROPAGATION_LABEL, "")).lower() != "true"


def _namespace_sync(
    obj: PlainObject, choice: _Choice | None, clusters: Sequence[Cluster], problems: Problems
) -> KarmadaResolution:
    """A declared Namespace goes to every cluster (Karmada's namespace sync controller)."""
    if choice is not None:
        problems.warning(
            obj.location(("kind",)),
            (),
            f"{obj.ref} goes to every cluster by Karmada's namespace sync; the placement of "
            f"{choice[0].ref} has no effect on it",
            f'label it {SKIP_AUTO_PROPAGATION_LABEL}: "true" to place it with the policy',
        )
    reason = "Karmada's namespace sync propagates every namespace to every cluster"
    decisions = {c.name: ClusterDecision(c.name) for c in clusters}
    for decision in decisions.values():
        decision.place(reason)
    return KarmadaResolution(obj, None, decisions)


def _implicit_namespaces(
    spec: FleetSpec,
    kubefed: Sequence[Resolution],
    karmada: Sequence[KarmadaResolution],
    problems: Problems,
) -> list[KarmadaResolution]:
    """Namespaces that propagated objects need in their clusters.

    A namespace declared nowhere (no Namespace document, no FederatedNamespace) would exist in
    Karmada's control plane all the same, and namespace sync would create it in every member
    cluster; kfedgen creates it where objects of it land.  A declared namespace that is not
    rendered where an object of it lands is a warning: the object would not apply there.
    """
    present: set[tuple[str, str]] = set()  # (cluster, namespace) with a Namespace rendered
    declared = set(spec.namespaces)
    for resolution in kubefed:
        if resolution.obj.target.is_namespace:
            present.update((c, resolution.obj.namespace) for c in resolution.clusters)
    for item in karmada:
        if item.obj.is_namespace:
            present.update((c, item.obj.name) for c in item.clusters)
    declared.update(item.obj.name for item in karmada if item.obj.is_namespace)
    declared.update(
        obj.name for obj in map(PlainObject.of, spec.plain) if obj.is_namespace and obj.name
    )
    # namespace -> cluster -> the first object landing there
    needed: dict[str, dict[str, PlainObject]] = {}
    for item in karmada:
        namespace = item.obj.namespace
        if not namespace or not _synced_namespace(namespace):
            continue
        for cluster in item.clusters:
            # A declared namespace is not created here: kfedgen.identity reports the object.
            if (cluster, namespace) in present or namespace in declared:
                continue
            needed.setdefault(namespace, {}).setdefault(cluster, item.obj)
    result = []
    for namespace in sorted(needed):
        users = needed[namespace]
        first_user = next(iter(users.values()))
        manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        obj = PlainObject(manifest, ResourceRef.of(manifest), first_user.location())
        decisions = {c.name: ClusterDecision(c.name) for c in spec.cluster_list()}
        for name, decision in decisions.items():
            if name in users:
                decision.place(
                    f"{users[name].ref} lands here and no document declares namespace {namespace}; "
                    "Karmada's namespace sync would create it (in every cluster)"
                )
            else:
                decision.drop(f"no propagated object of namespace {namespace} lands here")
        result.append(KarmadaResolution(obj, None, decisions))
    return result


# -- policy choice ----------------------------------------------------------------------------


_Choice = tuple[PropagationPolicy, int, list[str]]


def _choose_policy(obj: PlainObject, policies: Sequence[PropagationPolicy]) -> _Choice | None:
    """The winning policy, its implicit priority, and why each other match lost."""
    matches = []
    for policy in policies:
        if policy.namespaced and policy.namespace != obj.namespace:
            continue
        implicit = selectors_priority(policy.selectors, obj.ident)
        if implicit:
            matches.append((policy, implicit))
    if not matches:
        return None
    namespaced = [m for m in matches if m[0].namespaced]
    candidates = namespaced or matches
    # getHighestPriorityPropagationPolicy: priority, then implicit priority, then smaller name.
    best, implicit = min(candidates, key=lambda m: (-m[0].priority, -m[1], m[0].name))
    losers = []
    for policy, other in matches:
        if policy is best:
            continue
        if namespaced and not policy.namespaced:
            why = "a PropagationPolicy of the object's namespace wins over cluster-wide ones"
        elif policy.priority != best.priority:
            why = f"priority {policy.priority} < {best.priority}"
        elif other != implicit:
            why = f"{IMPLICIT_PRIORITY_NAMES[other]} is less precise"
        else:
            why = f"name {policy.name!r} sorts after {best.name!r}"
        losers.append(f"{policy.ref} also selects it but loses: {why}")
    return best, implicit, losers


def _propagate_object(
    obj: PlainObject, choice: _Choice, clusters: Sequence[Cluster], problems: Problems
) -> KarmadaResolution:
    policy, implicit, losers = choice
    decisions = {c.name: ClusterDecision(c.name) for c in clusters}
    selected = (
        f"selected by {policy.ref} (priority {policy.priority}, "
        f"{IMPLICIT_PRIORITY_NAMES[implicit]})"
    )
    for decision in decisions.values():
        decision.note(selected)
        for loser in losers:
            decision.note(loser)
    resolution = KarmadaResolution(obj, policy, decisions)
    try:
        workload = _workload(obj)
    except _Unreadable as exc:
        problems.error(obj.location(exc.path), exc.path, exc.message)
        return resolution
    resolution.workload = workload
    try:
        outcome = _schedule(policy.placement, clusters, workload)
    except _NotEmulated as exc:
        problems.error(policy.location(exc.path), exc.path, exc.message, exc.hint)
        return resolution
    if outcome.error:
        for name, decision in decisions.items():
            for reason in outcome.reasons[name]:
                decision.note(reason)
            decision.drop(f"not scheduled: {outcome.error}")
        problems.warning(
            obj.location(("kind",)),
            (),
            f"{obj.ref} is not scheduled by {policy.ref}: {outcome.error}; it is not rendered",
        )
        return resolution
    _apply_outcome(resolution, policy, outcome, workload)
    _apply_suspension(resolution, policy)
    return resolution


# -- workloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unreadable(Exception):
    """A replica field Karmada's interpreter could not convert."""

    path: DocPath
    message: str


def _workload(obj: PlainObject) -> Workload | None:
    """The object's replicas as Karmada's interpreter reads them; None for non-workloads.

    Values the API server would default are defaulted (Deployment and StatefulSet replicas 1;
    Job parallelism 1, completions 1 when neither is set).  Raises :class:`_Unreadable` for a
    value that is not an int32.
    """
    key = (obj.api_version, obj.kind)
    if key not in _WORKLOADS:
        return None
    target = _WORKLOADS[key]
    if target is None:
        return Workload(1, None)  # a Pod is one replica
    spec = obj.manifest.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    values = {}
    for name in (target, "completions") if target == "parallelism" else (target,):
        value = spec.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _INT32_MAX
        ):
            raise _Unreadable(("spec", name), f"spec.{name} must be a non-negative integer (int32)")
        values[name] = value
    if target == "replicas":
        replicas = values["replicas"]
        return Workload(1 if replicas is None else replicas, "replicas")
    parallelism, completions = values["parallelism"], values["completions"]
    replicas = 1 if parallelism is None else parallelism
    bound = completions if completions is not None else (1 if parallelism is None else replicas)
    # For a Job with fixed completions, pods beyond the completions never run.
    return Workload(min(replicas, bound), "parallelism", completions)


# -- scheduling -----------------------------------------------------------------------------


@dataclass
class _Outcome:
    """One scheduling result: per-cluster reasons and the assignment."""

    reasons: dict[str, list[str]]
    assigned: dict[str, int | None]  # cluster -> replicas (None: not a workload)
    notes: dict[str, str] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    strategy: str = ""
    error: str = ""  # when nothing could be scheduled: the first group's reason
    placed_as: str = ""  # why replicas are not divided
    dropped: dict[str, str] = field(default_factory=dict)  # cluster -> why it got nothing


def _schedule(
    placement: Placement, clusters: Sequence[Cluster], workload: Workload | None
) -> _Outcome:
    """Run the scheduler for each affinity group in turn; the first that schedules wins.

    When none does, the outcome carries the first group's reason in ``error``, as Karmada
    reports the first failure.
    """
    groups: list[tuple[str, ClusterAffinity | None]] = [
        (f"clusterAffinities[{t.index}] ({t.name})", t.affinity) for t in placement.affinity_terms
    ] or [("clusterAffinity", placement.affinity)]
    failures: list[tuple[str, _Unschedulable]] = []
    for label, affinity in groups:
        try:
            outcome = _schedule_group(placement, label, affinity, clusters, workload)
        except _Unschedulable as exc:
            failures.append((label, exc))
            continue
        for failed_label, failure in reversed(failures):
            for cluster_reasons in outcome.reasons.values():
                cluster_reasons.insert(0, f"{failed_label} is not schedulable: {failure}")
        return outcome
    first = failures[0][1]
    return _Outcome(first.reasons, {}, error=str(first))


def _schedule_group(
    placement: Placement,
    label: str,
    affinity: ClusterAffinity | None,
    clusters: Sequence[Cluster],
    workload: Workload | None,
) -> _Outcome:
    reasons: dict[str, list[str]] = {c.name: [] for c in clusters}
    candidates = _filter(placement, label, affinity, clusters, reasons)
    selected = _select_by_spread(placement, candidates, workload, reasons)
    outcome = _Outcome(reasons, {})
    _assign(placement, selected, workload, outcome)
    return outcome


def _filter(
    placement: Placement,
    label: str,
    affinity: ClusterAffinity | None,
    clusters: Sequence[Cluster],
    reasons: dict[str, list[str]],
) -> list[Cluster]:
    """The filter plugins: ClusterAffinity, TaintToleration, SpreadConstraint."""
    candidates = []
    for cluster in clusters:
        why = affinity.mismatch(cluster) if affinity is not None else None
        if why is not None:
            reasons[cluster.name].append(f"{label} does not select it: {why}")
            continue
        taint = next(
            (
                t
                for t in cluster.taints
                if t.effect in ("NoSchedule", "NoExecute")
                and not any(tol.tolerates(t) for tol in placement.tolerations)
            ),
            None,
        )
        if taint is not None:
            reasons[cluster.name].append(f"taint {taint} is not tolerated")
            continue
        missing = _missing_spread_property(cluster, placement.spread_constraints)
        if missing is not None:
            reasons[cluster.name].append(
                f"it has no {missing.field}, which spreadConstraints[{missing.index}] spreads by"
            )
            continue
        if affinity is None:
            reasons[cluster.name].append("no clusterAffinity: every cluster is a candidate")
        else:
            reasons[cluster.name].append(f"{label} selects it ({affinity.describe()})")
        candidates.append(cluster)
    if not candidates:
        raise _Unschedulable(f"0/{len(clusters)} clusters are available", reasons)
    return candidates


def _missing_spread_property(
    cluster: Cluster, constraints: Sequence[SpreadConstraint]
) -> SpreadConstraint | None:
    """The SpreadConstraint filter plugin: spreading by a field needs the cluster to have it."""
    for constraint in constraints:
        value = {
            "provider": cluster.provider,
            "region": cluster.region,
            "zone": ",".join(cluster.zones),
        }.get(constraint.field, "-")
        if not value:
            return constraint
    return None


def _select_by_spread(
    placement: Placement,
    candidates: list[Cluster],
    workload: Workload | None,
    reasons: dict[str, list[str]],
) -> list[Cluster]:
    """``SelectBestClusters`` where it is decidable without live scores and capacity.

    Static weights ignore spread constraints (as Karmada does).  Otherwise only a ``cluster``
    constraint with Duplicated scheduling is emulated: candidates ordered by available replicas
    (declared, else the workload's replicas, as Karmada assumes without an estimator)
    descending, then by name, and the first ``maxGroups`` kept.  Region selection and
    capacity-driven selection for divided replicas depend on Karmada's group scoring, which
    needs live data: they are errors.
    """
    constraints = placement.spread_constraints
    scheduling = placement.replica_scheduling
    if not constraints or scheduling.ignores_spread_constraints:
        return candidates
    by_field = {c.field: c for c in constraints if c.field}
    spread: DocPath = ("spec", "placement", "spreadConstraints")
    if "region" in by_field:
        raise _NotEmulated(
            (*spread, by_field["region"].index),
            "spreadByField: region is not emulated offline: Karmada chooses regions by "
            "scheduler scores and live capacity",
            "spread by cluster, or pick the regions with clusterAffinity",
        )
    if "cluster" not in by_field:
        raise _NotEmulated(
            spread,
            "Karmada schedules only by cluster and region spread constraints "
            "(spreadByLabel alone fails)",
        )
    if scheduling.strategy != DUPLICATED:
        raise _NotEmulated(
            (*spread, by_field["cluster"].index),
            "spreadConstraints with Divided replicas are not emulated offline: Karmada picks "
            "clusters by live capacity",
            "use Duplicated scheduling, or static weights (which ignore spreadConstraints)",
        )
    constraint = by_field["cluster"]
    fallback = workload.replicas if workload is not None else 0
    ordered = sorted(candidates, key=lambda c: (-_available(c, fallback), c.name))
    if len(ordered) < constraint.min_groups:
        raise _Unschedulable(
            f"{len(ordered)} feasible clusters are fewer than spreadConstraints"
            f"[{constraint.index}].minGroups {constraint.min_groups}",
            reasons,
        )
    keep = min(constraint.max_groups, len(ordered))
    for cluster in ordered[keep:]:
        reasons[cluster.name].append(_spread_drop(constraint, keep))
    if keep == 0:
        raise _Unschedulable(
            f"spreadConstraints[{constraint.index}].maxGroups 0 selects no cluster", reasons
        )
    return ordered[:keep]


def _spread_drop(constraint: SpreadConstraint, keep: int) -> str:
    return (
        f"spreadConstraints[{constraint.index}] keeps the first {keep} candidates "
        f"(maxGroups {constraint.max_groups}; ordered by available replicas, then name)"
    )


def _available(cluster: Cluster, fallback: int) -> int:
    return cluster.available_replicas if cluster.available_replicas is not None else fallback


def _assign(
    placement: Placement, selected: list[Cluster], workload: Workload | None, outcome: _Outcome
) -> None:
    """``AssignReplicas`` for the selected clusters."""
    scheduling = placement.replica_scheduling
    names = [c.name for c in selected]
    if workload is None or workload.replicas == 0:
        # Not a workload (or no replicas): every selected cluster, no replica numbers.
        outcome.assigned = dict.fromkeys(names)
        outcome.placed_as = (
            "not a workload" if workload is None else "0 replicas: scheduled like a non-workload"
        )
        return
    strategy = scheduling.strategy
    outcome.strategy = strategy
    replicas = workload.replicas
    if strategy == DUPLICATED:
        outcome.assigned = dict.fromkeys(names, replicas)
        outcome.notes = dict.fromkeys(names, "duplicated")
        return
    if strategy == STATIC_WEIGHT:
        by_name = {c.name: c for c in selected}
        if scheduling.has_weight_preference:
            rules = [(w.target, w.weight) for w in scheduling.static_weights]
            weights = resolve_static_weights(
                names, rules, lambda name, target: target.matches(by_name[name])
            )
        else:
            weights = dict.fromkeys(names, 1)  # getDefaultWeightPreference
        if not any(weights.values()):
            weights = dict.fromkeys(names, 1)
            outcome.notes = dict.fromkeys(names, "weight 1 (no staticWeightList entry matches)")
        else:
            outcome.notes = {n: f"static weight {w}" for n, w in weights.items() if w}
        outcome.weights = {n: w for n, w in weights.items() if w}
        assigned = divide_by_static_weights(replicas, weights)
        for name, weight in weights.items():
            if not weight:
                outcome.dropped[name] = "no staticWeightList entry matches it (weight 0)"
            elif name not in assigned:
                outcome.dropped[name] = (
                    f"static weight {weight} gets 0 of {replicas} replicas; Karmada drops "
                    "clusters left with none"
                )
        outcome.assigned = dict(assigned)
        return
    _assign_by_capacity(selected, replicas, outcome)


def _assign_by_capacity(selected: list[Cluster], replicas: int, outcome: _Outcome) -> None:
    """DynamicWeight and Aggregated on a fresh schedule, from declared capacity."""
    missing = [c.name for c in selected if c.available_replicas is None]
    if missing:
        raise _NotEmulated(
            ("spec", "placement", "replicaScheduling"),
            f"{outcome.strategy} division needs each cluster's capacity, which Karmada "
            f"estimates live; declare it for {', '.join(missing)}",
            "set availableReplicas in the Fleet, or the kfedgen.io/available-replicas "
            "annotation on a Karmada Cluster",
        )
    available = {c.name: c.available_replicas or 0 for c in selected}
    total = sum(available.values())
    if total < replicas:
        raise _Unschedulable(
            f"clusters' available replicas {total} are not enough for {replicas}", outcome.reasons
        )
    ordered = sorted(available, key=lambda n: (-available[n], n))
    chosen = ordered
    if outcome.strategy == AGGREGATED:
        # The shortest prefix (most available first) that can hold every replica.
        running = 0
        for count, name in enumerate(ordered, start=1):
            running += available[name]
            if running >= replicas:
                chosen = ordered[:count]
                break
        for name in ordered[len(chosen) :]:
            outcome.dropped[name] = "Aggregated: the clusters before it hold every replica"
    seats = allocate_webster_seats(replicas, {n: available[n] for n in chosen})
    outcome.assigned = {n: s for n, s in seats.items() if s > 0}
    outcome.notes = {n: f"available {available[n]}" for n in chosen}
    outcome.weights = {n: available[n] for n in chosen}
    for name in chosen:
        if name not in outcome.assigned:
            outcome.dropped[name] = "gets 0 replicas; Karmada drops clusters left with none"


_STRATEGY_TEXT = {
    DUPLICATED: "Duplicated: every cluster gets spec.replicas",
    STATIC_WEIGHT: "Divided by static weights (Webster method, ties by cluster name)",
    "DynamicWeight": "Divided by dynamic weight (declared available replicas)",
    AGGREGATED: "Divided, Aggregated (fewest clusters by declared available replicas)",
}


def _apply_outcome(
    resolution: KarmadaResolution,
    policy: PropagationPolicy,
    outcome: _Outcome,
    workload: Workload | None,
) -> None:
    """Turn a scheduling outcome into decisions and the ReviseReplica values."""
    divided = policy.placement.replica_scheduling.type == "Divided"
    if outcome.strategy:
        resolution.scheduled_by = f"{policy.ref}: {_STRATEGY_TEXT[outcome.strategy]}"
    completions = _split_completions(outcome.assigned, workload) if divided else {}
    for name, decision in resolution.decisions.items():
        reasons = list(outcome.reasons.get(name, []))
        if name not in outcome.assigned:
            # The filter or selection step that left the cluster out says why, last.
            last = outcome.dropped.get(name) or (reasons.pop() if reasons else "not selected")
            for reason in reasons:
                decision.note(reason)
            decision.drop(last)
            continue
        for reason in reasons:
            decision.note(reason)
        replicas = outcome.assigned[name]
        decision.replicas = replicas
        if replicas is None:
            decision.place(f"{outcome.placed_as}: it goes to every selected cluster")
            continue
        if name in outcome.notes:
            resolution.schedule_notes[name] = outcome.notes[name]
        if name in outcome.weights:
            resolution.weights[name] = outcome.weights[name]
        note = outcome.notes.get(name, "")
        count = f"{replicas} replica{'' if replicas == 1 else 's'}"
        text = f"{note} → {count}" if note else count
        if divided and workload is not None and workload.field is not None:
            revision = {workload.field: replicas}
            if name in completions:
                revision["completions"] = completions[name]
            resolution.revisions[name] = revision
            written = ", ".join(f"spec.{k} = {v}" for k, v in revision.items())
            text += f" ({written})"
        decision.place(text)


def _split_completions(
    assigned: Mapping[str, int | None], workload: Workload | None
) -> dict[str, int]:
    """A divided Job's completions, split by the Webster dispenser over the assigned replicas."""
    if workload is None or workload.completions is None:
        return {}
    weights = {n: r for n, r in assigned.items() if r}
    return allocate_webster_seats(workload.completions, weights) if weights else {}


def _apply_suspension(resolution: KarmadaResolution, policy: PropagationPolicy) -> None:
    suspension = policy.suspension
    for name, decision in resolution.decisions.items():
        if not decision.placed:
            continue
        if suspension.everywhere:
            decision.drop("suspension.dispatching stops dispatching to every cluster")
        elif name in suspension.clusters:
            decision.drop("suspension.dispatchingOnClusters stops dispatching here")
