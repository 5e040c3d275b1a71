"""Spare capacity that follows the plan: cluster-overprovisioner placeholders per cluster.

The cluster-overprovisioner pattern (kubernetes.io, "Overprovision Node Capacity For A
Cluster"; cluster-autoscaler's FAQ, "How can I configure overprovisioning"): pause pods of a
negative PriorityClass hold room on the nodes; when real pods need it the scheduler preempts
them first, and the node autoscaler adds nodes for the evicted placeholders.

kfedgen sizes the placeholders from the replicas it planned.  For every workload
(Deployment, ReplicaSet, StatefulSet) whose pods request resources, each cluster it runs in
gets a placeholder Deployment ``<workload>-headroom`` in the workload's namespace whose pods
request exactly what the workload's pods request (one pause container per container with
requests), on the same nodes (its ``nodeSelector``, ``tolerations`` and node affinity), and
as many replicas as the policy asks:

* ``percent``: ``ceil(percent * replicas / 100)`` of the cluster's own replicas;
* ``absorb-largest-cluster``: the share this cluster would take of the replicas of the other
  cluster that runs the most of them (ties: cluster name), were that cluster lost -- that
  cluster's replicas divided between the survivors in proportion to theirs
  (:mod:`~kfedgen.traffic.apportion`).

A drained cluster (``schedulable: false``) keeps no headroom and absorbs nothing, so draining
a cluster grows the others' headroom in the same render.  Init containers are not copied
(a pause container never completes); a pod whose init containers request more than its
containers is under-reserved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import Location
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject
from kfedgen.traffic.apportion import apportion
from kfedgen.traffic.report import TrafficEntry
from kfedgen.traffic.settings import HeadroomSettings
from kfedgen.traffic.weights import HEADROOM_FOR
from kfedgen.traffic.workloads import Workload

MANAGED_BY = {"app.kubernetes.io/managed-by": "kfedgen"}
# The placeholders' origin: the setting that asked for them, not the workload they mirror
# (views look objects up by origin and cluster).
HEADROOM_ORIGIN = "Fleet spec.traffic.headroom"
_PLACEMENT_FIELDS = ("nodeSelector", "tolerations")


def headroom_replicas(
    settings: HeadroomSettings, replicas: Mapping[str, int], live: frozenset[str]
) -> dict[str, int]:
    """The placeholder replicas per cluster for one workload's ``replicas`` per cluster.

    ``live`` are the clusters that can take more (not drained); the others get 0.
    """
    if settings.policy == "percent":
        return {
            c: math.ceil(n * settings.percent / 100) if c in live else 0
            for c, n in replicas.items()
        }
    # The cluster each one absorbs is the largest other one: the largest for all but the
    # largest itself, which absorbs the runner-up; two divisions cover every cluster.
    ranked = sorted(replicas, key=lambda c: (-replicas[c], c))
    shares: dict[str, dict[str, int]] = {}
    for lost in ranked[:2]:
        survivors = {c: replicas[c] for c in replicas if c != lost and c in live}
        shares[lost] = apportion(replicas[lost], survivors)
    result = dict.fromkeys(replicas, 0)
    for cluster in replicas:
        if cluster in live and len(ranked) > 1:
            lost = ranked[1] if cluster == ranked[0] else ranked[0]
            result[cluster] = shares[lost].get(cluster, 0)
    return result


def headroom(
    found: Sequence[Workload],
    settings: HeadroomSettings | None,
    clusters: Mapping[str, Cluster],
    location: Location,
) -> tuple[list[RenderedObject], list[TrafficEntry]]:
    """The placeholder Deployments and PriorityClasses, and the headroom per cluster."""
    if settings is None:
        return [], []
    groups: dict[tuple[str, str, str], dict[str, Workload]] = {}
    for workload in found:
        if _requests(workload.template.spec):
            groups.setdefault(workload.key, {})[workload.cluster] = workload
    live = frozenset(name for name, c in clusters.items() if c.schedulable)
    objects: list[RenderedObject] = []
    entries = []
    used: set[str] = set()
    for key in sorted(groups):
        per_cluster = groups[key]
        counts = headroom_replicas(settings, {c: w.replicas for c, w in per_cluster.items()}, live)
        for cluster in sorted(per_cluster):
            if _nodeless(clusters.get(cluster)):
                continue
            workload = per_cluster[cluster]
            placeholder = _placeholder(workload, counts[cluster], settings, location)
            objects.append(placeholder)
            used.add(cluster)
            entries.append(
                TrafficEntry(
                    "headroom",
                    f"{workload.kind}/{workload.namespace}/{workload.name}",
                    cluster,
                    f"Deployment/{workload.namespace}/{placeholder.name}",
                    counts[cluster],
                    workload.replicas,
                )
            )
    classes = [_priority_class(cluster, location, settings) for cluster in sorted(used)]
    return [*classes, *objects], entries


def _nodeless(cluster: Cluster | None) -> bool:
    """Whether the inventory says the cluster runs pods on Fargate only.

    Fargate gives each pod capacity of its own when it starts: there are no nodes to keep
    spare, and a pause pod would be billed for nothing.  Its share of a lost cluster's
    replicas is still counted, so the other clusters' placeholders cover its loss.
    """
    compute = cluster.compute if cluster is not None else None
    return compute is not None and compute.fargate_only


def _placeholder(
    workload: Workload, replicas: int, settings: HeadroomSettings, location: Location
) -> RenderedObject:
    spec = workload.template.spec
    labels = {**MANAGED_BY, HEADROOM_FOR: workload.name}
    containers = [
        {
            "name": container["name"],
            "image": settings.image,
            "resources": {"requests": dict(container["resources"]["requests"])},
        }
        for container in _requests(spec)
    ]
    pod: dict[str, Any] = {
        "priorityClassName": settings.priority_class,
        # Placeholders are preempted to make room: they should go at once.
        "terminationGracePeriodSeconds": 0,
        "containers": containers,
    }
    for field in _PLACEMENT_FIELDS:
        if spec.get(field):
            pod[field] = spec[field]
    affinity = spec.get("affinity")
    if isinstance(affinity, Mapping) and affinity.get("nodeAffinity"):
        pod["affinity"] = {"nodeAffinity": affinity["nodeAffinity"]}
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"{workload.name}-headroom",
            "namespace": workload.namespace,
            "labels": labels,
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }
    return RenderedObject(workload.cluster, manifest, HEADROOM_ORIGIN, location)


def _priority_class(cluster: str, location: Location, settings: HeadroomSettings) -> RenderedObject:
    manifest = {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": settings.priority_class, "labels": dict(MANAGED_BY)},
        "value": settings.priority,
        "globalDefault": False,
        "description": "kfedgen headroom placeholders: preempted first, to make room for "
        "replicas moved here from a failed or drained cluster.",
    }
    return RenderedObject(cluster, manifest, HEADROOM_ORIGIN, location)


def _requests(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The containers of a pod spec that request resources."""
    containers = spec.get("containers")
    if not isinstance(containers, list):
        return []
    found = []
    for container in containers:
        if not isinstance(container, Mapping) or not isinstance(container.get("name"), str):
            continue
        resources = container.get("resources")
        requests = resources.get("requests") if isinstance(resources, Mapping) else None
        if isinstance(requests, Mapping) and requests:
            found.append(container)
    return found
