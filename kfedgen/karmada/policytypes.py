"""Karmada policy documents as typed values (``policy.karmada.io/v1alpha1``).

``PropagationPolicy`` / ``ClusterPropagationPolicy`` choose clusters and divide replicas;
``OverridePolicy`` / ``ClusterOverridePolicy`` change objects per cluster.  The values carry
Karmada's defaults already applied (:mod:`kfedgen.frontends.karmada.policies` parses them).

Matching mirrors ``pkg/util/selector.go``: :meth:`ResourceSelector.priority` is
``ResourceSelectorPriority`` and :meth:`ClusterAffinity.mismatch` is ``ClusterMatches`` (with
``matchZones`` for the ``zone`` field), explained in words for ``explain``.  Clusters and
taints are seen through small protocols, so this module needs nothing of the fleet model.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kfedgen.errors import DocPath, Location
from kfedgen.selectors import LabelSelector, Requirement
from kfedgen.source.load import Document

POLICY_API_VERSION = "policy.karmada.io/v1alpha1"
PROPAGATION_POLICY = "PropagationPolicy"
CLUSTER_PROPAGATION_POLICY = "ClusterPropagationPolicy"
OVERRIDE_POLICY = "OverridePolicy"
CLUSTER_OVERRIDE_POLICY = "ClusterOverridePolicy"

# util.ImplicitPriority: how precisely a policy's selectors match one object.
PRIORITY_MISMATCH = 0
PRIORITY_MATCH_ALL = 1
PRIORITY_MATCH_LABEL_SELECTOR = 2
PRIORITY_MATCH_NAME = 3
IMPLICIT_PRIORITY_NAMES = {
    PRIORITY_MATCH_ALL: "kind match",
    PRIORITY_MATCH_LABEL_SELECTOR: "labelSelector match",
    PRIORITY_MATCH_NAME: "name match",
}

# Replica scheduling strategies (pkg/scheduler/core/assignment.go).
DUPLICATED = "Duplicated"
STATIC_WEIGHT = "StaticWeight"
DYNAMIC_WEIGHT = "DynamicWeight"
AGGREGATED = "Aggregated"

SPREAD_FIELDS = ("cluster", "region", "zone", "provider")


class TaintLike(Protocol):
    """What tolerations see of a cluster taint."""

    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def effect(self) -> str: ...


class ClusterLike(Protocol):
    """What cluster affinities see of a member cluster (:class:`kfedgen.model.Cluster`)."""

    @property
    def name(self) -> str: ...
    @property
    def labels(self) -> Mapping[str, str]: ...
    @property
    def provider(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def zones(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ResourceRef:
    """What resource selectors see of an object: its type, namespace, name and labels."""

    api_version: str
    kind: str
    namespace: str
    name: str
    labels: Mapping[str, str]

    @classmethod
    def of(cls, manifest: Mapping[str, Any]) -> ResourceRef:
        """The reference of a manifest (missing or ill-typed fields read as empty)."""
        metadata = manifest.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        labels = metadata.get("labels")
        return cls(
            api_version=_text(manifest.get("apiVersion")),
            kind=_text(manifest.get("kind")),
            namespace=_text(metadata.get("namespace")),
            name=_text(metadata.get("name")),
            labels=labels if isinstance(labels, Mapping) else {},
        )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class ResourceSelector:
    """One ``resourceSelectors`` entry; an empty namespace matches every namespace."""

    api_version: str
    kind: str
    namespace: str
    name: str
    label_selector: LabelSelector | None

    def priority(self, ref: ResourceRef) -> int:
        """``ResourceSelectorPriority``: 0 when it does not match, else how precisely it does."""
        if ref.api_version != self.api_version or ref.kind != self.kind:
            return PRIORITY_MISMATCH
        if self.namespace and ref.namespace != self.namespace:
            return PRIORITY_MISMATCH
        if self.name:
            # A name wins over the label selector, which is then ignored.
            return PRIORITY_MATCH_NAME if self.name == ref.name else PRIORITY_MISMATCH
        if self.label_selector is None:
            return PRIORITY_MATCH_ALL
        if self.label_selector.matches(ref.labels):
            return PRIORITY_MATCH_LABEL_SELECTOR
        return PRIORITY_MISMATCH


SERVICE_IMPORT = ("multicluster.x-k8s.io/v1alpha1", "ServiceImport")


def propagate_deps_of(raw: bool, selectors: Sequence[ResourceSelector]) -> bool:
    """Whether a policy propagates dependencies: ``propagateDeps``, or a ServiceImport selected.

    Karmada's mutating webhook (``pkg/webhook/propagationpolicy/mutating.go``, with
    ``helper.ContainsServiceImport``) sets ``propagateDeps`` on a policy that selects a
    ``multicluster.x-k8s.io/v1alpha1`` ServiceImport: its derived Service must follow it.
    """
    return raw or any((s.api_version, s.kind) == SERVICE_IMPORT for s in selectors)


def selectors_priority(selectors: Sequence[ResourceSelector], ref: ResourceRef) -> int:
    """``ResourceMatchSelectorsPriority``: the best priority over ``selectors`` (0: no match)."""
    return max((s.priority(ref) for s in selectors), default=PRIORITY_MISMATCH)


@dataclass(frozen=True)
class FieldRequirement:
    """One ``fieldSelector.matchExpressions`` entry (key provider, region or zone; In or NotIn)."""

    key: str
    operator: str
    values: tuple[str, ...]

    def matches(self, cluster: ClusterLike) -> bool:
        if self.key == "zone":
            return _match_zones(self.operator, self.values, cluster.zones)
        # provider and region are matched as a label set without the empty fields.
        fields = {
            k: v for k, v in (("provider", cluster.provider), ("region", cluster.region)) if v
        }
        return Requirement(self.key, self.operator, self.values).matches(fields)

    def __str__(self) -> str:
        return f"{self.key} {self.operator} ({', '.join(self.values)})"


def _match_zones(operator: str, values: tuple[str, ...], zones: tuple[str, ...]) -> bool:
    """``matchZones``: In needs every zone of the cluster listed, NotIn none of them.

    (Validation admits only In and NotIn; the other operators are kept as Karmada has them.)
    """
    if operator == "In":
        return bool(zones) and all(zone in values for zone in zones)
    if operator == "NotIn":
        return not any(zone in values for zone in zones)
    if operator == "Exists":
        return bool(zones)
    if operator == "DoesNotExist":
        return not zones
    return False


@dataclass(frozen=True)
class ClusterAffinity:
    """A ``ClusterAffinity`` (placement, static weight target, override target)."""

    path: DocPath
    cluster_names: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    label_selector: LabelSelector | None = None
    field_selector: tuple[FieldRequirement, ...] = ()

    def mismatch(self, cluster: ClusterLike) -> str | None:
        """Why ``cluster`` does not match (``ClusterMatches`` order), or None when it does."""
        if cluster.name in self.exclude:
            return "it is listed in exclude"
        if self.label_selector is not None and not self.label_selector.matches(cluster.labels):
            return f"its labels do not match labelSelector {self.label_selector}"
        for requirement in self.field_selector:
            if not requirement.matches(cluster):
                return f"fieldSelector {requirement} does not match {_cluster_fields(cluster)}"
        if self.cluster_names and cluster.name not in self.cluster_names:
            return "it is not in clusterNames"
        return None

    def matches(self, cluster: ClusterLike) -> bool:
        return self.mismatch(cluster) is None

    def describe(self) -> str:
        """The parts of the affinity that select, for messages (``every cluster`` when none)."""
        parts = []
        if self.cluster_names:
            parts.append(f"clusterNames [{', '.join(self.cluster_names)}]")
        if self.label_selector is not None:
            parts.append(f"labelSelector {self.label_selector}")
        parts.extend(f"fieldSelector {r}" for r in self.field_selector)
        if self.exclude:
            parts.append(f"exclude [{', '.join(self.exclude)}]")
        return ", ".join(parts) or "every cluster"


def _cluster_fields(cluster: ClusterLike) -> str:
    zones = ",".join(cluster.zones)
    return f"(provider {cluster.provider!r}, region {cluster.region!r}, zones [{zones}])"


@dataclass(frozen=True)
class OverflowTerm:
    """One ``overflowAffinities`` group of a ``clusterAffinities`` term."""

    name: str
    index: int
    affinity: ClusterAffinity


@dataclass(frozen=True)
class AffinityTerm:
    """One ``clusterAffinities`` group, with its overflow groups in order."""

    name: str
    index: int
    affinity: ClusterAffinity
    overflow: tuple[OverflowTerm, ...] = ()


@dataclass(frozen=True)
class Toleration:
    """A ``corev1.Toleration`` of ``clusterTolerations``."""

    key: str
    operator: str
    value: str
    effect: str

    def tolerates(self, taint: TaintLike) -> bool:
        """``Toleration.ToleratesTaint`` (Lt/Gt are disabled in Karmada)."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        return self.value == taint.value


@dataclass(frozen=True)
class SpreadConstraint:
    """A ``spreadConstraints`` entry, defaulted (``cluster`` field, ``minGroups`` at least 1)."""

    index: int
    field: str
    label: str
    min_groups: int
    max_groups: int


@dataclass(frozen=True)
class StaticWeight:
    """A ``staticWeightList`` entry."""

    index: int
    target: ClusterAffinity
    weight: int


@dataclass(frozen=True)
class ReplicaScheduling:
    """``placement.replicaScheduling`` with Karmada's defaults applied."""

    type: str = DUPLICATED
    division: str = ""
    has_weight_preference: bool = False
    static_weights: tuple[StaticWeight, ...] = ()
    dynamic_weight: str = ""

    @property
    def strategy(self) -> str:
        """The assignment strategy (``newAssignState``)."""
        if self.type == DUPLICATED:
            return DUPLICATED
        if self.division == AGGREGATED:
            return AGGREGATED
        if self.dynamic_weight:
            return DYNAMIC_WEIGHT
        return STATIC_WEIGHT

    @property
    def allows_overflow(self) -> bool:
        """``util.IsOverflowSchedulingAllowed``: Divided, by dynamic weight or Aggregated."""
        return self.type != DUPLICATED and self.strategy in (AGGREGATED, DYNAMIC_WEIGHT)

    @property
    def ignores_spread_constraints(self) -> bool:
        """``shouldIgnoreSpreadConstraint``: static weights never look at spread constraints."""
        return (
            self.type == "Divided"
            and self.division == "Weighted"
            and (
                not self.has_weight_preference
                or (bool(self.static_weights) and not self.dynamic_weight)
            )
        )


@dataclass(frozen=True)
class WorkloadAffinity:
    """``placement.workloadAffinity`` (Karmada v1.17+, ``propagation_types.go``).

    Each term names the label key on the resource template whose value groups workloads (per
    namespace): ``affinity`` co-locates a group, ``antiAffinity`` separates it; "" = no term.
    """

    affinity_key: str = ""
    anti_affinity_key: str = ""


@dataclass(frozen=True)
class Placement:
    """``spec.placement`` of a propagation policy."""

    affinity: ClusterAffinity | None = None
    affinity_terms: tuple[AffinityTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    spread_constraints: tuple[SpreadConstraint, ...] = ()
    replica_scheduling: ReplicaScheduling = ReplicaScheduling()
    workload_affinity: WorkloadAffinity | None = None


@dataclass(frozen=True)
class Suspension:
    """``spec.suspension``: dispatching stopped everywhere, or in some clusters."""

    everywhere: bool = False
    clusters: tuple[str, ...] = ()


@dataclass(frozen=True)
class PropagationPolicy:
    """A ``PropagationPolicy`` or ``ClusterPropagationPolicy``."""

    doc: Document
    kind: str
    namespace: str
    name: str
    priority: int
    selectors: tuple[ResourceSelector, ...]
    placement: Placement
    suspension: Suspension
    # spec.dependentOverrides: names of (Cluster)OverridePolicies that must exist first.
    dependent_overrides: tuple[str, ...] = ()
    # spec.preserveResourcesOnDeletion (kfedgen.backend.karmada_preserve).
    preserve_on_deletion: bool = False
    # spec.propagateDeps, or a selected ServiceImport (propagate_deps_of):
    # the workloads' dependencies follow them (kfedgen.placement.karmada_dependencies).
    propagate_deps: bool = False
    # spec.preemption: whether it takes objects other policies already claimed
    # (kfedgen.karmada.preemption; Karmada defaults it to Never).
    preemption: str = "Never"

    @property
    def ref(self) -> str:
        """``PropagationPolicy NAMESPACE/NAME`` or ``ClusterPropagationPolicy NAME``."""
        return _policy_ref(self.kind, self.namespace, self.name)

    @property
    def namespaced(self) -> bool:
        return self.kind == PROPAGATION_POLICY

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path)


@dataclass(frozen=True)
class OverrideRule:
    """One ``overrideRules`` entry (or the deprecated ``targetCluster`` + ``overriders``)."""

    label: str  # "overrideRules[2]" or "overriders", for messages
    path: DocPath  # the document path of the rule's ``overriders`` block
    target: ClusterAffinity | None
    overriders: Mapping[str, Any]


@dataclass(frozen=True)
class OverridePolicy:
    """An ``OverridePolicy`` or ``ClusterOverridePolicy``; no selectors means every object."""

    doc: Document
    kind: str
    namespace: str
    name: str
    selectors: tuple[ResourceSelector, ...]
    rules: tuple[OverrideRule, ...]

    @property
    def ref(self) -> str:
        return _policy_ref(self.kind, self.namespace, self.name)

    @property
    def namespaced(self) -> bool:
        return self.kind == OVERRIDE_POLICY

    def implicit_priority(self, ref: ResourceRef) -> int:
        """How precisely this policy selects ``ref``; empty selectors count as a kind match."""
        if not self.selectors:
            return PRIORITY_MATCH_ALL
        return selectors_priority(self.selectors, ref)

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path)


def _policy_ref(kind: str, namespace: str, name: str) -> str:
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


# -- references to clusters ------------------------------------------------------------------


def affinities(policy: PropagationPolicy | OverridePolicy) -> Iterator[ClusterAffinity]:
    """Every cluster affinity of a policy, in document order."""
    if isinstance(policy, OverridePolicy):
        yield from (rule.target for rule in policy.rules if rule.target is not None)
        return
    placement = policy.placement
    if placement.affinity is not None:
        yield placement.affinity
    for term in placement.affinity_terms:
        yield term.affinity
        yield from (o.affinity for o in term.overflow)
    yield from (w.target for w in placement.replica_scheduling.static_weights)


def cluster_name_references(
    policy: PropagationPolicy | OverridePolicy,
) -> Iterator[tuple[DocPath, str]]:
    """Every cluster a policy names (clusterNames, exclude, suspension), with its path."""
    for affinity in affinities(policy):
        for field, names in (
            ("clusterNames", affinity.cluster_names),
            ("exclude", affinity.exclude),
        ):
            for index, name in enumerate(names):
                yield (*affinity.path, field, index), name
    if isinstance(policy, PropagationPolicy):
        for index, name in enumerate(policy.suspension.clusters):
            yield ("spec", "suspension", "dispatchingOnClusters", "clusterNames", index), name
