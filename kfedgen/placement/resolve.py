"""Stage 3: decide where every federated object goes (placement, namespace gate, scheduling).

The result records, for every object and every inventory cluster, whether the
object is placed there and why: ``plan`` and ``explain`` print these records,
and :mod:`kfedgen.backend.materialize` builds the objects from them.
"""

from __future__ import annotations

from collections.abc import Iterable

from kfedgen import decisions
from kfedgen.decisions import ClusterDecision
from kfedgen.errors import Problems
from kfedgen.model import Cluster, FederatedObject, FleetSpec, Placement

# KubeFed never propagates these namespaces themselves (isSystemNamespace);
# a FederatedNamespace for them still gates the resources inside.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "default", "kube-federation-system"})

# ClusterDecision is re-exported: the KubeFed stages name both result types from here.
__all__ = [
    "SYSTEM_NAMESPACES",
    "ClusterDecision",
    "Resolution",
    "check_override_targets",
    "place",
    "select_clusters",
]


# KubeFed's resolutions: the shared result type, over federated objects.
Resolution = decisions.Resolution[FederatedObject]


def place(spec: FleetSpec, problems: Problems) -> list[Resolution]:
    """Decide the placement of every federated object (before replica scheduling)."""
    clusters = spec.cluster_list()
    return [_resolve_object(obj, spec, clusters, problems) for obj in spec.federated]


def check_override_targets(
    spec: FleetSpec, resolutions: Iterable[Resolution], problems: Problems
) -> None:
    """Warn about overrides of clusters the object is not placed in (after scheduling)."""
    for resolution in resolutions:
        _check_override_targets(resolution, spec, problems)


def select_clusters(placement: Placement, clusters: Iterable[Cluster]) -> set[str]:
    """KubeFed's ``selectedClusterNames`` against the inventory (reference 1.3).

    A present ``clusters`` list (even empty) wins over the selector; an absent
    selector selects nothing; a selector without requirements selects all.
    """
    if placement.cluster_names is not None:
        wanted = set(placement.cluster_names)
        return {c.name for c in clusters if c.name in wanted}
    if placement.selector is None:
        return set()
    return {c.name for c in clusters if placement.selector.matches(c.labels)}


def _resolve_object(
    obj: FederatedObject, spec: FleetSpec, clusters: list[Cluster], problems: Problems
) -> Resolution:
    selected = select_clusters(obj.placement, clusters)
    decisions = {}
    described = obj.placement.describe()
    selects, skips = (
        f"placement selects it ({described})",
        f"placement does not select it ({described})",
    )
    for cluster in clusters:
        decision = ClusterDecision(cluster.name)
        if cluster.name in selected:
            decision.place(selects)
        else:
            decision.drop(skips)
        decisions[cluster.name] = decision
    resolution = Resolution(obj, decisions)
    if obj.target.namespaced:
        _gate_by_namespace(resolution, spec, clusters, problems)
    if obj.target.is_namespace and obj.namespace in SYSTEM_NAMESPACES:
        for decision in decisions.values():
            if decision.placed:
                decision.drop(f"{obj.namespace} is a system namespace; KubeFed never propagates it")
    return resolution


def _gate_by_namespace(
    resolution: Resolution, spec: FleetSpec, clusters: list[Cluster], problems: Problems
) -> None:
    """KubeFed's ``ComputeNamespacedPlacement`` with a cluster-scoped control plane."""
    obj = resolution.obj
    namespace = spec.namespaces.get(obj.namespace)
    if namespace is None:
        placed = [d for d in resolution.decisions.values() if d.placed]
        for decision in placed:
            decision.drop(f"namespace {obj.namespace} is not federated")
        if placed:
            problems.warning(
                obj.location(("metadata", "namespace")),
                ("metadata", "namespace"),
                f"namespace {obj.namespace!r} has no FederatedNamespace, so {obj.ref} "
                "is placed in no cluster",
                f"add a FederatedNamespace {obj.namespace}/{obj.namespace}",
            )
        return
    allowed = select_clusters(namespace.placement, clusters)
    for name, decision in resolution.decisions.items():
        if not decision.placed:
            continue
        if name in allowed:
            decision.note(f"FederatedNamespace {obj.namespace} is placed there too")
        else:
            decision.drop(f"FederatedNamespace {obj.namespace} is not placed there")


def _check_override_targets(resolution: Resolution, spec: FleetSpec, problems: Problems) -> None:
    obj = resolution.obj
    for entry in obj.overrides:
        name = entry.cluster_name
        # A name outside the inventory is the validate step's error (frontends.kubefed.validate).
        if name is not None and name in spec.clusters and not resolution.decisions[name].placed:
            path = ("spec", "overrides", entry.index, "clusterName")
            problems.warning(
                obj.location(path),
                path,
                f"{obj.ref} is not placed in cluster {name!r}; this override has no effect",
            )
