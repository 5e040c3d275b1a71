"""Dynamic-weight and Aggregated division on a first schedule (``division_algorithm.go``).

On a first schedule Karmada's ``assignByDynamicStrategy`` has no assigned replicas and runs
``dynamicScaleUp``: the selected clusters' allocatable replicas, sorted descending
(:func:`sort_by_available`), then ``dynamicDivideReplicas`` (:func:`divide`): Aggregated
keeps the shortest prefix that holds every replica, and the replicas are spread over the kept
clusters with their capacities as weights (``helper.SpreadReplicasByTargetClusters``, the
Webster method of :mod:`kfedgen.karmada.webster`, names ascending for an empty UID).
With ``overflowAffinities`` the clusters form tiers that are filled in order
(:func:`divide_in_tiers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kfedgen.karmada.webster import allocate_webster_seats


class NotEnoughReplicas(Exception):
    """``dynamicDivideReplicas``: the clusters' available replicas are fewer than the target."""

    def __init__(self, available: int, target: int) -> None:
        super().__init__(f"Clusters available replicas {available} are not enough to schedule.")
        self.available = available
        self.target = target


def sort_by_available(names: Sequence[str], available: Mapping[str, int]) -> list[str]:
    """``sort.Sort(TargetClustersList)``: most available replicas first.

    ``TargetClustersList.Less`` compares replicas only; up to 12 clusters Go's pdqsort sorts by
    insertion, which keeps equal clusters in their given order, as this stable sort does.
    Beyond 12, Go may permute equal clusters; that only matters for which of them an
    Aggregated prefix keeps (README, Karmada policies, differences).
    """
    return sorted(names, key=lambda name: -available[name])


def divide(
    target: int, ordered: Sequence[tuple[str, int]], aggregated: bool
) -> tuple[list[str], dict[str, int]]:
    """``dynamicDivideReplicas`` over ``(cluster, available)`` in the given order.

    Returns the clusters that take part (all of them, or Aggregated's prefix) and the
    replicas of each, clusters with 0 left out (``removeZeroReplicasCluster``).
    """
    total = sum(replicas for _, replicas in ordered)
    if total < target:
        raise NotEnoughReplicas(total, target)
    kept = list(ordered)
    if aggregated:
        running = 0
        for count, (_, replicas) in enumerate(ordered, start=1):
            running += replicas
            if running >= target:
                kept = list(ordered[:count])
                break
    seats = allocate_webster_seats(target, dict(kept))
    return [name for name, _ in kept], {n: s for n, s in seats.items() if s > 0}


def divide_in_tiers(
    target: int, tiers: Sequence[Sequence[tuple[str, int]]], aggregated: bool
) -> list[tuple[list[str], dict[str, int]]]:
    """``assignWorkloadReplicas`` with overflow (``pkg/scheduler/core/common.go``).

    ``tiers`` are the overflow tiers in order (the primary group first), each a list of
    ``(cluster, available)`` sorted as :func:`sort_by_available` sorts them.  Each tier in
    turn takes at most the replicas its clusters have available, divided among them by
    :func:`divide`, until every replica is placed; later tiers get nothing.  Returns each
    tier's result that was reached.  Raises :class:`NotEnoughReplicas` when every tier
    together holds fewer than ``target``.
    """
    results = []
    remaining = target
    for tier in tiers:
        if not tier:
            continue
        share = min(remaining, sum(replicas for _, replicas in tier))
        results.append(divide(share, tier, aggregated))
        remaining -= share
        if remaining <= 0:
            break
    if remaining > 0:
        available = sum(replicas for tier in tiers for _, replicas in tier)
        raise NotEnoughReplicas(available, target)
    return results
