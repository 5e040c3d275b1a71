"""Check: the pods planned for a cluster fit its node pools' total, per resource.

Every replica kfedgen plans for the cluster (the rendered ``spec.replicas``, after the
division between clusters) requests its pod's effective requests from the pools that take
it.  Pods may go to any of their pools, so the test is the one a bin-packing has to pass
first (Hall's condition, per resource): for a set of pools, the pods that can run *only*
there must not request more than those pools' nodes allocate in all (``nodes`` x
``allocatable``).  kfedgen tests each set of pools some workload can run on, and all the
pools together; a DaemonSet's pod counts once per node of each pool that takes it.
A resource that some pool of the set does not declare is not tested for that set.

Passing is necessary, not sufficient: requests that fit the total may still not pack
onto whole nodes.  What fails certainly leaves pods Pending.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from kfedgen.errors import Problem, Severity, noun_for, plural
from kfedgen.feasibility.finding import object_ref, reason_about
from kfedgen.feasibility.nodepools import Pool, Workload, pools_of, unschedulable, workloads
from kfedgen.feasibility.podspec import pod_template
from kfedgen.model import Cluster
from kfedgen.quantity import format_units
from kfedgen.rendered import RenderedObject

# How many of an overfull set's workloads a finding names before "and N more".
NAMED = 5


@dataclass(frozen=True)
class Usage:
    """One resource over a set of pools: what the pods planned there request, what nodes have."""

    resource: str
    requested: int
    declared: int | None  # None: some pool of the set does not declare the resource


@dataclass(frozen=True)
class Overfull:
    """A set of pools whose pods request more than their nodes allocate."""

    pools: tuple[Pool, ...]
    usages: tuple[Usage, ...]  # the resources short, requested > declared
    contributions: tuple[tuple[Workload, int], ...]  # pods of each workload counted, largest first


class Demand:
    """What a cluster's workloads request, summed once per set of pools they can run on.

    The pods of a workload that can run only on some pools count for every set of pools
    that holds those; a DaemonSet's count once per node of the set's pools that take it.
    """

    def __init__(self, placed: Sequence[Workload]) -> None:
        self._by_pools: dict[frozenset[str], dict[str, int]] = {}
        self._daemons: list[Workload] = []
        for workload in placed:
            if not workload.pool_names:
                continue
            if workload.replicas is None:
                self._daemons.append(workload)
            elif workload.replicas:
                total = self._by_pools.setdefault(workload.pool_names, {})
                _add(total, workload.requests, workload.replicas)

    def of(self, pools: Sequence[Pool]) -> dict[str, int]:
        """What the pods that must run on ``pools`` request, per resource."""
        names = {p.name for p in pools}
        total: dict[str, int] = {}
        for needed, amounts in self._by_pools.items():
            if needed <= names:
                _add(total, amounts, 1)
        for daemon in self._daemons:
            pods = sum(p.pool.nodes for p in pools if p.name in daemon.pool_names)
            if pods:
                _add(total, daemon.requests, pods)
        return total


def _add(total: dict[str, int], amounts: Mapping[str, int], times: int) -> None:
    for resource, amount in amounts.items():
        total[resource] = total.get(resource, 0) + times * amount


def usage(
    pools: Sequence[Pool], placed: Sequence[Workload], summed: Demand | None = None
) -> list[Usage]:
    """Requested against declared for ``pools``, per resource either side names, sorted.

    ``summed``: ``placed`` summed already (:class:`Demand`), for many sets of pools.
    """
    asked = (summed if summed is not None else Demand(placed)).of(pools)
    resources = set(asked)
    for pool in pools:
        resources.update(pool.allocatable or ())
    return [Usage(r, asked.get(r, 0), _declared(pools, r)) for r in sorted(resources)]


def overfull(pools: Sequence[Pool], placed: Sequence[Workload]) -> list[Overfull]:
    """The sets of pools whose pods request more than their nodes have, smallest sets first.

    A set is reported for a resource only when no smaller reported set already is short of
    it: one overfull pool makes every set that contains it overfull too.
    """
    candidates = {w.on_pools.pool_key for w in placed if w.pools}
    summed = Demand(placed)
    everything = tuple(sorted(p.name for p in pools))
    candidates.add(everything)
    by_name = {p.name: p for p in pools}
    reported: list[tuple[frozenset[str], str]] = []
    result = []
    for names in sorted(candidates, key=lambda n: (len(n), n)):
        chosen = tuple(by_name[n] for n in names)
        members = frozenset(names)
        short = tuple(
            u
            for u in usage(chosen, placed, summed)
            if u.declared is not None
            and u.requested > u.declared
            and not any(r == u.resource and s <= members for s, r in reported)
        )
        if not short:
            continue
        reported.extend((members, u.resource) for u in short)
        contributions = _contributions(set(names), chosen, placed)
        wanted = {u.resource for u in short}
        relevant = [(w, n) for w, n in contributions if wanted & set(w.requests) and n]
        relevant.sort(key=lambda c: (-c[1] * _weight(c[0], short), object_ref(c[0].obj)))
        result.append(Overfull(chosen, short, tuple(relevant)))
    return result


def _contributions(
    names: set[str], pools: Sequence[Pool], placed: Sequence[Workload]
) -> list[tuple[Workload, int]]:
    """Each workload that must run on ``names`` with how many of its pods count there."""
    result = []
    for workload in placed:
        mine = workload.pool_names
        if not mine:
            continue
        if workload.replicas is None:  # a DaemonSet: a pod on every node of its pools
            pods = sum(p.pool.nodes for p in pools if p.name in mine)
        elif mine <= names:
            pods = workload.replicas
        else:
            continue
        if pods:
            result.append((workload, pods))
    return result


def _weight(workload: Workload, short: Sequence[Usage]) -> int:
    return workload.requests.get(short[0].resource, 0)


def _declared(pools: Sequence[Pool], resource: str) -> int | None:
    total = 0
    for pool in pools:
        per_node = pool.per_node(resource)
        if per_node is None:
            return None
        total += pool.pool.nodes * per_node
    return total


def capacity_problems(
    cluster: Cluster, pools: Sequence[Pool], placed: Sequence[Workload]
) -> Iterator[Problem]:
    """One warning per overfull set of pools, at the cluster's inventory entry."""
    for full in overfull(pools, placed):
        yield overfull_problem(cluster, full)


def overfull_problem(cluster: Cluster, full: Overfull) -> Problem:
    """The warning about one overfull set of pools, naming the largest workloads in it."""
    nodes = sum(p.pool.nodes for p in full.pools)
    names = ", ".join(p.name for p in full.pools)
    asked = " and ".join(
        f"{u.resource} {format_units(u.resource, u.requested)}" for u in full.usages
    )
    has = " and ".join(
        f"{u.resource} {format_units(u.resource, u.declared or 0)}" for u in full.usages
    )
    named = [
        f"{plural(n, 'pod')} of {object_ref(w.obj)} at {w.obj.location}"
        for w, n in full.contributions[:NAMED]
    ]
    more = len(full.contributions) - NAMED
    if more > 0:
        named.append(f"and {more} more")
    pools = (
        f"node pools {names} allocate" if len(full.pools) > 1 else f"node pool {names} allocates"
    )
    return Problem(
        cluster.location,
        (),
        f"cluster {cluster.name!r}: {pools} {has} in all ({plural(nodes, 'node')}), and "
        f"the pods that can run only there request {asked} ({', '.join(named)}): some "
        "would stay Pending",
        Severity.WARNING,
        "add nodes to the pools, plan fewer replicas for the cluster or lower their "
        "requests, or let the pods run on another pool",
    )


def node_pool_reasons(
    cluster: Cluster, objects: Sequence[RenderedObject], obj: RenderedObject
) -> tuple[bool, list[str]]:
    """For ``explain``: whether ``obj``'s pods can run on the node pools, and why (or why not)."""
    placed = workloads(cluster, objects)
    mine = next((w for w in placed if w.obj is obj), None)
    if mine is None:
        if pod_template(obj.kind, obj.manifest) is None:
            return True, ["it runs no pods"]
        return True, ["its pods match a Fargate profile: they run on Fargate, not on the pools"]
    if not mine.pools:
        if mine.obj.kind == "DaemonSet":
            return True, ["no node pool takes its pods, so the DaemonSet runs none"]
        if mine.replicas == 0:
            return True, ["it runs no pods (0 replicas)"]
        return False, [reason_about(unschedulable(mine), obj) or ""]
    pools = ", ".join(f"{p.name} ({plural(p.pool.nodes, 'node')})" for p in mine.pools)
    count = "one per node" if mine.replicas is None else plural(mine.replicas, "pod")
    noun = noun_for(len(mine.pools), "node pool")
    reasons = [f"its pods can run on {noun} {pools}; {count} planned"]
    for full in overfull(pools_of(cluster), placed):
        if any(w is mine for w, _ in full.contributions):
            problem = overfull_problem(cluster, full)
            reasons.append(f"{problem.message.split(': ', 1)[1]} ({problem.hint})")
    return len(reasons) == 1, reasons
