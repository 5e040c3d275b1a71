"""Karmada policy documents as typed values (``policy.karmada.io/v1alpha1``).

``PropagationPolicy`` / ``ClusterPropagationPolicy`` choose clusters and divide replicas;
``OverridePolicy`` / ``ClusterOverridePolicy`` change objects per cluster.  Parsing applies
Karmada's CRD defaults and webhook defaults (``replicaScheduling`` without a type is
``Divided``, a ``Divided`` division without preference is ``Weighted``, a spread constraint
without field or label spreads by ``cluster``, ``minGroups`` 0 means 1) and reports what its
validating webhook rejects (``pkg/util/validation/validation.go``) as located errors.

Matching mirrors ``pkg/util/selector.go``: :meth:`ResourceSelector.priority` is
``ResourceSelectorPriority`` and :meth:`ClusterAffinity.mismatch` is ``ClusterMatches`` (with
``matchZones`` for the ``zone`` field), explained in words for ``explain``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.karmada.overriders import OverrideError, plaintext_patches
from kfedgen.load import Document
from kfedgen.model import Cluster, FleetSpec, Taint
from kfedgen.schema import validate_document
from kfedgen.selectors import (
    LabelSelector,
    Requirement,
    is_dns1123_label,
    label_key_problem,
    label_value_problem,
    object_name_problem,
    parse_selector,
)

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


def selectors_priority(selectors: Sequence[ResourceSelector], ref: ResourceRef) -> int:
    """``ResourceMatchSelectorsPriority``: the best priority over ``selectors`` (0: no match)."""
    return max((s.priority(ref) for s in selectors), default=PRIORITY_MISMATCH)


@dataclass(frozen=True)
class FieldRequirement:
    """One ``fieldSelector.matchExpressions`` entry (key provider, region or zone; In or NotIn)."""

    key: str
    operator: str
    values: tuple[str, ...]

    def matches(self, cluster: Cluster) -> bool:
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

    def mismatch(self, cluster: Cluster) -> str | None:
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

    def matches(self, cluster: Cluster) -> bool:
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


def _cluster_fields(cluster: Cluster) -> str:
    zones = ",".join(cluster.zones)
    return f"(provider {cluster.provider!r}, region {cluster.region!r}, zones [{zones}])"


@dataclass(frozen=True)
class AffinityTerm:
    """One ``clusterAffinities`` group."""

    name: str
    index: int
    affinity: ClusterAffinity


@dataclass(frozen=True)
class Toleration:
    """A ``corev1.Toleration`` of ``clusterTolerations``."""

    key: str
    operator: str
    value: str
    effect: str

    def tolerates(self, taint: Taint) -> bool:
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
class Placement:
    """``spec.placement`` of a propagation policy."""

    affinity: ClusterAffinity | None = None
    affinity_terms: tuple[AffinityTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    spread_constraints: tuple[SpreadConstraint, ...] = ()
    replica_scheduling: ReplicaScheduling = ReplicaScheduling()


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


# -- parsing ---------------------------------------------------------------------------------


class _Parser:
    """Parses one policy document, reporting every problem against its document."""

    def __init__(self, doc: Document, problems: Problems) -> None:
        self.doc = doc
        self.problems = problems
        self.errors_before = len(problems.errors)

    def error(self, path: DocPath, message: str, hint: str = "") -> None:
        self.problems.error(self.doc.location(path), path, message, hint)

    @property
    def failed(self) -> bool:
        return len(self.problems.errors) > self.errors_before

    def identity(self, namespaced: bool) -> tuple[str, str]:
        metadata = self.doc.data["metadata"]
        name: str = metadata["name"]
        namespace: str = metadata.get("namespace", "")
        problem = object_name_problem(name)
        if problem:
            self.error(("metadata", "name"), problem)
        # A namespaced policy without a namespace is in the default one (kfedgen.scope).
        if namespace and not is_dns1123_label(namespace):
            self.error(
                ("metadata", "namespace"), f"namespace {namespace!r} is not a DNS-1123 label"
            )
        elif namespace and not namespaced:
            self.problems.warning(
                self.doc.location(("metadata", "namespace")),
                ("metadata", "namespace"),
                f"{self.doc.kind} is cluster-scoped: metadata.namespace is ignored",
            )
            namespace = ""
        return namespace, name

    def label_selector(self, raw: Mapping[str, Any] | None, path: DocPath) -> LabelSelector | None:
        if raw is None:
            return None
        selector, errors = parse_selector(raw, path)
        for where, message in errors:
            self.error(where, message)
        return selector

    def resource_selectors(
        self, raw: Sequence[Mapping[str, Any]], namespace: str
    ) -> tuple[ResourceSelector, ...]:
        selectors = []
        for index, item in enumerate(raw):
            path: DocPath = ("spec", "resourceSelectors", index)
            selector_namespace: str = item.get("namespace", "")
            if namespace and selector_namespace and selector_namespace != namespace:
                self.error(
                    (*path, "namespace"),
                    f"namespace {selector_namespace!r} differs from the policy's namespace "
                    f"{namespace!r}",
                    "a namespaced policy selects objects of its own namespace only",
                )
            selectors.append(
                ResourceSelector(
                    api_version=item["apiVersion"],
                    kind=item["kind"],
                    # The webhook defaults a namespaced policy's selectors to its namespace.
                    namespace=selector_namespace or namespace,
                    name=item.get("name", ""),
                    label_selector=self.label_selector(
                        item.get("labelSelector"), (*path, "labelSelector")
                    ),
                )
            )
        return tuple(selectors)

    def affinity(self, raw: Mapping[str, Any], path: DocPath) -> ClusterAffinity:
        requirements = []
        expressions = (raw.get("fieldSelector") or {}).get("matchExpressions") or []
        for index, item in enumerate(expressions):
            where = (*path, "fieldSelector", "matchExpressions", index)
            values = tuple(item.get("values") or ())
            if not values:
                self.error(
                    (*where, "values"), f"operator {item['operator']} needs at least one value"
                )
            for position, value in enumerate(values):
                problem = label_value_problem(value) if item["key"] != "zone" else None
                if problem:
                    self.error((*where, "values", position), problem)
            requirements.append(FieldRequirement(item["key"], item["operator"], values))
        return ClusterAffinity(
            path=path,
            cluster_names=tuple(raw.get("clusterNames") or ()),
            exclude=tuple(raw.get("exclude") or ()),
            label_selector=self.label_selector(raw.get("labelSelector"), (*path, "labelSelector")),
            field_selector=tuple(requirements),
        )

    def placement(self, raw: Mapping[str, Any]) -> Placement:
        path: DocPath = ("spec", "placement")
        affinity = None
        if raw.get("clusterAffinity") is not None:
            affinity = self.affinity(raw["clusterAffinity"], (*path, "clusterAffinity"))
        terms = self.affinity_terms(
            raw.get("clusterAffinities") or [], (*path, "clusterAffinities")
        )
        if affinity is not None and terms:
            self.error(
                (*path, "clusterAffinities"),
                "clusterAffinities cannot be used together with clusterAffinity",
                "move clusterAffinity into the first group of clusterAffinities",
            )
        return Placement(
            affinity=affinity,
            affinity_terms=terms,
            tolerations=self.tolerations(raw.get("clusterTolerations") or [], path),
            spread_constraints=self.spread_constraints(raw.get("spreadConstraints") or [], path),
            replica_scheduling=self.replica_scheduling(raw.get("replicaScheduling"), path),
        )

    def affinity_terms(
        self, raw: Sequence[Mapping[str, Any]], path: DocPath
    ) -> tuple[AffinityTerm, ...]:
        terms = []
        seen: dict[str, int] = {}
        for index, item in enumerate(raw):
            name: str = item["affinityName"]
            if name in seen:
                self.error(
                    (*path, index, "affinityName"),
                    f"affinityName {name!r} is already used by clusterAffinities[{seen[name]}]",
                )
            seen.setdefault(name, index)
            terms.append(AffinityTerm(name, index, self.affinity(item, (*path, index))))
        return tuple(terms)

    def tolerations(
        self, raw: Sequence[Mapping[str, Any]], path: DocPath
    ) -> tuple[Toleration, ...]:
        tolerations = []
        for index, item in enumerate(raw):
            where = (*path, "clusterTolerations", index)
            key: str = item.get("key", "")
            operator: str = item.get("operator") or "Equal"
            value: str = item.get("value", "")
            if not key and operator != "Exists":
                self.error((*where, "operator"), "a toleration without key must use Exists")
            if operator == "Exists" and value:
                self.error((*where, "value"), "a toleration with operator Exists takes no value")
            problem = label_key_problem(key) if key else None
            if problem:
                self.error((*where, "key"), problem)
            tolerations.append(Toleration(key, operator, value, item.get("effect", "")))
        return tuple(tolerations)

    def spread_constraints(
        self, raw: Sequence[Mapping[str, Any]], path: DocPath
    ) -> tuple[SpreadConstraint, ...]:
        constraints = []
        where = (*path, "spreadConstraints")
        fields: dict[str, int] = {}
        for index, item in enumerate(raw):
            field: str = item.get("spreadByField", "")
            label: str = item.get("spreadByLabel", "")
            if field and label:
                self.error(
                    (*where, index), "spreadByLabel cannot be used together with spreadByField"
                )
            if not field and not label:
                field = "cluster"  # SetDefaultSpreadConstraints
            min_groups = item.get("minGroups") or 1
            max_groups = item.get("maxGroups", 0)
            if 0 < max_groups < min_groups:
                self.error((*where, index, "maxGroups"), "maxGroups is lower than minGroups")
            if field in fields:
                self.error(
                    (*where, index, "spreadByField"),
                    f"spreadByField {field} is already used by spreadConstraints[{fields[field]}]",
                )
            if field:
                fields.setdefault(field, index)
            constraints.append(SpreadConstraint(index, field, label, min_groups, max_groups))
        if fields and "cluster" not in fields:
            self.error(
                where,
                "a spreadByField constraint needs a spreadByField: cluster constraint beside it",
            )
        return tuple(constraints)

    def replica_scheduling(self, raw: Mapping[str, Any] | None, path: DocPath) -> ReplicaScheduling:
        if raw is None:
            return ReplicaScheduling()  # no replicaScheduling at all: Duplicated
        where = (*path, "replicaScheduling")
        scheduling_type = raw.get("replicaSchedulingType") or "Divided"  # CRD default
        division = raw.get("replicaDivisionPreference") or ""
        if scheduling_type == "Divided" and not division:
            division = "Weighted"  # SetReplicaDivisionPreferenceWeighted
        preference = raw.get("weightPreference")
        weights = []
        if preference is not None:
            for index, item in enumerate(preference.get("staticWeightList") or []):
                target = self.affinity(
                    item["targetCluster"],
                    (*where, "weightPreference", "staticWeightList", index, "targetCluster"),
                )
                weights.append(StaticWeight(index, target, item["weight"]))
        return ReplicaScheduling(
            type=scheduling_type,
            division=division,
            has_weight_preference=preference is not None,
            static_weights=tuple(weights),
            dynamic_weight=(preference or {}).get("dynamicWeight", ""),
        )

    def suspension(self, raw: Mapping[str, Any] | None) -> Suspension:
        if raw is None:
            return Suspension()
        clusters = tuple((raw.get("dispatchingOnClusters") or {}).get("clusterNames") or ())
        everywhere = bool(raw.get("dispatching"))
        if everywhere and "dispatchingOnClusters" in raw:
            self.error(
                ("spec", "suspension"),
                "dispatching cannot be used together with dispatchingOnClusters",
            )
        return Suspension(everywhere, clusters)

    def override_rules(self, raw_spec: Mapping[str, Any]) -> tuple[OverrideRule, ...]:
        rules = []
        deprecated = [k for k in ("targetCluster", "overriders") if k in raw_spec]
        if "overrideRules" in raw_spec and deprecated:
            self.error(
                ("spec", deprecated[0]),
                f"{deprecated[0]} cannot be used together with overrideRules",
                "move it into an overrideRules entry",
            )
        for index, item in enumerate(raw_spec.get("overrideRules") or []):
            path: DocPath = ("spec", "overrideRules", index)
            rules.append(self.override_rule(f"overrideRules[{index}]", path, item))
        if not raw_spec.get("overrideRules") and "overriders" in raw_spec:
            rules.append(self.override_rule("overriders", ("spec",), raw_spec))
        return tuple(rules)

    def override_rule(self, label: str, path: DocPath, raw: Mapping[str, Any]) -> OverrideRule:
        target = None
        if raw.get("targetCluster") is not None:
            target = self.affinity(raw["targetCluster"], (*path, "targetCluster"))
        overriders: Mapping[str, Any] = raw.get("overriders") or {}
        block: DocPath = (*path, "overriders")
        try:
            # What the webhook checks up front: value required by add/replace, not remove.
            plaintext_patches(overriders.get("plaintext") or [])
        except OverrideError as exc:
            self.error((*block, "plaintext", exc.index), exc.detail)
        for index, item in enumerate(overriders.get("fieldOverrider") or []):
            if ("json" in item) == ("yaml" in item):
                self.error((*block, "fieldOverrider", index), "give exactly one of json and yaml")
        return OverrideRule(label, block, target, overriders)


def add_propagation_policy(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """Validate a (Cluster)PropagationPolicy and add it to ``spec.propagation_policies``."""
    if not validate_document(doc, doc.kind, problems):
        return
    parser = _Parser(doc, problems)
    namespaced = doc.kind == PROPAGATION_POLICY
    namespace, name = parser.identity(namespaced)
    raw = doc.data["spec"]
    policy = PropagationPolicy(
        doc=doc,
        kind=doc.kind,
        namespace=namespace,
        name=name,
        priority=raw.get("priority", 0),
        selectors=parser.resource_selectors(raw["resourceSelectors"], namespace),
        placement=parser.placement(raw.get("placement") or {}),
        suspension=parser.suspension(raw.get("suspension")),
    )
    if parser.failed:
        return
    _warn_live_only_fields(doc, raw, problems)
    _add_unique(policy, spec.propagation_policies, problems)


def add_override_policy(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """Validate a (Cluster)OverridePolicy and add it to ``spec.override_policies``."""
    if not validate_document(doc, doc.kind, problems):
        return
    parser = _Parser(doc, problems)
    namespace, name = parser.identity(doc.kind == OVERRIDE_POLICY)
    raw = doc.data["spec"]
    policy = OverridePolicy(
        doc=doc,
        kind=doc.kind,
        namespace=namespace,
        name=name,
        selectors=parser.resource_selectors(raw.get("resourceSelectors") or [], namespace),
        rules=parser.override_rules(raw),
    )
    if parser.failed:
        return
    _add_unique(policy, spec.override_policies, problems)


# Fields whose effect needs a live control plane or is not emulated: a warning says so.
_NOT_EMULATED = {
    "propagateDeps": "dependencies are not propagated along; select them explicitly",
    "association": "dependencies are not propagated along; select them explicitly",
    "schedulerName": "kfedgen schedules as Karmada's default-scheduler",
}


def _warn_live_only_fields(doc: Document, raw: Mapping[str, Any], problems: Problems) -> None:
    for key, hint in _NOT_EMULATED.items():
        value = raw.get(key)
        if value and value != "default-scheduler":
            problems.warning(
                doc.location(("spec", key)), ("spec", key), f"{key} is not emulated offline", hint
            )
    for index, term in enumerate((raw.get("placement") or {}).get("clusterAffinities") or []):
        if term.get("overflowAffinities"):
            path = ("spec", "placement", "clusterAffinities", index, "overflowAffinities")
            problems.warning(
                doc.location(path), path, "overflowAffinities are not emulated offline"
            )


_Policy = TypeVar("_Policy", PropagationPolicy, OverridePolicy)


def _add_unique(policy: _Policy, existing: list[_Policy], problems: Problems) -> None:
    for other in existing:
        if (other.kind, other.namespace, other.name) == (
            policy.kind,
            policy.namespace,
            policy.name,
        ):
            problems.error(
                policy.location(("metadata", "name")),
                ("metadata", "name"),
                f"{policy.ref} is defined twice; the first is at {other.location()}",
            )
            return
    existing.append(policy)


# -- references to clusters ------------------------------------------------------------------


def affinities(policy: PropagationPolicy | OverridePolicy) -> Iterator[ClusterAffinity]:
    """Every cluster affinity of a policy, in document order."""
    if isinstance(policy, OverridePolicy):
        yield from (rule.target for rule in policy.rules if rule.target is not None)
        return
    placement = policy.placement
    if placement.affinity is not None:
        yield placement.affinity
    yield from (term.affinity for term in placement.affinity_terms)
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
