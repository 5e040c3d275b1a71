"""Which declared node pools take a pod: labels, taints, and one node's allocatable.

A pool takes a pod when it has nodes, its labels satisfy the pod's ``nodeSelector`` and
required node affinity, the pod tolerates its ``NoSchedule``/``NoExecute`` taints
(:mod:`kfedgen.pods.nodeaffinity`), and one pod's effective requests
(:mod:`kfedgen.pods.requests`) fit one node's ``allocatable``, with ``pods: 1``.  Pods
that match a Fargate profile (:func:`kfedgen.fargateprofiles.matching_profile`) run on
Fargate, not on the pools.

What a pool does not declare is not held against a pod: a pool without ``allocatable``
is not checked for resources at all, and one whose ``allocatable`` leaves out ``cpu``,
``memory``, ``ephemeral-storage`` or ``pods`` is not checked for that resource.  Any other
resource (an extended one such as ``nvidia.com/gpu``, hugepages) exists on a node only when
the node advertises it, so a pool that declares ``allocatable`` without it has none.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from kfedgen.errors import DocPath
from kfedgen.identitymemo import ByIdentity, IdentityMemo
from kfedgen.model import Cluster, Compute, NodePool
from kfedgen.pods.nodeaffinity import node_selector_mismatch, untolerated_taint
from kfedgen.pods.requests import RuntimeOverheads, admitted_overhead, pod_requests
from kfedgen.podtemplates import PodTemplate
from kfedgen.quantity import PODS, format_units, parse_quantity, scheduler_units

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
    """The cluster's node pools, their allocatable parsed once per compute section."""
    if cluster.compute is None:
        return ()
    # Entries that declare the same pools share one compute section (kfedgen.inventory).
    return _pools_of(cluster.compute)


def _parse_pools(compute: Compute) -> tuple[Pool, ...]:
    result = []
    for pool in compute.node_pools:
        allocatable = tuple(pool.allocatable.items())
        units = dict(_units(allocatable)) if allocatable else None
        labels = tuple(sorted(pool.labels.items()))
        key = (pool.name, pool.nodes, labels, pool.taints, allocatable, pool.described)
        result.append(Pool(pool, units, key))
    return tuple(result)


_pools_of: ByIdentity[Compute, tuple[Pool, ...]] = ByIdentity(_parse_pools)


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


# One pod's requests, the positions of the pools that take it, why the others do not.
Placement = tuple[Mapping[str, int], tuple[int, ...], tuple[Refusal, ...]]
# Pod specs already judged against a set of pools.  Rendered copies of one template share
# their pod spec in every cluster no override changed, and clusters often declare the same
# pools, so most workloads are judged once.
_JUDGED: IdentityMemo[Placement] = IdentityMemo()
# Judged by what the judgement reads: an override that changes a container's image gives
# each cluster its own pod spec, to be judged like the others.
_ALIKE: dict[Hashable, Placement] = {}
_ALIKE_LIMIT = 100_000


def placement(
    template: PodTemplate,
    pools: tuple[Pool, ...],
    keys: Hashable,
    runtime: RuntimeOverheads | None = None,
) -> Placement:
    """One pod's requests (``pods: 1`` included), the pools that take it, why the others do not.

    ``keys`` identify ``pools`` by content (:attr:`Pool.key`); ``runtime`` holds the
    RuntimeClass overheads the cluster's admission would add (:func:`pod_requests`).
    """
    extra = (template.path, keys, admitted_overhead(template.spec, runtime))
    return _JUDGED.get(template.spec, extra, lambda: _judge_alike(template, pools, keys, runtime))


def _judge_alike(
    template: PodTemplate,
    pools: tuple[Pool, ...],
    keys: Hashable,
    runtime: RuntimeOverheads | None,
) -> Placement:
    requests = {**pod_requests(template, runtime), PODS: 1}
    spec = template.spec
    # Everything refusal_of reads, in order (the first mismatch found is the one named).
    read = [spec.get("nodeSelector"), spec.get("affinity"), spec.get("tolerations")]
    key = (template.path, keys, tuple(requests.items()), json.dumps(read, default=repr))
    found = _ALIKE.get(key)
    if found is None:
        if len(_ALIKE) >= _ALIKE_LIMIT:
            _ALIKE.clear()
        found = _ALIKE[key] = _judge(template, pools, requests)
    return found


def _judge(template: PodTemplate, pools: tuple[Pool, ...], requests: dict[str, int]) -> Placement:
    taken, refusals = [], []
    for index, pool in enumerate(pools):
        refusal = refusal_of(pool, template, requests)
        if refusal is None:
            taken.append(index)
        else:
            refusals.append(refusal)
    return requests, tuple(taken), tuple(refusals)


def refusal_of(pool: Pool, template: PodTemplate, requests: Mapping[str, int]) -> Refusal | None:
    """Why ``pool`` does not take one pod of ``template`` (None: it does)."""
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
