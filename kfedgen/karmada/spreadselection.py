"""Spread-constraint selection for one object on a fresh schedule, with reasons in words.

This feeds :mod:`kfedgen.karmada.spreadconstraint` (the pure port of Karmada's
``pkg/scheduler/core/spreadconstraint``) what Karmada's scheduler would hold offline, and says
for every candidate why the constraints kept or left it out.

* **Scores.**  Every cluster scores 0.  The default registry
  (``pkg/scheduler/framework/plugins/registry.go``) has two score plugins:
  ``ClusterAffinity.Score`` always returns ``MinClusterScore`` (0), and ``ClusterLocality.Score``
  returns 0 while the binding has no target clusters (``spec.clusters``), which a first
  schedule never has.  The rest (APIEnablement, TaintToleration, SpreadConstraint,
  ClusterEviction) only filter.  So the order of clusters comes from available replicas, then
  names.
* **Available replicas** (``pkg/scheduler/core/util.go`` ``calAvailableReplicas``): a
  non-workload (or 0 replicas) is not estimated, every cluster has ``math.MaxInt32``; a
  workload takes each cluster's declared capacity, the smallest estimate over the
  estimators, which the caller works out (:mod:`kfedgen.placement.capacity`: the manual
  override, node pools, or a Karmada Cluster's resource models and summary).  Where none
  is declared, Duplicated scheduling uses the object's replicas (Karmada's value when no
  estimator answers); anything that divides replicas or selects by capacity needs the
  declaration, and its absence is an input error naming the clusters.
* **Overflow order** (``group_clusters.go`` ``getClusterOverflowOrder``): the caller's tier
  of each candidate (0 for the primary group), which sorts clusters before their score.
* **Previous placement.**  None: a first schedule has no assigned replicas (so available
  equals allocatable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from kfedgen.errors import DocPath
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.policytypes import (
    DUPLICATED,
    STATIC_WEIGHT,
    ClusterLike,
    Placement,
    SpreadConstraint,
)
from kfedgen.karmada.schedulingerrors import NotEmulated, Unschedulable
from kfedgen.karmada.spreadconstraint import (
    MAX_INT32,
    NO_REGION_COMBINATION,
    NOT_ENOUGH_RESOURCE,
    TOO_FEW_CLUSTERS,
    TOO_FEW_REGIONS,
    ClusterDetail,
    GroupedClusters,
    Scheduling,
    SpreadError,
    select_clusters,
)

_SPREAD: DocPath = ("spec", "placement", "spreadConstraints")
CAPACITY_HINT = (
    "in the Fleet, compute.nodePools with allocatable or availableReplicas; on a Karmada "
    "Cluster, status.resourceSummary or the kfedgen.io/available-replicas annotation"
)
# Cluster name -> declared available replicas (None: nothing declares them).
Declared = Mapping[str, int | None]

C = TypeVar("C", bound=ClusterLike)


def needs_capacity(placement: Placement, workload: Workload | None) -> bool:
    """Whether scheduling this object reads each cluster's capacity beyond a fallback."""
    if workload is None or workload.replicas == 0:
        return False
    scheduling = placement.replica_scheduling
    if scheduling.type == DUPLICATED:
        return False
    return _spread_applies(placement) or scheduling.strategy != STATIC_WEIGHT


def reads_capacity(placement: Placement, workload: Workload | None) -> bool:
    """Whether the schedule reads the clusters' available replicas at all."""
    if workload is None or workload.replicas == 0:
        return False
    return _spread_applies(placement) or needs_capacity(placement, workload)


def _spread_applies(placement: Placement) -> bool:
    """Spread constraints select the clusters (not ignored under static weights)."""
    ignored = placement.replica_scheduling.ignores_spread_constraints
    return bool(placement.spread_constraints) and not ignored


def available_replicas(
    placement: Placement,
    clusters: Sequence[ClusterLike],
    workload: Workload | None,
    path: DocPath,
    declared: Declared,
) -> dict[str, int]:
    """Each candidate's available replicas as ``calAvailableReplicas`` would have them."""
    if workload is None or workload.replicas == 0:
        return {c.name: MAX_INT32 for c in clusters}
    if needs_capacity(placement, workload):
        missing = [c.name for c in clusters if declared.get(c.name) is None]
        if missing:
            what = (
                "spreadConstraints with Divided replicas select clusters by"
                if path == _SPREAD
                else f"{placement.replica_scheduling.strategy} division needs"
            )
            raise NotEmulated(
                path,
                f"{what} each cluster's capacity, which Karmada estimates live; declare it "
                f"for {', '.join(missing)}",
                CAPACITY_HINT,
            )
    fallback = workload.replicas
    return {c.name: _or(declared.get(c.name), fallback) for c in clusters}


def _or(value: int | None, fallback: int) -> int:
    return fallback if value is None else value


def select_by_spread(
    placement: Placement,
    candidates: Sequence[C],
    workload: Workload | None,
    reasons: dict[str, list[str]],
    declared: Declared,
    tiers: Mapping[str, int] | None = None,
) -> tuple[list[C], dict[str, int]]:
    """``SelectClusters`` on a fresh schedule: the selected clusters in upstream order.

    Returns them with every candidate's available replicas (for the division).  Raises
    :class:`Unschedulable` with upstream's reason, or :class:`NotEmulated` when a needed
    capacity is not declared.
    """
    constraints = placement.spread_constraints
    scheduling = placement.replica_scheduling
    applies = bool(constraints) and not scheduling.ignores_spread_constraints
    divided_spread = applies and scheduling.type != DUPLICATED
    path = _SPREAD if divided_spread else ("spec", "placement", "replicaScheduling")
    available = available_replicas(placement, candidates, workload, path, declared)
    details = [
        ClusterDetail(
            c.name,
            0,
            available[c.name],
            available[c.name],
            c.provider,
            c.region,
            c.zones,
            (tiers or {}).get(c.name, 0),
        )
        for c in candidates
    ]
    facts = Scheduling(
        duplicated=scheduling.type == DUPLICATED,
        ignores_spread=scheduling.ignores_spread_constraints,
    )
    replicas = workload.replicas if workload is not None else 0
    by_name = {c.name: c for c in candidates}
    if applies and not any(c.field in ("cluster", "region") for c in constraints):
        raise NotEmulated(
            _SPREAD,
            "Karmada schedules only by cluster and region spread constraints "
            "(spreadByLabel alone fails)",
        )
    cluster = _last(constraints, "cluster")
    if applies and _last(constraints, "region") is None and cluster and not cluster.max_groups:
        # selectBestClustersByCluster keeps min(candidates, maxGroups): none at all.
        raise Unschedulable(
            f"spreadConstraints[{cluster.index}] has no maxGroups, so it selects no cluster "
            "(Karmada has no default for it)",
            reasons,
        )
    try:
        grouped, chosen = select_clusters(details, constraints, facts, replicas)
    except SpreadError as exc:
        raise Unschedulable(_failure(exc, constraints, details, replicas), reasons) from None
    if not applies:
        return [by_name[c.name] for c in chosen], available
    _explain(constraints, facts, grouped, chosen, replicas, reasons)
    return [by_name[c.name] for c in chosen], available


def _failure(
    exc: SpreadError,
    constraints: Sequence[SpreadConstraint],
    details: Sequence[ClusterDetail],
    replicas: int,
) -> str:
    """Why selection failed, with the numbers, then Karmada's own words."""
    region = _last(constraints, "region")
    cluster = _last(constraints, "cluster")
    clusters, regions = len(details), len({c.region for c in details if c.region})
    detail = str(exc)
    if exc.reason == TOO_FEW_CLUSTERS and cluster is not None:
        detail = (
            f"{clusters} feasible clusters are fewer than spreadConstraints[{cluster.index}]"
            f".minGroups {cluster.min_groups}"
        )
    elif exc.reason == TOO_FEW_REGIONS and region is not None:
        detail = (
            f"{regions} feasible regions are fewer than spreadConstraints[{region.index}]"
            f".minGroups {region.min_groups}"
        )
    elif exc.reason == NO_REGION_COMBINATION and region is not None and cluster is not None:
        detail = (
            f"no {region.min_groups} to {region.max_groups or 'unlimited'} of the {regions} "
            f"regions together have the {cluster.min_groups} clusters "
            f"spreadConstraints[{cluster.index}].minGroups needs"
        )
    elif exc.reason == NOT_ENOUGH_RESOURCE and cluster is not None:
        keep = min(clusters, cluster.max_groups)
        detail = (
            f"no {keep} of the {clusters} feasible clusters (spreadConstraints"
            f"[{cluster.index}].maxGroups {cluster.max_groups}) hold {replicas} replicas"
        )
    return f"{detail} (Karmada: {exc})" if detail != str(exc) else detail


def _last(constraints: Sequence[SpreadConstraint], field: str) -> SpreadConstraint | None:
    return next((c for c in reversed(constraints) if c.field == field), None)


def _explain(
    constraints: Sequence[SpreadConstraint],
    facts: Scheduling,
    grouped: GroupedClusters,
    chosen: Sequence[ClusterDetail],
    replicas: int,
    reasons: dict[str, list[str]],
) -> None:
    """Say for every candidate why the spread constraints selected it or left it out."""
    picked = {c.name for c in chosen}
    ranks = {c.name: index for index, c in enumerate(grouped.clusters, start=1)}
    total = len(grouped.clusters)
    region = _last(constraints, "region")
    cluster = _last(constraints, "cluster")
    if region is None and cluster is not None:
        head = f"spreadConstraints[{cluster.index}] (cluster, maxGroups {cluster.max_groups})"
        keep = len(chosen)
        rule = f"the first {keep} by available replicas, then name, are kept"
        if not facts.duplicated:
            # Every score is 0, so the first maxGroups already hold the most replicas and
            # selectClustersByAvailableResource never swaps; say what they hold.
            held = sum(c.available for c in chosen)
            rule += f" (they hold {held} of the {replicas} replicas needed)"
        for detail in grouped.clusters:
            rank = f"rank {ranks[detail.name]} of {total} (available {_count(detail.available)})"
            verb = "selects it" if detail.name in picked else "leaves it out"
            reasons[detail.name].append(f"{head} {verb}: {rank}; {rule}")
        return
    if region is None:
        return  # select_best_clusters raised for this already
    chosen_regions = sorted({c.region for c in chosen})
    head = f"spreadConstraints[{region.index}] (region, minGroups {region.min_groups}, " + (
        f"maxGroups {region.max_groups})"
    )
    groups = [grouped.regions[name] for name in chosen_regions]
    combination = (
        f"{'region' if len(groups) == 1 else 'regions'} {' + '.join(chosen_regions)} "
        f"(score {sum(g.score for g in groups)}, "
        f"{_clusters(sum(len(g.clusters) for g in groups))}) "
        f"{'is' if len(groups) == 1 else 'are'} the preferred combination"
    )
    need = cluster.min_groups if cluster is not None else 0
    rule = (
        f"of {region.min_groups} to {region.max_groups or 'any number of'} regions with at "
        f"least {_clusters(need)} (highest total score, then most clusters, then first found)"
    )
    first = {group.clusters[0].name for group in grouped.regions.values()}
    for detail in grouped.clusters:
        name, own = detail.name, grouped.regions[detail.region]
        if name in picked:
            role = (
                "the best cluster of its region"
                if name in first
                else "a further cluster of a selected region, by available replicas, then name"
            )
            reasons[name].append(
                f"{head} selects its region {detail.region}: {combination}; it is {role}"
            )
        elif detail.region in chosen_regions:
            limit = cluster.max_groups if cluster is not None else 0
            reasons[name].append(
                f"{head} selects its region {detail.region}, but the cluster maxGroups {limit} "
                "is filled by clusters ahead of it (available replicas, then name)"
            )
        else:
            reasons[name].append(
                f"{head} leaves out its region {detail.region} (score {own.score}, "
                f"{_clusters(len(own.clusters))}): {combination} {rule}"
            )


def _clusters(count: int) -> str:
    return f"{count} cluster" if count == 1 else f"{count} clusters"


def _count(value: int) -> str:
    return "not estimated" if value == MAX_INT32 else str(value)
