"""ReplicaSchedulingPreference scheduling: apply each RSP to the object it targets.

An RSP (read by :mod:`kfedgen.frontends.kubefed.rsp`) divides ``totalReplicas`` of the
FederatedDeployment or FederatedReplicaSet with its own namespace and name over the
member clusters, with KubeFed's planner (:mod:`kfedgen.placement.kubefed_planner`).
The result is written the way KubeFed's scheduling plugin writes it (reference 3.4):
the planned clusters, zeros included, *replace* the object's placement, and every
planned cluster gets its count as a ``/spec/replicas`` override that wins over the
user's own.

kfedgen extends this with **drain**: an inventory cluster with ``schedulable: false``
is left out of planning, like a cluster that is not Ready in KubeFed, but it stays
placed with an explicit ``replicas: 0``, so its share moves to the other clusters and
the workload is scaled down there rather than deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from kfedgen.decisions import SCHEDULER, ClusterPatch, Preference, ValueSource
from kfedgen.errors import Problems
from kfedgen.frontends.kubefed.rsp import CLUSTERS_PATH
from kfedgen.model import (
    WILDCARD_CLUSTER,
    Cluster,
    ClusterPreferences,
    FleetSpec,
    Placement,
    ReplicaSchedulingPreference,
)
from kfedgen.placement.cluster_overrides import replicas_override, with_scheduled_replicas
from kfedgen.placement.kubefed_planner import (
    effective_preferences,
    may_overflow_int64,
    plan_replicas,
)
from kfedgen.placement.resolve import (
    ClusterDecision,
    ClusterSelection,
    Resolution,
    namespace_gate,
)

# --------------------------------------------------------------------------------------
# What the scheduler decided for one cluster (for reasons, `plan` and `explain`)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterSchedule:
    """How an RSP arrived at one cluster's replicas."""

    replicas: int
    # The spec.clusters key that applied: the cluster's name or "*"; None when neither
    # exists (the cluster is planned 0).  ``defaulted``: "*" came from KubeFed's default
    # for an empty map, not from the document.
    key: str | None
    preference: ClusterPreferences | None
    defaulted: bool = False
    drained: bool = False

    @property
    def at_max(self) -> bool:
        """The cluster got its ``maxReplicas``: the cap stopped it growing further."""
        maximum = self.preference.max_replicas if self.preference else None
        return not self.drained and maximum is not None and self.replicas == maximum

    def as_preference(self) -> Preference | None:
        """The preference that applied, as ``plan`` shows it (None: no key applies)."""
        if self.preference is None or self.key is None:
            return None
        return Preference(
            key=self.key,
            weight=self.preference.weight,
            min_replicas=self.preference.min_replicas,
            max_replicas=self.preference.max_replicas,
            text=self.describe_preference(),
            defaulted=self.defaulted,
        )

    def describe_preference(self) -> str:
        """``cluster1: weight 2, min 0, max none``; ``none`` when no key applies."""
        if self.preference is None or self.key is None:
            return "none"
        maximum = self.preference.max_replicas
        key = f"{self.key} (default)" if self.defaulted else self.key
        return (
            f"{key}: weight {self.preference.weight}, min {self.preference.min_replicas}, "
            f"max {'none' if maximum is None else maximum}"
        )


def cluster_schedule(
    rsp: ReplicaSchedulingPreference, cluster: Cluster, replicas: int
) -> ClusterSchedule:
    """Which preference applied to ``cluster`` and whether it was drained."""
    effective = effective_preferences(rsp.clusters)
    key = _preference_key(effective, cluster.name)
    return ClusterSchedule(
        replicas=replicas,
        key=key,
        preference=effective.get(key) if key is not None else None,
        defaulted=not rsp.clusters,
        drained=not cluster.schedulable,
    )


def _preference_key(effective: Mapping[str, ClusterPreferences], cluster: str) -> str | None:
    """The ``spec.clusters`` key that applies to ``cluster`` (None: neither its name nor "*")."""
    if cluster in effective:
        return cluster
    return WILDCARD_CLUSTER if WILDCARD_CLUSTER in effective else None


@dataclass(frozen=True)
class _Shared:
    """What the clusters with one schedule (count, preference key, drained) all get."""

    schedule: ClusterSchedule
    note: str  # for `plan`
    reason: str  # the decision's reason
    preference: Preference | None
    at_max: bool


# --------------------------------------------------------------------------------------
# Scheduling
# --------------------------------------------------------------------------------------


def schedule_replicas(
    spec: FleetSpec, resolutions: Iterable[Resolution], problems: Problems
) -> list[Resolution]:
    """The resolutions with every RSP applied to the object it targets (after ``place``).

    The validate step (:mod:`kfedgen.frontends.kubefed.validate`) has reported a second
    RSP for one object and every reference nothing answers; such an RSP is not applied.
    """
    by_ref = {resolution.obj.ref: resolution for resolution in resolutions}
    selection = ClusterSelection(spec.cluster_list())
    first: dict[str, ReplicaSchedulingPreference] = {}
    for rsp in spec.preferences:
        if first.setdefault(rsp.key, rsp) is not rsp:
            continue
        if any(key != WILDCARD_CLUSTER and key not in spec.clusters for key in rsp.clusters):
            continue
        if may_overflow_int64(rsp.total_replicas, sorted(spec.clusters), rsp.clusters):
            problems.error(
                rsp.location(CLUSTERS_PATH),
                CLUSTERS_PATH,
                "these weights overflow KubeFed's 64-bit arithmetic (totalReplicas times a "
                "weight, or the sum of the weights, exceeds 2^63-1)",
                "use smaller weights: only their ratios matter",
            )
            continue
        resolution = by_ref.get(rsp.target_ref)
        if resolution is not None:
            by_ref[rsp.target_ref] = _Scheduler(rsp, resolution, spec, selection, problems).run()
    return list(by_ref.values())


class _Scheduler:
    """One RSP applied to one resolution: plan, then rewrite placement and replicas."""

    def __init__(
        self,
        rsp: ReplicaSchedulingPreference,
        resolution: Resolution,
        spec: FleetSpec,
        selection: ClusterSelection,
        problems: Problems,
    ) -> None:
        self.rsp = rsp
        self.resolution = resolution
        self.obj = resolution.obj
        self.spec = spec
        self.problems = problems
        self.selection = selection
        self.clusters = selection.clusters
        self.gate = namespace_gate(self.obj, spec, selection)
        self.source = ValueSource(SCHEDULER, rsp.ref, rsp.location(CLUSTERS_PATH))
        # Thousands of clusters get one of a few counts under one preference: the texts,
        # preference and operations of each are made once (_shared, _operations).
        self.effective = effective_preferences(rsp.clusters)
        self.by_schedule: dict[tuple[int, str | None, bool], _Shared] = {}
        self.unpatched: dict[int, tuple[ClusterPatch, ...]] = {}

    def run(self) -> Resolution:
        """The resolution as this RSP leaves it."""
        candidates = self._candidates()
        if not candidates:
            # KubeFed's reconcile is a no-op without clusters; with the intersection
            # that is worth a warning, an empty inventory is reported elsewhere.
            if self.rsp.intersect_with_cluster_selector:
                return self._warn_no_candidates()
            return self.resolution
        planning = [c.name for c in candidates if c.schedulable]
        result = plan_replicas(
            self.rsp.total_replicas,
            planning,
            self.rsp.clusters,
            self.rsp.key,
            rebalance=self.rsp.rebalance,
        )
        # KubeFed's schedule(): result = plan + overflow (always empty offline);
        # a drained cluster is kept at 0, as KubeFed keeps a cluster that is no
        # longer Ready but still holds the object.
        replicas = {c.name: 0 for c in candidates if not c.schedulable}
        replicas.update(result.plan)
        for name, extra in result.overflow.items():
            replicas[name] += extra
        lost: dict[str, int] = {}
        decisions = {}
        notes = {}
        for cluster in self.clusters:
            decision = self.resolution.decisions[cluster.name]
            if cluster.name in replicas:
                shared = self._shared(cluster, replicas[cluster.name])
                notes[cluster.name] = shared.note
                decisions[cluster.name] = self._apply(cluster, decision, shared, lost)
            else:
                decisions[cluster.name] = self._leave_out(decision)
        self._warn_shortfall(planning, sum(result.plan.values()))
        self._warn_lost(lost)
        self._warn_retained(replicas)
        return replace(
            self.resolution.with_decisions(decisions),
            scheduled_by=self.rsp.ref,
            schedule_notes={**self.resolution.schedule_notes, **notes},
        )

    # -- which clusters -----------------------------------------------------------------

    def _candidates(self) -> list[Cluster]:
        """The clusters KubeFed's scheduler considers, drained ones included.

        Without ``intersectWithClusterSelector`` that is every cluster.  With it,
        KubeFed's ComputeNamespacedPlacement with selectorOnly: the object's
        ``clusterSelector`` (its ``clusters`` list is ignored) and the
        FederatedNamespace's placement.
        """
        if not self.rsp.intersect_with_cluster_selector:
            return list(self.clusters)
        selected = self.selection.select(Placement(None, self.obj.placement.selector))
        if self.gate is not None:
            selected &= self.gate.allowed
        return [c for c in self.clusters if c.name in selected]

    # -- writing the result ---------------------------------------------------------------

    def _shared(self, cluster: Cluster, replicas: int) -> _Shared:
        """The schedule of ``cluster`` and what it shares with every cluster scheduled alike."""
        drained = not cluster.schedulable
        key = (replicas, _preference_key(self.effective, cluster.name), drained)
        found = self.by_schedule.get(key)
        if found is None:
            schedule = cluster_schedule(self.rsp, cluster, replicas)
            found = _Shared(
                schedule,
                _schedule_note(schedule),
                f"{self.rsp.ref} {_plan_reason(schedule)}",
                schedule.as_preference(),
                schedule.at_max,
            )
            self.by_schedule[key] = found
        return found

    def _operations(
        self, operations: tuple[ClusterPatch, ...], replicas: int
    ) -> tuple[ClusterPatch, ...]:
        """``operations`` with the scheduled count; the many clusters without overrides share."""
        if operations:
            return with_scheduled_replicas(self.obj, operations, replicas)
        found = self.unpatched.get(replicas)
        if found is None:
            found = self.unpatched[replicas] = with_scheduled_replicas(self.obj, (), replicas)
        return found

    def _apply(
        self,
        cluster: Cluster,
        decision: ClusterDecision,
        shared: _Shared,
        lost: dict[str, int],
    ) -> ClusterDecision:
        schedule = shared.schedule
        replicas = schedule.replicas
        placed = True
        reasons = [*decision.reasons, shared.reason]
        if self.gate is not None and not self.gate.admits(cluster.name):
            if replicas and self.gate.federated:
                lost[cluster.name] = replicas
            placed = False
            reasons.append(self.gate.refused())
        else:
            if not decision.placed and self.gate is not None:
                reasons.append(self.gate.admitted())
            if decision.operations:  # most clusters have no override to replace
                reasons.extend(self._replaced_overrides(cluster.name, decision, replicas))
            if self.obj.retain_replicas and replicas == 0:
                reasons.append(
                    "retainReplicas: true, but a cluster planned 0 replicas keeps replicas: 0 "
                    "(an autoscaler does not scale a workload up from 0)"
                )
        # One new decision with everything the scheduler decided about the cluster.
        return ClusterDecision(
            cluster.name,
            placed,
            tuple(reasons),
            replicas=replicas,
            replicas_from=self.source,
            preference=shared.preference,
            drained=schedule.drained,
            at_max=shared.at_max,
            operations=self._operations(decision.operations, replicas),
        )

    def _leave_out(self, decision: ClusterDecision) -> ClusterDecision:
        why = (
            "it is not in the object's clusterSelector and its FederatedNamespace "
            "(intersectWithClusterSelector)"
        )
        if decision.placed:
            return decision.dropping(
                f"{self.rsp.ref} does not plan it: {why}; its planned clusters replace "
                "the placement"
            )
        return decision.noting(f"{self.rsp.ref} does not plan it either: {why}")

    def _replaced_overrides(
        self, cluster: str, decision: ClusterDecision, replicas: int
    ) -> tuple[str, ...]:
        """A user's ``/spec/replicas`` override loses to the scheduler (reference 3.4)."""
        found = replicas_override(self.obj, decision.operations)
        if found is None:
            return ()
        path = (*found.patch.doc_path, "value")
        self.problems.warning(
            self.obj.location(path),
            path,
            f"{self.rsp.ref} sets the replicas of cluster {cluster!r}; "
            "this override's value is replaced",
            "remove the override, or the RSP's preference for this cluster",
        )
        return (
            f"{self.rsp.ref} replaces the value of overrides[{found.entry}] {found.patch.path} "
            f"({found.patch.value!r}) with {replicas}, keeping its position",
        )

    # -- warnings ---------------------------------------------------------------------------

    def _warn_no_candidates(self) -> Resolution:
        nothing = (
            f"{self.rsp.ref} changes nothing: the object's clusterSelector and its "
            "FederatedNamespace select no cluster (intersectWithClusterSelector)"
        )
        path = ("spec", "intersectWithClusterSelector")
        self.problems.warning(
            self.rsp.location(path),
            path,
            f"{self.obj.ref}'s clusterSelector and FederatedNamespace select no cluster, so "
            f"{self.rsp.ref} changes nothing (as in KubeFed)",
            "the object's placement.clusters list is ignored here: give it a clusterSelector",
        )
        decisions = self.resolution.decisions
        return self.resolution.with_decisions({n: d.noting(nothing) for n, d in decisions.items()})

    def _warn_shortfall(self, planning: list[str], planned: int) -> None:
        if planned >= self.rsp.total_replicas:
            return
        path = ("spec", "totalReplicas")
        if not planning:
            message = (
                f"no schedulable cluster to plan: {self.obj.ref} gets 0 replicas everywhere "
                f"instead of {self.rsp.total_replicas}"
            )
            hint = "set schedulable: true on a cluster, or add one"
        else:
            message = (
                f"the preferences place only {planned} of {self.rsp.total_replicas} replicas; "
                "KubeFed leaves the rest unscheduled"
            )
            hint = "raise maxReplicas, or give more clusters a weight"
        self.problems.warning(self.rsp.location(path), path, message, hint)

    def _warn_lost(self, lost: Mapping[str, int]) -> None:
        if not lost:
            return
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(lost.items()))
        self.problems.warning(
            self.rsp.location(("spec",)),
            ("spec",),
            f"{self.rsp.ref} plans replicas for clusters where FederatedNamespace "
            f"{self.obj.namespace} is not placed, so they are not rendered: {listed}",
            "set intersectWithClusterSelector: true, or place the namespace in those clusters",
        )

    def _warn_retained(self, replicas: Mapping[str, int]) -> None:
        if not self.obj.retain_replicas or not any(replicas.values()):
            return
        path = ("spec", "retainReplicas")
        self.problems.warning(
            self.obj.location(path),
            path,
            f"retainReplicas: true leaves spec.replicas to an in-cluster autoscaler, so the "
            f"replica counts of {self.rsp.ref} are not rendered; it still chooses the clusters "
            "(and clusters it plans 0 keep replicas: 0)",
            "remove retainReplicas to let the RSP set replicas, or the RSP to let "
            "the autoscaler own them",
        )


def _plan_reason(schedule: ClusterSchedule) -> str:
    if schedule.drained:
        return (
            "drains it (schedulable: false): 0 replicas, and it stays placed; its share goes "
            "to the other clusters"
        )
    if schedule.preference is None:
        return f"plans 0 replicas here: no preference for it and no {WILDCARD_CLUSTER!r}"
    text = f"plans {schedule.replicas} replicas here ({schedule.describe_preference()}"
    if schedule.at_max:
        text += "; at maxReplicas"
    return text + ")"


def _schedule_note(schedule: ClusterSchedule) -> str:
    note = f"{schedule.replicas} ({schedule.describe_preference()})"
    if schedule.drained:
        note += ", drained"
    if schedule.at_max:
        note += ", at max"
    return note
