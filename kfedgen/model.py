"""The validated fleet spec: typed values that the later stages work on.

Every value keeps the :class:`~kfedgen.source.load.Document` it came from, so any
stage can point a problem at the exact file, line and key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kfedgen.decisions import Named
from kfedgen.errors import DocPath, Location
from kfedgen.gitops.settings import GitOpsSettings
from kfedgen.karmada.estimator import ResourceSummary
from kfedgen.karmada.policytypes import OverridePolicy, PropagationPolicy
from kfedgen.karmada.scripts import Customization
from kfedgen.patch import PatchOp
from kfedgen.selectors import LabelSelector
from kfedgen.source.load import Document
from kfedgen.traffic.settings import TrafficSettings

FEDERATED_GROUP = "types.kubefed.io"
FEDERATED_VERSION = "v1beta1"
FEDERATED_API_VERSION = f"{FEDERATED_GROUP}/{FEDERATED_VERSION}"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        """``Taint.ToString``: ``key=value:Effect``, or ``key:Effect`` without a value."""
        if not self.value:
            return f"{self.key}:{self.effect}"
        return f"{self.key}={self.value}:{self.effect}"


@dataclass(frozen=True)
class ProvidedObject:
    """An object the platform creates in a cluster outside the fleet (inventory ``provides``)."""

    kind: str
    name: str
    namespace: str = ""  # empty for cluster-scoped kinds


@dataclass(frozen=True)
class FargateSelector:
    """One selector of an EKS Fargate profile: a namespace and labels a pod must carry."""

    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FargateProfile:
    name: str
    selectors: tuple[FargateSelector, ...]


@dataclass(frozen=True)
class NodePool:
    """Identical nodes: how many, their labels and taints, what one node can allocate."""

    name: str
    nodes: int
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    allocatable: Mapping[str, str] = field(default_factory=dict)  # resource -> quantity
    # False when the inventory does not say which labels and taints the nodes carry (a
    # Karmada Cluster's resource models): pods are then not held to them.
    described: bool = True


@dataclass(frozen=True)
class Compute:
    """Where a cluster runs pods (inventory ``compute``)."""

    fargate_profiles: tuple[FargateProfile, ...] = ()
    node_pools: tuple[NodePool, ...] = ()

    @property
    def fargate_only(self) -> bool:
        """Fargate runs every pod: profiles are declared and no node pool is."""
        return bool(self.fargate_profiles) and not self.node_pools


@dataclass(frozen=True)
class Cluster:
    """A member cluster of the inventory."""

    name: str
    labels: Mapping[str, str]
    location: Location
    server: str | None = None
    destination_name: str | None = None
    schedulable: bool = True
    # Karmada's cluster model (provider/region/zones/taints) and a declared
    # capacity for Karmada's dynamic divisions.
    provider: str = ""
    region: str = ""
    zones: tuple[str, ...] = ()
    taints: tuple[Taint, ...] = ()
    available_replicas: int | None = None
    # A Karmada Cluster (its manual capacity is the kfedgen.io/available-replicas
    # annotation) and its status.resourceSummary with spec.resourceModels, for the
    # general estimator (kfedgen.karmada.estimator); None: the Cluster reports none.
    karmada: bool = False
    resource_summary: ResourceSummary | None = None
    # What the cluster is, for render-time feasibility (kfedgen.feasibility); None (or
    # absent) means "not declared", and the checks that need it are skipped.
    kubernetes_version: str | None = None  # minor version, "1.29"
    apis: tuple[str, ...] | None = None  # served group/versions beyond the built-ins
    provides: tuple[ProvidedObject, ...] | None = None
    compute: Compute | None = None


@dataclass(frozen=True)
class TargetType:
    """The Kubernetes type a federated type produces (a FederatedTypeConfig's targetType)."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    federated_api_version: str
    federated_kind: str
    # kfedgen extension: where the target's replica count lives (the FederatedTypeConfig's
    # kfedgen.io/replicas-path annotation); None: KubeFed's /spec/replicas.
    replicas_path: str | None = None

    @property
    def replicas_pointer(self) -> str:
        """The JSON pointer of the replica count an RSP writes."""
        return self.replicas_path or "/spec/replicas"

    @property
    def api_version(self) -> str:
        # KubeFed writes "/v1" for core types (reference 1.4 step 6); Kubernetes
        # and every GitOps engine expect "v1".
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def is_namespace(self) -> bool:
        return self.group == "" and self.kind == "Namespace"


@dataclass(frozen=True)
class OverrideEntry:
    """One ``spec.overrides`` entry: a cluster name or (extension) a cluster selector."""

    index: int
    cluster_name: str | None
    cluster_selector: LabelSelector | None
    patches: tuple[PatchOp, ...]

    def applies_to(self, cluster: Cluster) -> bool:
        if self.cluster_name is not None:
            return self.cluster_name == cluster.name
        return self.cluster_selector is not None and self.cluster_selector.matches(cluster.labels)

    def describe_target(self) -> str:
        if self.cluster_name is not None:
            return f"clusterName {self.cluster_name}"
        return f"clusterSelector {self.cluster_selector}"


@dataclass(frozen=True)
class Placement:
    """``spec.placement``: ``cluster_names`` is None when the list is absent."""

    cluster_names: tuple[str, ...] | None
    selector: LabelSelector | None

    def describe(self) -> str:
        if self.cluster_names is not None:
            return f"clusters [{', '.join(self.cluster_names)}]"
        if self.selector is None:
            return "no clusters (neither clusters nor clusterSelector is set)"
        return f"clusterSelector {self.selector}"


def _qualified_name(obj: Named) -> str:
    return f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name


class Referable:
    """How an object is named to users: ``key`` and ``ref`` from its kind, namespace, name."""

    @property
    def key(self: Named) -> str:
        """``namespace/name``, or ``name`` for cluster-scoped objects (KubeFed's qualified name)."""
        return _qualified_name(self)

    @property
    def ref(self: Named) -> str:
        """How users name it on the command line: ``KIND/NAMESPACE/NAME`` (``KIND/NAME``)."""
        return f"{self.kind}/{_qualified_name(self)}"


@dataclass(frozen=True)
class FederatedObject(Referable):
    """A ``Federated<Kind>`` document."""

    doc: Document
    target: TargetType
    name: str
    namespace: str
    template: Mapping[str, Any]
    placement: Placement
    overrides: tuple[OverrideEntry, ...]
    retain_replicas: bool

    @property
    def kind(self) -> str:
        return self.target.federated_kind

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path)

    def overrides_for(self, cluster: Cluster) -> list[OverrideEntry]:
        """The ``spec.overrides`` entries that apply to ``cluster``, in list order."""
        by_name, by_selector = self._override_index
        positions = by_name.get(cluster.name, [])
        if by_selector:
            selected = [i for i in by_selector if self.overrides[i].applies_to(cluster)]
            if selected:
                positions = sorted([*positions, *selected])
        return [self.overrides[i] for i in positions]

    @functools.cached_property
    def _override_index(self) -> tuple[dict[str, list[int]], list[int]]:
        # Fleets often carry one entry per cluster: looking entries up by name keeps
        # rendering linear, where testing every entry against every cluster did not.
        by_name: dict[str, list[int]] = {}
        by_selector: list[int] = []
        for position, entry in enumerate(self.overrides):
            if entry.cluster_name is not None:
                by_name.setdefault(entry.cluster_name, []).append(position)
            elif entry.cluster_selector is not None:
                by_selector.append(position)
        return by_name, by_selector


WILDCARD_CLUSTER = "*"
"""The RSP preference key that applies to every cluster without a preference of its own."""


@dataclass(frozen=True)
class ClusterPreferences:
    """One entry of an RSP's ``spec.clusters`` map (``scheduling.kubefed.io/v1alpha1``).

    ``max_replicas`` of ``None`` means unbounded, like the nil ``*int64`` upstream.
    """

    min_replicas: int = 0
    max_replicas: int | None = None
    weight: int = 0


@dataclass(frozen=True)
class ReplicaSchedulingPreference:
    """A ``scheduling.kubefed.io/v1alpha1`` RSP: it schedules the federated object
    of kind ``target_kind`` with the same namespace and name."""

    doc: Document
    name: str
    namespace: str
    target_kind: str
    total_replicas: int
    rebalance: bool
    intersect_with_cluster_selector: bool
    # ``spec.clusters`` as written (empty when absent): cluster name or "*" -> preference.
    clusters: Mapping[str, ClusterPreferences]

    @property
    def key(self) -> str:
        """``namespace/name``: the target's qualified name, which salts the planner's hash."""
        return f"{self.namespace}/{self.name}"

    @property
    def ref(self) -> str:
        return f"ReplicaSchedulingPreference/{self.key}"

    @property
    def target_ref(self) -> str:
        return f"{self.target_kind}/{self.key}"

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path)


@dataclass(frozen=True)
class MultiClusterService(Referable):
    """A Karmada ``networking.karmada.io/v1alpha1`` MultiClusterService.

    It exposes the Service of the same namespace and name; ``providers`` and ``consumers``
    are the clusters named (empty: every cluster, as Karmada's ``GetProviderClusters`` and
    ``GetConsumerClusters`` in pkg/util/helper/mcs.go take an empty list).
    """

    doc: Document
    name: str
    namespace: str
    types: tuple[str, ...]
    providers: tuple[str, ...]
    consumers: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "MultiClusterService"

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path)


@dataclass
class FleetSpec:
    """Everything the fleet declares, validated and typed."""

    clusters: dict[str, Cluster] = field(default_factory=dict)
    fleet_doc: Document | None = None
    # None when the Fleet has no (or a broken) gitops section.
    gitops: GitOpsSettings | None = None
    # None when the Fleet has no (or a broken) traffic section (kfedgen.traffic).
    traffic: TrafficSettings | None = None
    types: dict[tuple[str, str], TargetType] = field(default_factory=dict)
    disabled_types: set[tuple[str, str]] = field(default_factory=set)
    federated: list[FederatedObject] = field(default_factory=list)
    namespaces: dict[str, FederatedObject] = field(default_factory=dict)
    plain: list[Document] = field(default_factory=list)
    preferences: list[ReplicaSchedulingPreference] = field(default_factory=list)
    # Karmada policies, parsed by kfedgen.frontends.karmada.policies.
    propagation_policies: list[PropagationPolicy] = field(default_factory=list)
    override_policies: list[OverridePolicy] = field(default_factory=list)
    # Karmada ResourceInterpreterCustomizations (config.karmada.io), in input order.
    customizations: list[Customization] = field(default_factory=list)
    # Karmada MultiClusterServices, rendered by kfedgen.traffic.
    multicluster_services: list[MultiClusterService] = field(default_factory=list)
    # False when the inventory could not be read whole (no inventory at all, or an inventory
    # document whose clusters are unreadable); broken_cluster_names are clusters whose own
    # entry has an error.  Either way the cause is reported already.
    inventory_complete: bool = True
    broken_cluster_names: set[str] = field(default_factory=set)

    def cluster_list(self) -> list[Cluster]:
        return [self.clusters[name] for name in sorted(self.clusters)]

    def unknown_cluster(self, name: str) -> bool:
        """Whether a reference to cluster ``name`` is an error: certainly not in the inventory.

        A name that a broken inventory entry carries, or any name while the inventory is
        incomplete, is not: reporting it would only repeat the inventory's own error.
        """
        if name in self.clusters or name in self.broken_cluster_names:
            return False
        return self.inventory_complete
