"""Check: each pod a cluster receives can be scheduled to one of its node pools.

Which pools take a pod is :mod:`kfedgen.pods.pools` (labels, taints, one node's
allocatable).  A pod that no pool takes stays Pending.  Pods that match a Fargate profile
run on Fargate (:mod:`kfedgen.feasibility.fargate` checks those), not on the pools.  A
pod whose RuntimeClass is rendered to the cluster is charged that class's overhead.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kfedgen.errors import Problem
from kfedgen.fargateprofiles import matching_profile
from kfedgen.feasibility.finding import finding
from kfedgen.feasibility.memo import manifest_facts, stands_for
from kfedgen.feasibility.podspec import PodTemplate
from kfedgen.identitymemo import ByIdentity, IdentityMemo
from kfedgen.model import Cluster, FargateProfile
from kfedgen.pods.pools import Pool, Refusal, placement, pools_of
from kfedgen.pods.requests import replica_count, runtime_overhead
from kfedgen.podtemplates import TEMPLATE_PATHS
from kfedgen.rendered import RenderedObject

__all__ = [
    "OnPools",
    "Pool",
    "Workload",
    "pools_of",
    "unschedulable",
    "unschedulable_pods",
    "workloads",
]


@dataclass(frozen=True)
class OnPools:
    """Where one pod of a workload can run on a cluster's pools (the replicas aside)."""

    kind: str
    template: PodTemplate
    requests: Mapping[str, int]  # one pod's, scheduler units, ``pods`` included
    pools: tuple[Pool, ...]  # the pools that take one pod
    refusals: tuple[Refusal, ...]  # why each other pool does not
    pool_names: frozenset[str]  # the names of ``pools``
    pool_key: tuple[str, ...]  # the same, sorted

    @classmethod
    def of(
        cls,
        kind: str,
        template: PodTemplate,
        requests: Mapping[str, int],
        pools: tuple[Pool, ...],
        refusals: tuple[Refusal, ...],
    ) -> OnPools:
        """Where the pods can run, with the pools' names worked out once."""
        names = frozenset(p.name for p in pools)
        return cls(kind, template, requests, pools, refusals, names, tuple(sorted(names)))


@dataclass(frozen=True)
class Workload:
    """A rendered object that runs pods on the cluster's node pools, and where they can run."""

    obj: RenderedObject
    on_pools: OnPools
    replicas: int | None  # None for a DaemonSet: one pod per node it can run on

    @property
    def template(self) -> PodTemplate:
        """The object's pod template."""
        return self.on_pools.template

    @property
    def requests(self) -> Mapping[str, int]:
        """One pod's requests, in scheduler units, ``pods`` included."""
        return self.on_pools.requests

    @property
    def pools(self) -> tuple[Pool, ...]:
        """The pools that take one pod."""
        return self.on_pools.pools

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        """Why each other pool does not take one."""
        return self.on_pools.refusals

    @property
    def pool_names(self) -> frozenset[str]:
        """The names of the pools that take one pod."""
        return self.on_pools.pool_names


# Per manifest (the copy that stands for it: the placement reads neither spec.replicas
# nor images) and context, a number for one set of pools, profiles and RuntimeClass
# overheads (by content): a thousand clusters alike in these receive the same manifests.
# None: it runs no pods there, or Fargate runs them.
_PLACED: IdentityMemo[OnPools | None] = IdentityMemo()
_CONTEXTS: dict[Hashable, int] = {}
_TOKENS = itertools.count()
_profiles_text: ByIdentity[tuple[FargateProfile, ...], str] = ByIdentity(repr)


def _context(key: Hashable) -> int:
    """A number for ``key``, never given to another (the table may be emptied, not reused)."""
    token = _CONTEXTS.get(key)
    if token is None:
        if len(_CONTEXTS) >= 10_000:
            _CONTEXTS.clear()
        token = _CONTEXTS[key] = next(_TOKENS)
    return token


def workloads(cluster: Cluster, objects: Sequence[RenderedObject]) -> list[Workload]:
    """The objects whose pods run on the cluster's node pools, with the pools that take them."""
    pools = pools_of(cluster)
    keys = tuple(p.key for p in pools)
    profiles = cluster.compute.fargate_profiles if cluster.compute is not None else ()
    # The RuntimeClasses rendered to the cluster: their overhead is added to the pods.
    runtime = {
        o.name: runtime_overhead(o.manifest)
        for o in objects
        if o.manifest.get("kind") == "RuntimeClass"
    }
    # A number for the context: hashing its nested tuples once per object was most of
    # the cost of a lookup.
    context = _context((keys, _profiles_text(profiles), tuple(sorted(runtime.items()))))

    def judge(obj: RenderedObject) -> OnPools | None:
        facts = manifest_facts(obj.manifest)
        template = facts.template
        if template is None:
            return None
        on_fargate = profiles and facts.kind != "DaemonSet"
        if on_fargate and matching_profile(profiles, facts.namespace, template.labels):
            return None  # Fargate runs it
        requests, taken, refusals = placement(template, pools, keys, runtime)
        # The pools themselves: another cluster of this context has pools of equal content.
        taking = tuple(pools[i] for i in taken)
        return OnPools.of(facts.kind, template, requests, taking, refusals)

    result = []
    for obj in objects:
        kind = obj.manifest.get("kind")
        if not isinstance(kind, str) or kind not in TEMPLATE_PATHS:
            continue  # it runs no pods (as its facts would say, without the lookups)
        on_pools = _PLACED.get(stands_for(obj.manifest), context, judge, obj)
        if on_pools is not None:
            replicas = replica_count(on_pools.kind, obj.manifest)
            result.append(Workload(obj, on_pools, replicas))
    return result


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
