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
from dataclasses import dataclass
from typing import Any

from kfedgen.decisions import OVERRIDE, ValueSource
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
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps, spec_int

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


@dataclass
class PolicyResult:
    """The objects as the override policies left them, and what the policies did.

    ``notes``: (origin, cluster) -> the rules applied there, for the object's cluster
    decision (``explain``); ``sources``: (origin, cluster) -> the rule that last changed
    the object's replica count there (``plan``).
    """

    objects: list[RenderedObject]
    notes: dict[tuple[str, str], list[str]] = dataclasses.field(default_factory=dict)
    sources: dict[tuple[str, str], ValueSource] = dataclasses.field(default_factory=dict)


def apply_override_policies(
    spec: FleetSpec,
    objects: Sequence[RenderedObject],
    replica_fields: Mapping[str, str | None],
    problems: Problems,
) -> PolicyResult:
    """Every object with the override policies applied for its cluster, in Karmada's order.

    ``replica_fields`` names, per origin, the spec field that holds its replica count.  A
    failing overrider is an error located at the policy rule; a policy that changes nothing
    anywhere is a warning.
    """
    if not spec.override_policies:
        return PolicyResult(list(objects))
    cluster_wide = [p for p in spec.override_policies if not p.namespaced]
    by_namespace: dict[str, list[OverridePolicy]] = {}
    for policy in spec.override_policies:
        if policy.namespaced:
            by_namespace.setdefault(policy.namespace, []).append(policy)
    applier = _Applier(problems)
    result = PolicyResult([])
    for obj in objects:
        cluster = spec.clusters[obj.cluster]
        done = _Done(replica_fields.get(obj.origin, "replicas"))
        state: _State | None = (obj.manifest, obj.trail)
        for phase in (cluster_wide, None):
            if state is None:
                break
            # OverridePolicies see the object as the cluster-wide ones left it.
            namespace = ResourceRef.of(state[0]).namespace
            policies = phase if phase is not None else by_namespace.get(namespace, [])
            if phase is None and not namespace:
                break
            state = _apply_policies(applier, policies, state, cluster, obj, done)
        key = (obj.origin, obj.cluster)
        if done.notes:
            result.notes[key] = done.notes
        if done.source is not None:
            result.sources[key] = done.source
        if state is None:
            continue
        if state[0] is not obj.manifest:
            obj = dataclasses.replace(obj, manifest=state[0], trail=state[1])  # noqa: PLW2901
        result.objects.append(obj)
    for policy in spec.override_policies:
        if id(policy) not in applier.used:
            problems.warning(
                policy.location(("metadata", "name")),
                ("metadata", "name"),
                f"{policy.ref} overrides no rendered object in any cluster; it has no effect",
            )
    return result


@dataclass
class _Done:
    """What the rules did to one object in one cluster (the field: its replica count's)."""

    field: str | None
    notes: list[str] = dataclasses.field(default_factory=list)
    source: ValueSource | None = None


def _apply_policies(
    applier: _Applier,
    policies: Sequence[OverridePolicy],
    state: _State,
    cluster: Cluster,
    obj: RenderedObject,
    done: _Done,
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
            before, (manifest, steps) = manifest, applied
            if trail is not None:
                for identity, source in steps:
                    trail = trail.step_to(identity, source)
            done.notes.append(_describe(policy, rule))
            if done.field is not None and spec_int(before, done.field) != spec_int(
                manifest, done.field
            ):
                done.source = ValueSource(
                    OVERRIDE, f"{policy.ref} {rule.label}", policy.location(rule.path)
                )
    return manifest, trail


def _describe(policy: OverridePolicy, rule: OverrideRule) -> str:
    kinds = [name for name in OVERRIDER_ORDER if rule.overriders.get(name)]
    target = f" (targetCluster {rule.target.describe()})" if rule.target is not None else ""
    return f"{policy.ref} {rule.label}{target}: {', '.join(kinds) or 'no overriders'}"
