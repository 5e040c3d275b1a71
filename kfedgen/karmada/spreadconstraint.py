"""Karmada's spread-constraint cluster selection, ported to plain Python data.

Source: karmada-io/karmada ``f8fdd02df3``, ``pkg/scheduler/core/spreadconstraint``:

* :func:`group_clusters` is ``GroupClustersWithScore`` (``group_clusters.go``): every feasible
  cluster with its score and available replicas, sorted by :func:`sort_clusters`, and -- only
  for the fields a constraint spreads by, and never when the only constraint is ``cluster`` --
  the zone, region and provider groups with their ``calcGroupScore``;
* :func:`select_best_clusters` is ``SelectBestClusters`` (``select_clusters.go``), dispatching
  to ``selectBestClustersByRegion`` (``select_clusters_by_region.go``) or
  ``selectBestClustersByCluster`` (``select_clusters_by_cluster.go``);
* :func:`select_groups` is the combination search of ``select_groups.go``;
* :func:`sort_clusters` is ``sortClusters`` (``util.go``).

Every Go sort here (``sort.Slice``) has a total order ending in the name, so Python's sort gives
the same sequence.  Go's integer division truncates toward zero (:func:`_go_div`).  Errors carry
upstream's messages (:class:`SpreadError`).

The inputs are what the scheduler has after filtering and scoring: names, topology, the summed
score of the score plugins and the available replicas.  Where those come from offline is
:mod:`kfedgen.karmada.scheduler`'s business; nothing here knows about kfedgen's fleet model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kfedgen.karmada.policytypes import SpreadConstraint

# group_clusters.go: a group's score is dominated by this many points per valid cluster/replica.
WEIGHT_UNIT = 1000
# util.go InvalidReplicas: "do not look at available resources" (Duplicated scheduling).
INVALID_REPLICAS = -1
# pkg/util: math.MaxInt32, the available replicas of every cluster for a non-workload
# (calAvailableReplicas does not estimate when spec.replicas is 0).
MAX_INT32 = 2**31 - 1


# Why SelectBestClusters fails (SpreadError.reason).
TOO_FEW_CLUSTERS = "too few clusters"
NOT_ENOUGH_RESOURCE = "not enough resource"
TOO_FEW_REGIONS = "too few regions"
NO_REGION_COMBINATION = "no region combination"
UNSUPPORTED = "unsupported"


class SpreadError(Exception):
    """``SelectBestClusters`` failed; the message is upstream's, ``reason`` one of the above."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ClusterDetail:
    """``ClusterDetailInfo``: a feasible cluster as spread selection sees it."""

    name: str
    score: int = 0
    available: int = 0  # AvailableReplicas: allocatable plus what it already holds
    allocatable: int = 0  # AllocatableReplicas: what the estimators said
    provider: str = ""
    region: str = ""
    zones: tuple[str, ...] = ()
    overflow_order: int = 0


@dataclass(frozen=True)
class Group:
    """A ``ZoneInfo``/``RegionInfo``/``ProviderInfo``: the clusters of one topology value."""

    name: str
    score: int
    available: int
    clusters: tuple[ClusterDetail, ...]


@dataclass(frozen=True)
class GroupedClusters:
    """``GroupClustersInfo``: sorted clusters and the groups of each spread field."""

    clusters: tuple[ClusterDetail, ...]
    zones: Mapping[str, Group] = field(default_factory=dict)
    regions: Mapping[str, Group] = field(default_factory=dict)
    providers: Mapping[str, Group] = field(default_factory=dict)


@dataclass(frozen=True)
class Scheduling:
    """What of ``replicaScheduling`` spread selection looks at."""

    duplicated: bool  # ReplicaSchedulingType Duplicated (or no replicaScheduling)
    ignores_spread: bool  # shouldIgnoreSpreadConstraint (static weights)


def _go_div(a: int, b: int) -> int:
    """Go's ``a / b`` on integers: truncated toward zero."""
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _by_available(a: ClusterDetail, b: ClusterDetail) -> bool | None:
    """The compare function every caller passes: more available replicas first."""
    return a.available > b.available if a.available != b.available else None


def sort_clusters(
    infos: Sequence[ClusterDetail],
    *compare: Callable[[ClusterDetail, ClusterDetail], bool | None],
) -> list[ClusterDetail]:
    """``sortClusters``: overflow order ascending, score descending, ``compare``, then name."""

    def less(a: ClusterDetail, b: ClusterDetail) -> bool:
        if a.overflow_order != b.overflow_order:
            return a.overflow_order < b.overflow_order
        if a.score != b.score:
            return a.score > b.score
        for function in compare:
            result = function(a, b)
            if result is not None:
                return result
        return a.name < b.name

    class _Key:
        __slots__ = ("info",)

        def __init__(self, info: ClusterDetail) -> None:
            self.info = info

        def __lt__(self, other: _Key) -> bool:
            return less(self.info, other.info)

    return sorted(infos, key=_Key)


def group_score_for_duplicate(clusters: Sequence[ClusterDetail], replicas: int) -> int:
    """``calcGroupScoreForDuplicate``: clusters that hold every replica, then their mean score."""
    valid = [c for c in clusters if c.available >= replicas]
    if not valid:
        return 0
    return len(valid) * WEIGHT_UNIT + _go_div(sum(c.score for c in valid), len(valid))


def group_score(
    clusters: Sequence[ClusterDetail],
    scheduling: Scheduling,
    replicas: int,
    min_groups: int,
    cluster_min_groups: int,
) -> int:
    """``calcGroupScore``: how well a group can hold its share ``ceil(replicas / minGroups)``.

    ``cluster_min_groups`` is the ``cluster`` constraint's minGroups (0 without one); the group
    must offer at least ``max(cluster_min_groups, min_groups)`` clusters before it counts as
    able to hold its share.
    """
    if scheduling.duplicated:
        return group_score_for_duplicate(clusters, replicas)
    target = math.ceil(float(replicas) / float(min_groups))
    needed = max(cluster_min_groups, min_groups)
    available = score = counted = 0
    for cluster in clusters:
        available += cluster.available
        score += cluster.score
        counted += 1
        if counted >= needed and available >= target:
            break
    if available < target:
        return available * WEIGHT_UNIT + _go_div(score, len(clusters))
    return target * WEIGHT_UNIT + _go_div(score, counted)


def _constraint(constraints: Sequence[SpreadConstraint], by: str) -> SpreadConstraint | None:
    """The last constraint spreading by ``by`` (Go's loops keep overwriting), or None."""
    found = None
    for constraint in constraints:
        if constraint.field == by:
            found = constraint
    return found


def _topology_ignored(constraints: Sequence[SpreadConstraint], scheduling: Scheduling) -> bool:
    """``isTopologyIgnored``: no groups are built for a lone ``cluster`` constraint."""
    if not constraints or (len(constraints) == 1 and constraints[0].field == "cluster"):
        return True
    return scheduling.ignores_spread


_GROUP_KEYS: dict[str, Callable[[ClusterDetail], tuple[str, ...]]] = {
    # generateZoneInfo groups by every zone of spec.zones; region and provider by one value.
    "zone": lambda c: c.zones,
    "region": lambda c: (c.region,) if c.region else (),
    "provider": lambda c: (c.provider,) if c.provider else (),
}


def group_clusters(
    clusters: Sequence[ClusterDetail],
    constraints: Sequence[SpreadConstraint],
    scheduling: Scheduling,
    replicas: int,
) -> GroupedClusters:
    """``GroupClustersWithScore``: sort the clusters and build the groups constraints need."""
    ordered = tuple(sort_clusters(clusters, _by_available))
    if _topology_ignored(constraints, scheduling):
        return GroupedClusters(ordered)
    cluster_constraint = _constraint(constraints, "cluster")
    cluster_min = cluster_constraint.min_groups if cluster_constraint is not None else 0
    built: dict[str, dict[str, Group]] = {}
    for by, key in _GROUP_KEYS.items():
        constraint = _constraint(constraints, by)
        if constraint is None:
            built[by] = {}
            continue
        members: dict[str, list[ClusterDetail]] = {}
        for cluster in ordered:
            for value in key(cluster):
                members.setdefault(value, []).append(cluster)
        built[by] = {
            value: Group(
                value,
                group_score(group, scheduling, replicas, constraint.min_groups, cluster_min),
                sum(c.available for c in group),
                tuple(group),
            )
            for value, group in members.items()
        }
    return GroupedClusters(ordered, built["zone"], built["region"], built["provider"])


def select_clusters(
    clusters: Sequence[ClusterDetail],
    constraints: Sequence[SpreadConstraint],
    scheduling: Scheduling,
    replicas: int,
) -> tuple[GroupedClusters, list[ClusterDetail]]:
    """``SelectClusters`` (``pkg/scheduler/core/common.go``): group, then select.

    Returns the grouping (for explanations) and the selected clusters.
    """
    grouped = group_clusters(clusters, constraints, scheduling, replicas)
    return grouped, select_best_clusters(constraints, scheduling, grouped, replicas)


def select_best_clusters(
    constraints: Sequence[SpreadConstraint],
    scheduling: Scheduling,
    grouped: GroupedClusters,
    need_replicas: int,
) -> list[ClusterDetail]:
    """``SelectBestClusters``: the clusters the spread constraints choose, in upstream order."""
    if not constraints or scheduling.ignores_spread:
        return list(grouped.clusters)
    if scheduling.duplicated:
        need_replicas = INVALID_REPLICAS  # shouldIgnoreAvailableResource
    region = _constraint(constraints, "region")
    cluster = _constraint(constraints, "cluster")
    if region is not None:
        return select_by_region(region, cluster, grouped)
    if cluster is not None:
        return select_by_cluster(cluster, grouped, need_replicas)
    raise SpreadError(UNSUPPORTED, "just support cluster and region spread constraint")


def select_by_cluster(
    constraint: SpreadConstraint, grouped: GroupedClusters, need_replicas: int
) -> list[ClusterDetail]:
    """``selectBestClustersByCluster``: the first maxGroups clusters, swapped for capacity."""
    total = len(grouped.clusters)
    if total < constraint.min_groups:
        raise SpreadError(
            TOO_FEW_CLUSTERS,
            "the number of feasible clusters is less than spreadConstraint.MinGroups",
        )
    need_count = min(total, constraint.max_groups)
    if need_replicas == INVALID_REPLICAS:
        return list(grouped.clusters[:need_count])
    selected = select_by_available_resource(grouped.clusters, need_count, need_replicas)
    if not selected:
        raise SpreadError(
            NOT_ENOUGH_RESOURCE, f"no enough resource when selecting {need_count} clusters"
        )
    return selected


def select_by_available_resource(
    candidates: Sequence[ClusterDetail], need_count: int, need_replicas: int
) -> list[ClusterDetail]:
    """``selectClustersByAvailableResource``: replace chosen clusters, last first, by larger ones.

    While the first ``need_count`` clusters cannot hold ``need_replicas``, the chosen cluster at
    the current position (from the last back to the first) swaps places with the unchosen
    cluster of most available replicas, if that one has more.  Empty when it never suffices.
    """
    chosen = list(candidates[:need_count])
    rest = list(candidates[need_count:])
    position = len(chosen) - 1
    while not _enough(chosen, need_replicas) and position >= 0:
        best = _max_available(rest, chosen[position].available)
        if best is not None:
            chosen[position], rest[best] = rest[best], chosen[position]
        position -= 1
    return chosen if _enough(chosen, need_replicas) else []


def _enough(clusters: Sequence[ClusterDetail], need_replicas: int) -> bool:
    """``checkAvailableResource``."""
    return sum(c.available for c in clusters) >= need_replicas


def _max_available(candidates: Sequence[ClusterDetail], origin: int) -> int | None:
    """``GetClusterWithMaxAvailableResource``: the first index of most replicas above ``origin``."""
    best_value, best = origin, None
    for index, cluster in enumerate(candidates):
        if best_value < cluster.available:
            best, best_value = index, cluster.available
    return best


_NO_CONSTRAINT = SpreadConstraint(-1, "cluster", "", 0, 0)  # Go's zero value from a map miss


def select_by_region(
    region: SpreadConstraint, cluster: SpreadConstraint | None, grouped: GroupedClusters
) -> list[ClusterDetail]:
    """``selectBestClustersByRegion``: the best regions, their best clusters, then the rest.

    One cluster (the best) from each selected region first; then, up to the ``cluster``
    constraint's maxGroups, the other clusters of those regions by :func:`sort_clusters`.
    """
    cluster = cluster or _NO_CONSTRAINT
    if len(grouped.regions) < region.min_groups:
        raise SpreadError(
            TOO_FEW_REGIONS, "the number of feasible region is less than spreadConstraint.MinGroups"
        )
    regions = select_regions(grouped.regions, region, cluster)
    if not regions:
        raise SpreadError(
            NO_REGION_COMBINATION,
            "the number of clusters is less than the cluster spreadConstraint.MinGroups",
        )
    selected = [group.clusters[0] for group in regions]
    candidates = [c for group in regions for c in group.clusters[1:]]
    need_count = min(len(candidates) + len(selected), cluster.max_groups)
    rest = need_count - len(selected)
    if rest > 0:
        selected.extend(sort_clusters(candidates, _by_available)[:rest])
    return selected


def select_regions(
    regions: Mapping[str, Group], region: SpreadConstraint, cluster: SpreadConstraint
) -> list[Group]:
    """``selectRegions``: the region combination :func:`select_groups` prefers."""
    groups = [GroupChoice(g.name, len(g.clusters), g.score) for g in regions.values()]
    chosen = select_groups(groups, region.min_groups, region.max_groups, cluster.min_groups)
    return [regions[g.name] for g in chosen]


@dataclass(frozen=True)
class GroupChoice:
    """``GroupInfo``: a group's name, value (its cluster count) and weight (its score)."""

    name: str
    value: int
    weight: int


@dataclass(frozen=True)
class _Path:
    """A feasible ``dfsPath``: its groups (weight descending, then name), weight and value."""

    id: int
    groups: tuple[GroupChoice, ...]
    weight: int
    value: int

    def extends(self, shorter: _Path) -> bool:
        """``matchSubPath``: ``shorter`` is a proper prefix of this path."""
        if len(shorter.groups) >= len(self.groups):
            return False
        return all(a.name == b.name for a, b in zip(self.groups, shorter.groups, strict=False))


def select_groups(
    groups: Sequence[GroupChoice], min_groups: int, max_groups: int, target: int
) -> list[GroupChoice]:
    """``selectGroups``: between min and max groups whose values reach ``target``, best first.

    Empty when there are no groups or no feasible combination.
    """
    if not groups:
        return []
    paths = _feasible_paths(groups, min_groups, max_groups, target)
    if not paths:
        return []
    return list(_prioritize(paths).groups)


def _feasible_paths(
    groups: Sequence[GroupChoice], min_groups: int, max_groups: int, target: int
) -> list[_Path]:
    """``findFeasiblePaths``: depth-first over groups by value ascending, weight descending.

    A path is recorded (and not extended) as soon as its value reaches ``target`` within the
    group bounds.  Upstream's quirk is kept: when there are exactly ``min_groups`` groups the
    loop stops after the first branch.  Path ids count the recorded paths from 1
    (``dfsPath.next`` increments before copying).
    """
    ordered = sorted(groups, key=lambda g: (g.value, -g.weight, g.name))
    paths: list[_Path] = []
    stack: list[GroupChoice] = []

    def visit(total: int, begin: int) -> None:
        if total >= target and min_groups <= len(stack) <= max_groups:
            members = tuple(sorted(stack, key=lambda g: (-g.weight, g.name)))
            paths.append(
                _Path(
                    len(paths) + 1,
                    members,
                    sum(g.weight for g in members),
                    sum(g.value for g in members),
                )
            )
            return
        if len(stack) >= max_groups:
            return
        for index in range(begin, len(ordered)):
            stack.append(ordered[index])
            visit(total + ordered[index].value, index + 1)
            if len(ordered) == min_groups:
                break  # upstream leaves the group on the path; nothing else is tried
            stack.pop()

    visit(0, 0)
    return paths


def _prioritize(paths: list[_Path]) -> _Path:
    """``prioritizePaths``: highest weight, then value, then earliest path.

    Then, walking down that ranking, a path that is a proper prefix of the current choice
    replaces it: fewer groups win when they are the best groups of the longer path.
    """
    if len(paths) == 1:
        return paths[0]
    ranked = sorted(paths, key=lambda p: (-p.weight, -p.value, p.id))
    final = ranked[0]
    for path in ranked[1:]:
        if final.extends(path):
            final = path
    return final
