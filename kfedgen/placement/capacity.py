"""Each cluster's available replicas for one Karmada workload, from what the inventory declares.

Karmada's scheduler asks every replica estimator how many replicas of the workload each
cluster can take and keeps the smallest answer (``pkg/scheduler/core/util.go``
``calAvailableReplicas``, ``mergeReplicaResults``).  kfedgen answers from the inventory, in
this order, and records where the number came from (:class:`CapacityEstimate`):

1. **manual override**: a Fleet cluster's ``availableReplicas`` or a Karmada Cluster's
   ``kfedgen.io/available-replicas`` annotation.  It wins because it is the one number a
   user writes for exactly this question (a cluster whose pools are shared with workloads
   outside the fleet, or whose live estimator is known to answer differently);
2. **node pools** of a Fleet cluster (``compute.nodePools``): what Karmada's accurate
   estimator (``karmada-scheduler-estimator``, ``pkg/estimator/server``) would compute from
   those nodes: only the pools whose labels, taints and one node's allocatable take the pod
   (:func:`kfedgen.pods.pools.placement`), and on each node as many replicas as the
   smallest ``allocatable / request`` over the resources the pool declares, ``pods``
   included.  Modelled per pool, not as one cluster-wide summary: a summary ignores node
   selection and fragmentation (GPU nodes' CPU would count for a CPU-only pod), and the
   general estimator's answer over the same nodes is never smaller (the sum of per-node
   quotients is at most the quotient of the sums), so the minimum Karmada takes is the
   per-node one.  A pod that matches a Fargate profile, or a pool that bounds nothing the
   pod requests, has no declared capacity;
3. **resource models / resource summary** of a Karmada Cluster (``spec.resourceModels``,
   ``status.resourceSummary``): Karmada's general estimator itself
   (:func:`kfedgen.karmada.estimator.general_estimate`).  A Cluster without a
   ``resourceSummary`` declares nothing (live, Karmada's general estimator answers 0 until
   the status is collected; kfedgen treats it as undeclared, not as full).

The replica's requests are the pod's effective requests on the member cluster
(:func:`kfedgen.pods.requests.pod_requests`: sidecars, pod-level ``spec.resources``, and the
overhead of a RuntimeClass the fleet holds), or what a customization's ``GetReplicas``
script returned.  Karmada's own ``GenerateReplicaRequirements`` sums containers and takes
the largest init container only; where they differ kfedgen counts what the member's
kube-scheduler will charge (README, "Karmada policies").  Every workload is estimated
against the declared capacity alone, as for the first workload Karmada schedules: the
fleet's other workloads do not reduce it (the ``node-pools`` feasibility check tests the
sum).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.decisions import CapacityEstimate
from kfedgen.errors import plural
from kfedgen.fargateprofiles import matching_profile
from kfedgen.frontends.karmada.plain import PlainObject
from kfedgen.identitymemo import IdentityMemo
from kfedgen.karmada.estimator import MAX_INT32, counted, general_estimate
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.policytypes import Placement
from kfedgen.karmada.spreadselection import reads_capacity
from kfedgen.model import Cluster, FleetSpec
from kfedgen.pods.pools import Pool, pools_of
from kfedgen.pods.pools import placement as pool_placement
from kfedgen.pods.requests import (
    RuntimeOverheads,
    admitted_overhead,
    pod_requests,
    runtime_overhead,
)
from kfedgen.podtemplates import PodTemplate, pod_template
from kfedgen.quantity import PODS, format_units

MANUAL_FLEET = "availableReplicas"
MANUAL_KARMADA = "kfedgen.io/available-replicas"
NODE_POOLS = "node pools"


def estimate(
    cluster: Cluster, namespace: str, template: PodTemplate | None, runtime: RuntimeOverheads
) -> CapacityEstimate:
    """The cluster's available replicas for one replica like ``template`` (see above).

    ``template`` is :func:`replica_pod`'s answer for the workload (None: it has none).
    """
    if cluster.available_replicas is not None:
        where = MANUAL_KARMADA if cluster.karmada else MANUAL_FLEET
        return CapacityEstimate(cluster.available_replicas, where, "manual override")
    if cluster.karmada:
        return _karmada(cluster, template, runtime)
    pools = pools_of(cluster)
    if not pools or template is None:
        return CapacityEstimate(None, "", "the inventory declares no capacity for it")
    profiles = cluster.compute.fargate_profiles if cluster.compute is not None else ()
    profile = matching_profile(profiles, namespace, template.labels) if profiles else None
    if profile is not None:
        return CapacityEstimate(
            None, "", f"its pods match Fargate profile {profile.name}, which declares no capacity"
        )
    return _pools(pools, template, runtime)


def replica_pod(kind: str, manifest: Mapping[str, Any], workload: Workload) -> PodTemplate | None:
    """One replica as the estimator sees it: a GetReplicas script's requirements, else the
    object's pod template."""
    requirements = workload.requirements
    if workload.interpreted_by is None:
        return pod_template(kind, manifest)
    if requirements is None:
        return None  # the script returned no requirements: Karmada estimates pods only
    claim = requirements.get("nodeClaim") or {}
    spec: dict[str, Any] = {
        "containers": [{"resources": {"requests": requirements.get("resourceRequest") or {}}}]
    }
    if claim.get("nodeSelector"):
        spec["nodeSelector"] = claim["nodeSelector"]
    if claim.get("tolerations"):
        spec["tolerations"] = claim["tolerations"]
    if claim.get("hardNodeAffinity"):
        required = {"requiredDuringSchedulingIgnoredDuringExecution": claim["hardNodeAffinity"]}
        spec["affinity"] = {"nodeAffinity": required}
    return PodTemplate(("spec", "template"), {}, spec)


# Estimates already made: the same pod against the same pools in many clusters.
_ESTIMATED: IdentityMemo[CapacityEstimate] = IdentityMemo()


def _pools(
    pools: tuple[Pool, ...], template: PodTemplate, runtime: RuntimeOverheads
) -> CapacityEstimate:
    keys = tuple(p.key for p in pools)
    extra = (template.path, keys, admitted_overhead(template.spec, runtime))
    return _ESTIMATED.get(
        template.spec, extra, lambda: _pools_estimate(pools, keys, template, runtime)
    )


def _pools_estimate(
    pools: tuple[Pool, ...], keys: tuple[Any, ...], template: PodTemplate, runtime: RuntimeOverheads
) -> CapacityEstimate:
    requests, taken, _ = pool_placement(template, pools, keys, runtime)
    total, parts = 0, []
    for index in taken:
        pool = pools[index]
        per_node = _per_node(pool, requests)
        if per_node is None:
            return CapacityEstimate(
                None,
                "",
                f"node pool {pool.name} takes its pods but declares none of the resources they "
                "request, nor pods",
            )
        total += pool.pool.nodes * per_node
        parts.append(f"{pool.name} {plural(pool.pool.nodes, 'node')} x {per_node}")
    asked = ", ".join(f"{r} {format_units(r, a)}" for r, a in sorted(requests.items()) if r != PODS)
    one = f"one replica requests {asked}" if asked else "one replica requests nothing"
    where = "; ".join(parts) if parts else "no node pool takes its pods"
    return CapacityEstimate(min(total, MAX_INT32), NODE_POOLS, f"{one}; {where}")


def _per_node(pool: Pool, requests: Mapping[str, int]) -> int | None:
    """Replicas one node of the pool holds (``MaxDivided``); None when nothing bounds them."""
    best: int | None = None
    for resource, asked in requests.items():
        has = pool.per_node(resource)
        if has is None or asked <= 0:
            continue
        fits = has // asked
        best = fits if best is None else min(best, fits)
    return best


def _karmada(
    cluster: Cluster, template: PodTemplate | None, runtime: RuntimeOverheads
) -> CapacityEstimate:
    summary = cluster.resource_summary
    if summary is None:
        return CapacityEstimate(None, "", "the Cluster has no status.resourceSummary")
    requests = None
    if template is not None:
        # The pod's requests as util.Resource keeps them: counted resources, no pods.
        units = pod_requests(template, runtime)
        units = {r: a for r, a in units.items() if counted(r) and r != PODS}
        claims = any(template.spec.get(k) for k in ("nodeSelector", "tolerations", "affinity"))
        # GenerateReplicaRequirements: no requests and no node claim is no requirement.
        requests = units if units or claims else None
    replicas, path = general_estimate(summary, requests)
    asked = ", ".join(f"{r} {format_units(r, a)}" for r, a in sorted((requests or {}).items()))
    one = f"one replica requests {asked}" if asked else "no replica requirements"
    return CapacityEstimate(replicas, path, f"Karmada's general estimator over its {path}; {one}")


def estimates(
    placement: Placement,
    clusters: Sequence[Cluster],
    obj: PlainObject,
    workload: Workload | None,
    runtime: RuntimeOverheads,
) -> dict[str, CapacityEstimate]:
    """Every cluster's estimate for ``obj``; empty when its schedule reads no capacity."""
    if workload is None or not reads_capacity(placement, workload):
        return {}
    template = replica_pod(obj.kind, obj.manifest, workload)
    return {c.name: estimate(c, obj.namespace, template, runtime) for c in clusters}


def runtime_overheads(spec: FleetSpec) -> dict[str, tuple[tuple[str, Any], ...]]:
    """The overhead of every RuntimeClass the fleet holds, by name.

    Which clusters get a RuntimeClass is decided in this same pass, so a class the fleet
    holds counts everywhere; the feasibility check charges only the classes rendered to
    each cluster.
    """
    found = {}
    for doc in spec.plain:
        if doc.data.get("kind") == "RuntimeClass":
            name = (doc.data.get("metadata") or {}).get("name")
            if isinstance(name, str):
                found[name] = runtime_overhead(doc.data)
    for federated in spec.federated:
        if federated.target.kind == "RuntimeClass":
            found[federated.name] = runtime_overhead(federated.template)
    return found
