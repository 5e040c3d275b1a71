"""Parsing Karmada policy documents into :mod:`kfedgen.karmada.policytypes` values.

:func:`add_propagation_policy` and :func:`add_override_policy` are the document handlers of the
four policy kinds (``policy.karmada.io/v1alpha1``).  Parsing applies Karmada's CRD defaults and
webhook defaults (``replicaScheduling`` without a type is ``Divided``, a ``Divided`` division
without preference is ``Weighted``, a spread constraint without field or label spreads by
``cluster``, ``minGroups`` 0 means 1) and reports what its validating webhook rejects
(``pkg/util/validation/validation.go``) as located errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.karmada.policychecks import (
    warn_ignored_spread_constraints,
    warn_not_emulated,
)
from kfedgen.frontends.references import report_defined_twice
from kfedgen.frontends.schema import validate_document
from kfedgen.karmada.overriders import OverrideError, plaintext_patches
from kfedgen.karmada.policytypes import (
    OVERRIDE_POLICY,
    PROPAGATION_POLICY,
    AffinityTerm,
    ClusterAffinity,
    FieldRequirement,
    OverflowTerm,
    OverridePolicy,
    OverrideRule,
    Placement,
    PropagationPolicy,
    ReplicaScheduling,
    ResourceSelector,
    SpreadConstraint,
    StaticWeight,
    Suspension,
    Toleration,
    WorkloadAffinity,
    propagate_deps_of,
)
from kfedgen.model import FleetSpec
from kfedgen.selectors import (
    LabelSelector,
    is_dns1123_label,
    label_key_problem,
    label_value_problem,
    object_name_problem,
    parse_selector,
)
from kfedgen.source.load import Document

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
        # A namespaced policy without a namespace is in the default one (kfedgen.frontends.scope).
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
        scheduling = self.replica_scheduling(raw.get("replicaScheduling"), path)
        for term in terms:
            # ValidatePlacement with util.IsOverflowSchedulingAllowed.
            if term.overflow and not scheduling.allows_overflow:
                self.error(
                    (*path, "clusterAffinities", term.index, "overflowAffinities"),
                    "overflowAffinities can only be used together with dynamic weight or "
                    "aggregated scheduling",
                    "set replicaScheduling to Divided with dynamicWeight: AvailableReplicas or "
                    "replicaDivisionPreference: Aggregated",
                )
        return Placement(
            affinity=affinity,
            affinity_terms=terms,
            tolerations=self.tolerations(raw.get("clusterTolerations") or [], path),
            spread_constraints=self.spread_constraints(raw.get("spreadConstraints") or [], path),
            replica_scheduling=scheduling,
            workload_affinity=self.workload_affinity(raw.get("workloadAffinity"), path),
        )

    def workload_affinity(
        self, raw: Mapping[str, Any] | None, path: DocPath
    ) -> WorkloadAffinity | None:
        # pkg/util/validation/validation.go ValidateWorkloadAffinity: each groupByLabelKey is a
        # label key, and affinity and antiAffinity do not share one.
        if raw is None:
            return None
        where = (*path, "workloadAffinity")
        keys: dict[str, str] = {}
        for term in ("affinity", "antiAffinity"):
            key = (raw.get(term) or {}).get("groupByLabelKey")
            if key is None:
                continue
            problem = label_key_problem(key)
            if problem:
                self.error((*where, term, "groupByLabelKey"), problem)
            keys[term] = key
        if len(keys) == 2 and keys["affinity"] == keys["antiAffinity"]:
            self.error(
                where,
                "affinity and antiAffinity must not use the same groupByLabelKey",
                "group co-located workloads and separated workloads by different label keys",
            )
        return WorkloadAffinity(keys.get("affinity", ""), keys.get("antiAffinity", ""))

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
            where = (*path, index)
            overflow = self.overflow_terms(item, where)
            terms.append(AffinityTerm(name, index, self.affinity(item, where), overflow))
        return tuple(terms)

    def overflow_terms(self, term: Mapping[str, Any], path: DocPath) -> tuple[OverflowTerm, ...]:
        """``overflowAffinities``, checked as ``ValidateOverflowAffinities`` (validation.go)."""
        raw = term.get("overflowAffinities")
        if raw is None:
            return ()
        where = (*path, "overflowAffinities")
        if not any(
            term.get(k) for k in ("labelSelector", "fieldSelector", "clusterNames", "exclude")
        ):
            self.error(
                where,
                "overflowAffinities can only be used together with the inline ClusterAffinity",
                "select the primary group's clusters in the term itself (clusterNames, "
                "labelSelector, fieldSelector or exclude)",
            )
        names = {term["affinityName"]}
        result = []
        for index, item in enumerate(raw):
            name: str = item["affinityName"]
            problem = label_key_problem(name)
            if problem:
                self.error((*where, index, "affinityName"), problem)
            if name in names:
                self.error(
                    (*where, index, "affinityName"),
                    f"overflow affinity name {name!r} must be unique and must not duplicate the "
                    "primary group's affinityName",
                )
            names.add(name)
            result.append(OverflowTerm(name, index, self.affinity(item, (*where, index))))
        return tuple(result)

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
    selectors = parser.resource_selectors(raw["resourceSelectors"], namespace)
    policy = PropagationPolicy(
        doc=doc,
        kind=doc.kind,
        namespace=namespace,
        name=name,
        priority=raw.get("priority", 0),
        selectors=selectors,
        placement=parser.placement(raw.get("placement") or {}),
        suspension=parser.suspension(raw.get("suspension")),
        dependent_overrides=tuple(raw.get("dependentOverrides") or ()),
        preserve_on_deletion=bool(raw.get("preserveResourcesOnDeletion")),
        propagate_deps=propagate_deps_of(bool(raw.get("propagateDeps")), selectors),
        preemption=raw.get("preemption") or "Never",
    )
    if parser.failed:
        return
    warn_not_emulated(doc, policy.ref, raw, problems)
    warn_ignored_spread_constraints(policy, problems)
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


_Policy = TypeVar("_Policy", PropagationPolicy, OverridePolicy)


def _add_unique(policy: _Policy, existing: list[_Policy], problems: Problems) -> None:
    for other in existing:
        if (other.kind, other.namespace, other.name) == (
            policy.kind,
            policy.namespace,
            policy.name,
        ):
            report_defined_twice(policy, policy.ref, other, problems)
            return
    existing.append(policy)
