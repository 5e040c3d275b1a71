"""Karmada OverridePolicy / ClusterOverridePolicy over every rendered object.

``ApplyOverridePolicies`` (``pkg/util/overridemanager/overridemanager.go``), per object and
cluster: first every ClusterOverridePolicy whose selectors match the object, then -- for
namespaced objects -- every OverridePolicy of the object's namespace, matched against the
object as the cluster policies left it.  Within each set, policies apply least specific first
(empty selectors and kind matches, then label selectors, then names) and by name; within a
policy, every rule whose ``targetCluster`` matches, in list order; within a rule, the order of
:func:`kfedgen.karmada.overriders.apply_overriders`.  Later writes win.

The overrides apply to every object kfedgen renders -- Karmada-propagated plain objects after
their replicas are revised, and KubeFed objects after their own ``spec.overrides`` -- and never
modify a manifest in place: clusters share manifests until an override changes them.

Karmada sends the object through JSON for every matching rule, even one without plaintext
entries, so an integral float such as ``1.0`` becomes ``1``.  kfedgen does not reproduce that
round trip: the API server stores the same JSON number for ``1.0`` and ``1``, and keeping the
numbers as written makes an object's file independent of whether some rule matched it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.decisions import ClusterDecision
from kfedgen.errors import Problems
from kfedgen.identity import Identity, Source, Trail
from kfedgen.karmada.overriders import OVERRIDER_ORDER, OverrideError, apply_overriders
from kfedgen.karmada.policytypes import (
    OverridePolicy,
    OverrideRule,
    ResourceRef,
    selectors_priority,
)
from kfedgen.model import Cluster, FleetSpec
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps

Decisions = Mapping[str, Mapping[str, ClusterDecision]]  # origin -> cluster -> decision
# What one rule did to an object: its result, and each identity it gave the object on the way
# with the overrider entry that gave it (usually none).
Applied = tuple[Mapping[str, Any], tuple[tuple[Identity, Source], ...]]


def matching_policies(
    policies: Sequence[OverridePolicy], manifest: Mapping[str, Any]
) -> list[OverridePolicy]:
    """The policies whose selectors match ``manifest``, in Karmada's application order."""
    ref = ResourceRef.of(manifest)
    matched = [p for p in policies if not p.selectors or selectors_priority(p.selectors, ref)]
    return sorted(matched, key=lambda p: (p.implicit_priority(ref), p.name))


_State = tuple[Mapping[str, Any], Trail | None]  # an object's manifest and identity trail


class _Applier:
    """Applies override rules with a cache, so identical inputs share one output manifest."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        # (id of input manifest, id of rule) -> output; the inputs are kept alive in `keep`
        # so that their ids cannot be reused while the cache lives.
        self.cache: dict[tuple[int, int], Applied] = {}
        self.keep: list[Mapping[str, Any]] = []
        self.used: set[int] = set()
        # (id of manifest, id of policy set) -> matching policies in order: clusters share
        # manifests, and matching depends on the manifest alone.
        self.matching: dict[tuple[int, int], list[OverridePolicy]] = {}

    def matching_policies(
        self, policies: Sequence[OverridePolicy], manifest: Mapping[str, Any]
    ) -> list[OverridePolicy]:
        key = (id(manifest), id(policies))
        found = self.matching.get(key)
        if found is None:
            found = matching_policies(policies, manifest)
            self.matching[key] = found
            self.keep.append(manifest)
        return found

    def apply(
        self,
        manifest: Mapping[str, Any],
        policy: OverridePolicy,
        rule: OverrideRule,
        obj: RenderedObject,
    ) -> Applied | None:
        key = (id(manifest), id(rule))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        steps: list[tuple[Identity, Source]] = []
        current = Identity.of(manifest)

        def observe(overrider: str, index: int, document: Mapping[str, Any]) -> None:
            nonlocal current
            identity = Identity.of(document)
            if current.differences(identity):
                steps.append((identity, Source(policy, (*rule.path, overrider, index), policy.ref)))
                current = identity

        try:
            source = manifest if isinstance(manifest, dict) else dict(manifest)
            # Omit emptied metadata maps, as for KubeFed overrides (materialize).
            result = drop_empty_metadata_maps(apply_overriders(source, rule.overriders, observe))
        except OverrideError as exc:
            path = (*rule.path, exc.overrider, exc.index)
            self.problems.error(
                policy.location(path),
                path,
                f"{policy.ref} {rule.label} cannot override {obj.origin} for cluster "
                f"{obj.cluster!r}: {exc.detail}",
            )
            return None
        self.keep.append(manifest)
        applied = self.cache[key] = (result, tuple(steps))
        return applied


def apply_override_policies(
    spec: FleetSpec, objects: Sequence[RenderedObject], decisions: Decisions, problems: Problems
) -> list[RenderedObject]:
    """Every object with the override policies applied for its cluster, in Karmada's order.

    Each applied rule is noted in the object's cluster decision (for ``explain``); a failing
    overrider is an error located at the policy rule; a policy that changes nothing anywhere
    is a warning.
    """
    if not spec.override_policies:
        return list(objects)
    cluster_wide = [p for p in spec.override_policies if not p.namespaced]
    by_namespace: dict[str, list[OverridePolicy]] = {}
    for policy in spec.override_policies:
        if policy.namespaced:
            by_namespace.setdefault(policy.namespace, []).append(policy)
    applier = _Applier(problems)
    result = []
    for obj in objects:
        cluster = spec.clusters[obj.cluster]
        decision = decisions.get(obj.origin, {}).get(obj.cluster)
        state: _State | None = (obj.manifest, obj.trail)
        for phase in (cluster_wide, None):
            if state is None:
                break
            # OverridePolicies see the object as the cluster-wide ones left it.
            namespace = ResourceRef.of(state[0]).namespace
            policies = phase if phase is not None else by_namespace.get(namespace, [])
            if phase is None and not namespace:
                break
            state = _apply_policies(applier, policies, state, cluster, obj, decision)
        if state is None:
            continue
        if state[0] is not obj.manifest:
            obj = dataclasses.replace(obj, manifest=state[0], trail=state[1])  # noqa: PLW2901
        result.append(obj)
    for policy in spec.override_policies:
        if id(policy) not in applier.used:
            problems.warning(
                policy.location(("metadata", "name")),
                ("metadata", "name"),
                f"{policy.ref} overrides no rendered object in any cluster; it has no effect",
            )
    return result


def _apply_policies(
    applier: _Applier,
    policies: Sequence[OverridePolicy],
    state: _State,
    cluster: Cluster,
    obj: RenderedObject,
    decision: ClusterDecision | None,
) -> _State | None:
    manifest, trail = state
    for policy in applier.matching_policies(policies, manifest):
        for rule in policy.rules:
            if rule.target is not None and not rule.target.matches(cluster):
                continue
            applier.used.add(id(policy))
            applied = applier.apply(manifest, policy, rule, obj)
            if applied is None:
                return None  # Karmada aborts the object for this cluster
            manifest, steps = applied
            if trail is not None:
                for identity, source in steps:
                    trail = trail.step_to(identity, source)
            if decision is not None:
                decision.note(_describe(policy, rule))
    return manifest, trail


def _describe(policy: OverridePolicy, rule: OverrideRule) -> str:
    kinds = [name for name in OVERRIDER_ORDER if rule.overriders.get(name)]
    target = f" (targetCluster {rule.target.describe()})" if rule.target is not None else ""
    return f"{policy.ref} {rule.label}{target}: {', '.join(kinds) or 'no overriders'}"
