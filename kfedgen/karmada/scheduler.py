"""Karmada's scheduler for one object on a fresh control plane, offline.

Source: ``pkg/scheduler/core`` (``generic_scheduler.go``, ``spreadconstraint``,
``assignment.go``, ``division_algorithm.go``) and the filter plugins ``APIEnablement``,
``ClusterAffinity``, ``TaintToleration`` and ``SpreadConstraint``:

1. filter clusters: the object's API served by the cluster (``APIEnablement``, answered by
   the caller), ``clusterAffinity`` (or the first schedulable group of
   ``clusterAffinities``, whose ``overflowAffinities`` admit further clusters for a
   workload, each in its overflow tier), ``clusterTolerations`` against NoSchedule/NoExecute
   taints, the spread-constraint property check (a cluster without a region cannot spread
   by region), and ``WorkloadAffinity``/``WorkloadAntiAffinity`` against the bindings
   scheduled before (answered by the caller);
2. select clusters by ``spreadConstraints`` (:mod:`kfedgen.karmada.spreadselection` over the
   port :mod:`kfedgen.karmada.spreadconstraint`): cluster and region spread, from declared
   capacity, every cluster scoring 0 as on a first schedule;
3. assign replicas (``AssignReplicas``): Duplicated, static weights (Webster, ties by name
   ascending as for an empty UID), dynamic weight or Aggregated from declared capacity,
   overflow tier by tier (``common.go`` ``assignWorkloadReplicas``: each tier takes at most
   its available replicas); clusters left with 0 replicas are dropped; non-workloads go to
   every selected cluster.

Live state does not exist here: no previous assignment (so dynamic divisions run as a first
schedule), so the score plugins score every cluster 0.  Every step says in words why it kept
or dropped a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kfedgen.karmada.dynamicdivision import NotEnoughReplicas, divide_in_tiers, sort_by_available
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.policytypes import (
    AGGREGATED,
    DUPLICATED,
    STATIC_WEIGHT,
    ClusterAffinity,
    ClusterLike,
    OverflowTerm,
    Placement,
    SpreadConstraint,
    TaintLike,
)
from kfedgen.karmada.schedulingerrors import NotEmulated, Unschedulable
from kfedgen.karmada.spreadselection import Declared, select_by_spread
from kfedgen.karmada.webster import (
    divide_by_static_weights,
    resolve_static_weights,
)
from kfedgen.karmada.workloadaffinity import GroupCheck, no_groups

__all__ = ["Cluster", "NotEmulated", "Outcome", "schedule"]


class Cluster(ClusterLike, Protocol):
    """What the scheduler sees of a member cluster (:class:`kfedgen.model.Cluster`)."""

    @property
    def taints(self) -> tuple[TaintLike, ...]: ...
    @property
    def available_replicas(self) -> int | None: ...


@dataclass
class Outcome:
    """One scheduling result: per-cluster reasons and the assignment."""

    reasons: dict[str, list[str]]
    assigned: dict[str, int | None]  # cluster -> replicas (None: not a workload)
    notes: dict[str, str] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    strategy: str = ""
    error: str = ""  # when nothing could be scheduled: the first group's reason
    placed_as: str = ""  # why replicas are not divided
    dropped: dict[str, str] = field(default_factory=dict)  # cluster -> why it got nothing
    # overflowAffinities: each selected cluster's tier (0: the primary group), tier names.
    tiers: dict[str, int] = field(default_factory=dict)
    tier_names: dict[int, str] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()  # the clusters that passed the filters


# How the reasons of a cluster the APIEnablement filter drops begin (``plan`` finds them).
API_FILTERED = "APIEnablement filters it out"

# The APIEnablement filter's question, by cluster name: why the cluster does not serve the
# object's API, or None when it does (or the inventory cannot tell).
APICheck = Callable[[str], str | None]


def _serves_all(_cluster: str) -> str | None:
    return None


def schedule(
    placement: Placement,
    clusters: Sequence[Cluster],
    workload: Workload | None,
    missing_api: APICheck = _serves_all,
    workload_groups: GroupCheck = no_groups,
    declared: Declared | None = None,
) -> Outcome:
    """Run the scheduler for each affinity group in turn; the first that schedules wins.

    When none does, the outcome carries the first group's reason in ``error``, as Karmada
    reports the first failure.  ``missing_api`` is the ``APIEnablement`` filter,
    ``workload_groups`` the ``WorkloadAffinity`` and ``WorkloadAntiAffinity`` filters;
    ``declared`` each cluster's available replicas for the workload (by default the
    clusters' manual ``available_replicas``).
    """
    if declared is None:
        declared = {c.name: c.available_replicas for c in clusters}
    groups: list[tuple[str, ClusterAffinity | None, tuple[OverflowTerm, ...]]] = [
        (f"clusterAffinities[{t.index}] ({t.name})", t.affinity, t.overflow)
        for t in placement.affinity_terms
    ] or [("clusterAffinity", placement.affinity, ())]
    failures: list[tuple[str, Unschedulable]] = []
    for label, affinity, overflow in groups:
        group = _Group(label, affinity, overflow)
        try:
            outcome = _schedule_group(
                placement, group, clusters, workload, missing_api, workload_groups, declared
            )
        except Unschedulable as exc:
            failures.append((label, exc))
            continue
        for failed_label, failure in reversed(failures):
            for cluster_reasons in outcome.reasons.values():
                cluster_reasons.insert(0, f"{failed_label} is not schedulable: {failure}")
        return outcome
    first = failures[0][1]
    return Outcome(first.reasons, {}, error=str(first))


@dataclass(frozen=True)
class _Group:
    """One affinity group the scheduler tries: its label, affinity and overflow groups."""

    label: str
    affinity: ClusterAffinity | None
    overflow: tuple[OverflowTerm, ...] = ()

    def tier(self, cluster: Cluster, workload: Workload | None) -> tuple[int, str] | None:
        """``getClusterOverflowOrder`` and the ClusterAffinity filter: the cluster's tier.

        0 for the primary group, ``i + 1`` for the first overflow group ``i`` that matches
        (only a workload overflows, ``cluster_affinity.go`` ``Filter``); None when no group
        selects it.  The text says which group selected it.
        """
        affinity = self.affinity
        if affinity is None:
            return 0, "no clusterAffinity: every cluster is a candidate"
        if affinity.matches(cluster):
            return 0, f"{self.label} selects it ({affinity.describe()})"
        if workload is not None and workload.replicas > 0:
            for term in self.overflow:
                if term.affinity.matches(cluster):
                    return term.index + 1, (
                        f"{self.label} overflowAffinities[{term.index}] ({term.name}) selects "
                        f"it ({term.affinity.describe()}): overflow tier {term.index + 1}"
                    )
        return None


def _schedule_group(
    placement: Placement,
    group: _Group,
    clusters: Sequence[Cluster],
    workload: Workload | None,
    missing_api: APICheck,
    workload_groups: GroupCheck,
    declared: Declared,
) -> Outcome:
    reasons: dict[str, list[str]] = {c.name: [] for c in clusters}
    candidates, tiers = _filter(
        placement, group, clusters, workload, reasons, missing_api, workload_groups
    )
    selected, available = select_by_spread(
        placement, candidates, workload, reasons, declared, tiers
    )
    outcome = Outcome(reasons, {}, candidates=tuple(c.name for c in candidates))
    if group.overflow and workload is not None and workload.replicas > 0:
        outcome.tiers = {name: tiers[name] for name in (c.name for c in selected)}
        outcome.tier_names = {0: group.label, **{t.index + 1: t.name for t in group.overflow}}
    _assign(placement, selected, available, workload, outcome)
    return outcome


def _filter(
    placement: Placement,
    group: _Group,
    clusters: Sequence[Cluster],
    workload: Workload | None,
    reasons: dict[str, list[str]],
    missing_api: APICheck,
    workload_groups: GroupCheck,
) -> tuple[list[Cluster], dict[str, int]]:
    """The filter plugins: APIEnablement, ClusterAffinity, TaintToleration, SpreadConstraint.

    Then WorkloadAffinity and WorkloadAntiAffinity (:mod:`kfedgen.karmada.workloadaffinity`).
    Karmada runs its plugins in its registry map's order; the candidates are the same in any
    order, and a cluster's reasons name the first filter that fails it here.  Returns the
    candidates with each one's overflow tier.
    """
    candidates = []
    tiers: dict[str, int] = {}
    for cluster in clusters:
        # APIEnablement (pkg/scheduler/framework/plugins/apienablement, Filter): a fresh
        # control plane has no previous target to keep, so only the API decides.
        unserved = missing_api(cluster.name)
        if unserved is not None:
            reasons[cluster.name].append(f"{API_FILTERED}: {unserved}")
            continue
        tier = group.tier(cluster, workload)
        if tier is None:
            why = group.affinity.mismatch(cluster) if group.affinity is not None else None
            also = " (nor does any of its overflowAffinities)" if group.overflow else ""
            reasons[cluster.name].append(f"{group.label} does not select it{also}: {why}")
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
        grouped = workload_groups(cluster.name)
        if grouped is not None and not grouped.passes:
            reasons[cluster.name].append(grouped.reason)
            continue
        reasons[cluster.name].append(tier[1])
        if grouped is not None:
            reasons[cluster.name].append(grouped.reason)
        tiers[cluster.name] = tier[0]
        candidates.append(cluster)
    if not candidates:
        raise Unschedulable(f"0/{len(clusters)} clusters are available", reasons)
    return candidates, tiers


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


def _assign(
    placement: Placement,
    selected: list[Cluster],
    available: dict[str, int],
    workload: Workload | None,
    outcome: Outcome,
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
    _assign_by_capacity([c.name for c in selected], available, replicas, outcome)


def _assign_by_capacity(
    selected: list[str], available: dict[str, int], replicas: int, outcome: Outcome
) -> None:
    """DynamicWeight and Aggregated on a first schedule (``dynamicdivision``), tier by tier."""
    orders = sorted({outcome.tiers.get(n, 0) for n in selected})
    tiers = [
        sort_by_available([n for n in selected if outcome.tiers.get(n, 0) == order], available)
        for order in orders
    ]
    try:
        results = divide_in_tiers(
            replicas,
            [[(n, available[n]) for n in tier] for tier in tiers],
            outcome.strategy == AGGREGATED,
        )
    except NotEnoughReplicas as exc:
        raise Unschedulable(
            f"clusters' available replicas {exc.available} are not enough for {replicas}",
            outcome.reasons,
        ) from None
    for order, tier, (chosen, assigned) in zip(orders, tiers, results, strict=False):
        outcome.assigned.update(assigned)
        for name in tier[len(chosen) :]:
            outcome.dropped[name] = "Aggregated: the clusters before it hold every replica"
        where = f", overflow tier {order} ({outcome.tier_names[order]})" if order else ""
        outcome.notes.update({n: f"available {available[n]}{where}" for n in chosen})
        outcome.weights.update({n: available[n] for n in chosen})
        for name in chosen:
            if name not in assigned:
                outcome.dropped[name] = "gets 0 replicas; Karmada drops clusters left with none"
    for order, tier in zip(orders[len(results) :], tiers[len(results) :], strict=True):
        for name in tier:
            outcome.dropped[name] = (
                f"overflow tier {order} ({outcome.tier_names[order]}) is not needed: the tiers "
                "before it hold every replica"
            )
