"""Check: each pod a cluster receives can be scheduled to one of its node pools.

A pool takes a pod when it has nodes, its labels satisfy the pod's ``nodeSelector`` and
required node affinity, the pod tolerates its ``NoSchedule``/``NoExecute`` taints
(:mod:`kfedgen.feasibility.nodeaffinity`), and one pod's effective requests
(:mod:`kfedgen.feasibility.requests`) fit one node's ``allocatable``, with ``pods: 1``.
A pod that no pool takes stays Pending.  Pods that match a Fargate profile run on Fargate
(:mod:`kfedgen.feasibility.fargate` checks those), not on the pools.

What a pool does not declare is not held against a pod: a pool without ``allocatable``
is not checked for resources at all, and one whose ``allocatable`` leaves out ``cpu``,
``memory``, ``ephemeral-storage`` or ``pods`` is not checked for that resource.  Any other
resource (an extended one such as ``nvidia.com/gpu``, hugepages) exists on a node only when
the node advertises it, so a pool that declares ``allocatable`` without it has none.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath, Problem
from kfedgen.feasibility.fargate import matching_profile
from kfedgen.feasibility.finding import finding
from kfedgen.feasibility.nodeaffinity import node_selector_mismatch, untolerated_taint
from kfedgen.feasibility.podspec import PodTemplate, pod_template
from kfedgen.feasibility.requests import pod_requests, replica_count
from kfedgen.model import Cluster, NodePool
from kfedgen.quantity import PODS, format_units, parse_quantity, scheduler_units
from kfedgen.rendered import RenderedObject

# Resources every node has; a pool that does not list one leaves its amount unknown.
NODE_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", PODS})


@dataclass(frozen=True)
class Pool:
    """A declared node pool with its ``allocatable`` in scheduler units (None: not declared)."""

    pool: NodePool
    allocatable: Mapping[str, int] | None
    key: Hashable = None  # the pool's content: equal pools in two clusters take the same pods

    @property
    def name(self) -> str:
        return self.pool.name

    def per_node(self, resource: str) -> int | None:
        """What one node allocates of ``resource``; None when the pool does not say."""
        if self.allocatable is None:
            return None
        if resource in self.allocatable:
            return self.allocatable[resource]
        return None if resource in NODE_RESOURCES else 0


def pools_of(cluster: Cluster) -> tuple[Pool, ...]:
    """The cluster's node pools, their allocatable parsed once."""
    if cluster.compute is None:
        return ()
    result = []
    for pool in cluster.compute.node_pools:
        allocatable = tuple(pool.allocatable.items())
        units = dict(_units(allocatable)) if allocatable else None
        labels = tuple(sorted(pool.labels.items()))
        key = (pool.name, pool.nodes, labels, pool.taints, allocatable, pool.described)
        result.append(Pool(pool, units, key))
    return tuple(result)


@functools.lru_cache(maxsize=1024)
def _units(allocatable: tuple[tuple[str, str], ...]) -> tuple[tuple[str, int], ...]:
    # Cached: fleets declare the same few node shapes in many clusters.
    result = []
    for name, value in allocatable:
        amount = parse_quantity(value)  # the Fleet schema admits quantities only
        result.append((name, scheduler_units(name, amount) if amount is not None else 0))
    return tuple(result)


@dataclass(frozen=True)
class Refusal:
    """Why one pool does not take a workload's pods: the pod spec field, and the reason."""

    pool: str
    path: DocPath
    reason: str


@dataclass(frozen=True)
class Workload:
    """A rendered object that runs pods on the cluster's node pools, and where they can run."""

    obj: RenderedObject
    template: PodTemplate
    requests: Mapping[str, int]  # one pod's, scheduler units, ``pods`` included
    replicas: int | None  # None for a DaemonSet: one pod per node it can run on
    pools: tuple[Pool, ...]  # the pools that take one pod
    refusals: tuple[Refusal, ...]  # why each other pool does not

    @functools.cached_property
    def pool_names(self) -> frozenset[str]:
        """The names of the pools that take one pod."""
        return frozenset(p.name for p in self.pools)


def workloads(cluster: Cluster, objects: Sequence[RenderedObject]) -> list[Workload]:
    """The objects whose pods run on the cluster's node pools, with the pools that take them."""
    pools = pools_of(cluster)
    keys = tuple(p.key for p in pools)
    profiles = cluster.compute.fargate_profiles if cluster.compute is not None else ()
    result = []
    for obj in objects:
        kind = obj.kind
        template = pod_template(kind, obj.manifest)
        if template is None:
            continue
        on_fargate = profiles and kind != "DaemonSet"
        if on_fargate and matching_profile(profiles, obj.namespace, template.labels):
            continue  # Fargate runs it
        requests, taken, refusals = _placement(template, pools, keys)
        replicas = replica_count(kind, obj.manifest)
        result.append(
            Workload(obj, template, requests, replicas, tuple(pools[i] for i in taken), refusals)
        )
    return result


# Pod specs already judged against a set of pools.  Rendered copies of one template share
# their pod spec in every cluster no override changed, and clusters often declare the same
# pools, so most workloads are judged once.  Each entry keeps its spec alive, so no other
# object can take its id while the entry exists.
_JUDGED: dict[tuple[int, DocPath, Hashable], tuple[Mapping[str, Any], _Placement]] = {}
_JUDGED_MAX = 100_000
# One pod's requests, the positions of the pools that take it, why the others do not.
_Placement = tuple[Mapping[str, int], tuple[int, ...], tuple[Refusal, ...]]


def _placement(template: PodTemplate, pools: tuple[Pool, ...], keys: Hashable) -> _Placement:
    memo = (id(template.spec), template.path, keys)
    entry = _JUDGED.get(memo)
    if entry is not None and entry[0] is template.spec:
        return entry[1]
    requests = {**pod_requests(template), PODS: 1}
    taken, refusals = [], []
    for index, pool in enumerate(pools):
        refusal = _refusal(pool, template, requests)
        if refusal is None:
            taken.append(index)
        else:
            refusals.append(refusal)
    if len(_JUDGED) >= _JUDGED_MAX:
        _JUDGED.clear()
    placement = (requests, tuple(taken), tuple(refusals))
    _JUDGED[memo] = (template.spec, placement)
    return placement


def _refusal(pool: Pool, template: PodTemplate, requests: Mapping[str, int]) -> Refusal | None:
    spec, base = template.spec, (*template.path, "spec")
    if pool.pool.nodes == 0:
        return Refusal(pool.name, base, "it has no nodes")
    if pool.pool.described:
        mismatch = node_selector_mismatch(spec, pool.pool.labels)
        if mismatch is not None:
            return Refusal(pool.name, (*base, *mismatch[0]), mismatch[1])
        taint = untolerated_taint(spec, pool.pool.taints)
        if taint is not None:
            reason = f"its taint {taint} is not tolerated"
            return Refusal(pool.name, (*base, "tolerations"), reason)
    short = {
        name: (amount, node)
        for name, amount in requests.items()
        if (node := pool.per_node(name)) is not None and amount > node
    }
    if short:
        asked = " and ".join(f"{n} {format_units(n, a)}" for n, (a, _) in short.items())
        has = " and ".join(f"{n} {format_units(n, h)}" for n, (_, h) in short.items())
        reason = f"one pod requests {asked}, and one node allocates {has}"
        return Refusal(pool.name, base, reason)
    return None


def unschedulable_pods(placed: Sequence[Workload]) -> Iterator[Problem]:
    """A finding for each workload whose pods no node pool takes."""
    for workload in placed:
        if workload.pools or workload.obj.kind == "DaemonSet" or workload.replicas == 0:
            continue  # a DaemonSet runs no pod where no pool takes it: nothing is Pending
        yield unschedulable(workload)


def unschedulable(workload: Workload) -> Problem:
    """The finding for a workload that no node pool takes, each pool with its reason."""
    paths = {r.path for r in workload.refusals}
    path = next(iter(paths)) if len(paths) == 1 else (*workload.template.path, "spec")
    reasons = "; ".join(f"pool {r.pool}: {r.reason}" for r in workload.refusals)
    return finding(
        workload.obj,
        path,
        f"no node pool takes its pods, so they would stay Pending ({reasons})",
        "give the pods a pool's labels and tolerate its taints, request what one node "
        "allocates, or add a node pool that takes them",
    )
