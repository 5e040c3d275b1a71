"""Stage 3: decide where every federated object goes (placement, namespace gate, scheduling).

The result records, for every object and every inventory cluster, whether the
object is placed there and why: ``plan`` and ``explain`` print these records,
and :mod:`kfedgen.backend.materialize` builds the objects from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kfedgen import decisions
from kfedgen.decisions import ClusterDecision
from kfedgen.errors import Problems
from kfedgen.model import Cluster, FederatedObject, FleetSpec, Placement
from kfedgen.placement.cluster_overrides import operations_by_cluster
from kfedgen.selectors import LabelSelector

# KubeFed never propagates these namespaces themselves (isSystemNamespace);
# a FederatedNamespace for them still gates the resources inside.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "default", "kube-federation-system"})

# ClusterDecision is re-exported: the KubeFed stages name both result types from here.
__all__ = [
    "SYSTEM_NAMESPACES",
    "ClusterDecision",
    "ClusterSelection",
    "NamespaceGate",
    "Resolution",
    "check_override_targets",
    "namespace_gate",
    "place",
    "select_clusters",
]


# KubeFed's resolutions: the shared result type, over federated objects.
Resolution = decisions.Resolution[FederatedObject]


def place(spec: FleetSpec, problems: Problems) -> list[Resolution]:
    """Decide the placement of every federated object (before replica scheduling)."""
    selection = ClusterSelection(spec.cluster_list())
    return [_resolve_object(obj, spec, selection, problems) for obj in spec.federated]


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


class ClusterSelection:
    """What each placement selects in one inventory, each distinct question answered once.

    Fleets place most objects with the same few selectors (often ``{}``) over clusters
    that share a few label sets: a selector is evaluated once per distinct label set, and
    its answer kept for every object that asks again.
    """

    def __init__(self, clusters: Sequence[Cluster]) -> None:
        self.clusters = clusters
        # One representative labels mapping per distinct label set, with its clusters.
        groups: dict[object, tuple[Mapping[str, str], list[str]]] = {}
        for cluster in clusters:
            key: object
            try:
                key = tuple(sorted(cluster.labels.items()))
                hash(key)
            except TypeError:  # labels an invalid inventory left unsortable: a group alone
                key = id(cluster)
            groups.setdefault(key, (cluster.labels, []))[1].append(cluster.name)
        self._groups = list(groups.values())
        self._by_selector: dict[LabelSelector, frozenset[str]] = {}

    def select(self, placement: Placement) -> frozenset[str]:
        """:func:`select_clusters` of ``placement`` over this inventory."""
        if placement.cluster_names is not None or placement.selector is None:
            return frozenset(select_clusters(placement, self.clusters))
        selector = placement.selector
        try:
            found = self._by_selector.get(selector)
        except TypeError:  # a selector an invalid document left unhashable: not kept
            return frozenset(select_clusters(placement, self.clusters))
        if found is None:
            found = frozenset(
                name for labels, names in self._groups if selector.matches(labels) for name in names
            )
            self._by_selector[selector] = found
        return found


def _resolve_object(
    obj: FederatedObject, spec: FleetSpec, selection: ClusterSelection, problems: Problems
) -> Resolution:
    selected = selection.select(obj.placement)
    described = obj.placement.describe()
    selects, skips = (
        f"placement selects it ({described})",
        f"placement does not select it ({described})",
    )
    # KubeFed's ComputeNamespacedPlacement with a cluster-scoped control plane.
    gate = namespace_gate(obj, spec, selection)
    if gate is not None and not gate.federated and selected:
        problems.warning(
            obj.location(("metadata", "namespace")),
            ("metadata", "namespace"),
            f"namespace {obj.namespace!r} has no FederatedNamespace, so {obj.ref} "
            "is placed in no cluster",
            f"add a FederatedNamespace {obj.namespace}/{obj.namespace}",
        )
    system = obj.target.is_namespace and obj.namespace in SYSTEM_NAMESPACES
    never = f"{obj.namespace} is a system namespace; KubeFed never propagates it"
    admitted, refused = (gate.admitted(), gate.refused()) if gate is not None else ("", "")
    # A cluster's outcome depends only on whether the placement selects it and the gate
    # admits it: four outcomes, each worded once, not once per cluster (thousands).
    outcomes: dict[tuple[bool, bool], tuple[bool, tuple[str, ...]]] = {}
    for chosen in (False, True):
        for allowed in (False, True):
            placed = chosen
            reasons: tuple[str, ...] = (selects,) if placed else (skips,)
            if placed and gate is not None:
                placed = allowed
                reasons = (selects, admitted if placed else refused)
            if placed and system:
                placed = False
                reasons = (*reasons, never)
            outcomes[chosen, allowed] = (placed, reasons)
    allowed_names = gate.allowed if gate is not None else frozenset()
    operations = operations_by_cluster(obj, selection.clusters)
    decisions = {}
    for cluster in selection.clusters:
        name = cluster.name
        placed, reasons = outcomes[name in selected, name in allowed_names]
        decisions[name] = ClusterDecision(
            name, placed, reasons, operations=operations.get(name, ())
        )
    return Resolution(obj, decisions)


@dataclass(frozen=True)
class NamespaceGate:
    """KubeFed's namespace gate for one namespaced object: the clusters it lets the object into.

    Written once for placement and the replica scheduler, with the one wording of each reason.
    """

    namespace: str
    federated: bool  # a FederatedNamespace exists for it
    allowed: frozenset[str]

    def admits(self, cluster: str) -> bool:
        return cluster in self.allowed

    def admitted(self) -> str:
        return f"FederatedNamespace {self.namespace} is placed there too"

    def refused(self) -> str:
        if self.federated:
            return f"FederatedNamespace {self.namespace} is not placed there"
        return f"namespace {self.namespace} is not federated"


def namespace_gate(
    obj: FederatedObject, spec: FleetSpec, selection: ClusterSelection
) -> NamespaceGate | None:
    """The gate of ``obj``'s namespace (None: the object is cluster-scoped, nothing gates it)."""
    if not obj.target.namespaced:
        return None
    namespace = spec.namespaces.get(obj.namespace)
    if namespace is None:
        return NamespaceGate(obj.namespace, False, frozenset())
    return NamespaceGate(obj.namespace, True, selection.select(namespace.placement))


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
