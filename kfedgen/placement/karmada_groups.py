"""Workload (anti-)affinity across the fleet: which objects are grouped, and their order.

An object whose policy has ``placement.workloadAffinity`` and that carries a term's label is
a member of a group.  Its schedule depends on the members scheduled before it, so
:class:`Grouping` defers the members and schedules them after every other object, in
:func:`kfedgen.karmada.workloadaffinity.schedule_order`, carrying the clusters each one got
(:class:`kfedgen.karmada.workloadaffinity.Ledger`).  One pass is enough: a member unschedulable
because of its groups stays so when Karmada retries it, since later members only add
constraints (they never free a cluster).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from kfedgen.decisions import AnyResolution
from kfedgen.errors import Problems
from kfedgen.frontends.karmada.plain import KarmadaResolution, PlainObject
from kfedgen.karmada.policytypes import PropagationPolicy
from kfedgen.karmada.workloadaffinity import (
    GroupFilter,
    Groups,
    Ledger,
    Member,
    binding_name,
    instantiate,
    schedule_order,
)
from kfedgen.placement.karmada_choice import Choice

# A grouped object: its index among all the resolutions, the object, its policy, its groups.
Deferred = tuple[int, PlainObject, Choice, Groups]
Schedule = Callable[[PlainObject, Choice, GroupFilter], KarmadaResolution]


class Grouping:
    """The grouped objects of one propagation pass, deferred, then scheduled in order.

    Also notes which terms of each winning policy grouped something: a term whose label is
    on none of the policy's objects does nothing, and a warning says so.
    """

    def __init__(self) -> None:
        self.deferred: list[Deferred] = []
        self._policies: dict[str, PropagationPolicy] = {}
        self._used: set[tuple[str, str]] = set()  # (policy ref, term side)

    def defer(self, position: int, obj: PlainObject, choice: Choice, problems: Problems) -> bool:
        """Whether ``obj`` is grouped; if so it waits, ``position`` being its index."""
        policy = choice[0]
        if policy.placement.workload_affinity is None:
            return False
        self._policies.setdefault(policy.ref, policy)
        groups = _groups_of(obj, policy, problems)
        if groups is None:
            return False
        for side, group in (("affinity", groups.affinity), ("antiAffinity", groups.anti_affinity)):
            if group:
                self._used.add((policy.ref, side))
        self.deferred.append((position + len(self.deferred), obj, choice, groups))
        return True

    def schedule(
        self, result: list[KarmadaResolution], schedule: Schedule, problems: Problems
    ) -> list[KarmadaResolution]:
        """``result`` with the deferred objects scheduled and back in their places."""
        self._warn_unused_terms(problems)
        if not self.deferred:
            return result
        return _reinsert(result, _schedule_grouped(self.deferred, schedule, problems))

    def _warn_unused_terms(self, problems: Problems) -> None:
        for ref, policy in sorted(self._policies.items()):
            term = policy.placement.workload_affinity
            if term is None:  # not noted: defer() keeps only policies with a term
                continue
            for side, key in (
                ("affinity", term.affinity_key),
                ("antiAffinity", term.anti_affinity_key),
            ):
                if key and (ref, side) not in self._used:
                    path = ("spec", "placement", "workloadAffinity", side)
                    problems.warning(
                        policy.location(path),
                        path,
                        f"{ref}: none of the namespaced objects it places has the label "
                        f"{key}, so workloadAffinity.{side} groups nothing (a binding's "
                        "group comes from its resource template's label)",
                        f"label the resource templates with {key}, or remove the term",
                    )


def _groups_of(obj: PlainObject, policy: PropagationPolicy, problems: Problems) -> Groups | None:
    """The object's workload affinity groups under its winning policy (None: ungrouped)."""
    groups = instantiate(policy.placement.workload_affinity, obj.ident.labels)
    if groups is None:
        return None
    if not obj.namespace:
        # binding_types.go WorkloadAffinityGroups: set on ResourceBindings only;
        # BuildClusterResourceBinding (detector.go) never sets it.
        path = ("metadata", "labels")
        problems.warning(
            obj.location(path),
            path,
            f"{obj.ref} is cluster-scoped: Karmada gives workload affinity groups to "
            f"namespaced objects only, so the workloadAffinity of {policy.ref} does not apply "
            "to it",
        )
        return None
    return groups


def _schedule_grouped(
    deferred: Sequence[Deferred], schedule: Schedule, problems: Problems
) -> list[tuple[int, KarmadaResolution]]:
    """Schedule the grouped objects in order, each seeing the clusters of those before it."""
    ledger = Ledger()
    scheduled = []
    for position, obj, choice, groups in sorted(deferred, key=lambda d: _order(d[1])):
        binding = binding_name(obj.kind, obj.name)
        unplaced = Member(obj.ref, obj.api_version, obj.namespace, binding, groups, frozenset())
        check = ledger.filter_for(unplaced)
        resolution = schedule(obj, choice, check)
        for other in check.same_binding:
            problems.warning(
                obj.location(("metadata", "name")),
                ("metadata", "name"),
                f"{obj.ref} ({obj.api_version}) and {other} both have the ResourceBinding "
                f"name {binding!r} in namespace {obj.namespace} (Karmada names a binding "
                "<name>-<kind>, lower-case), so Karmada's workload affinity filters take them "
                "for one binding: they do not constrain each other",
                "rename one of them",
            )
        ledger.record(replace(unplaced, clusters=targets(resolution)))
        scheduled.append((position, resolution))
    return scheduled


def _reinsert(
    result: list[KarmadaResolution], scheduled: Sequence[tuple[int, KarmadaResolution]]
) -> list[KarmadaResolution]:
    """``result`` with each deferred resolution back at the place its document had.

    A position is the index the resolution would have had, had it not been deferred; in
    ascending order, every index before it is filled when it is inserted.
    """
    merged = list(result)
    for position, resolution in sorted(scheduled, key=lambda s: s[0]):
        merged.insert(position, resolution)
    return merged


def targets(resolution: AnyResolution) -> frozenset[str]:
    """The binding's ``spec.clusters``: where it is placed, suspended clusters included."""
    placed = {name for name, d in resolution.decisions.items() if d.placed}
    propagation = resolution.propagation
    return frozenset(placed | set(propagation.suspended if propagation is not None else ()))


def _order(obj: PlainObject) -> tuple[str, ...]:
    return schedule_order(obj.api_version, obj.kind, obj.namespace, obj.name)


def group_lines(resolution: AnyResolution, resolutions: Sequence[AnyResolution]) -> list[str]:
    """For ``explain``: the object's groups, and the members scheduled before it, where."""
    mine = _grouped(resolution)
    if mine is None:
        return []
    obj, groups = mine
    # The two indexes are apart: an affinity group never meets an anti-affinity one.
    affine: list[str] = []
    apart: list[str] = []
    for other in resolutions:
        theirs = _grouped(other)
        if theirs is None or theirs[0].namespace != obj.namespace:
            continue
        if _order(theirs[0]) >= _order(obj):
            continue
        seen = f"{theirs[0].ref} ({', '.join(sorted(targets(other))) or 'not scheduled'})"
        if groups.affinity and theirs[1].affinity == groups.affinity:
            affine.append(seen)
        if groups.anti_affinity and theirs[1].anti_affinity == groups.anti_affinity:
            apart.append(seen)
    lines = []
    for group, what, members in (
        (groups.affinity, "affinity", affine),
        (groups.anti_affinity, "anti-affinity", apart),
    ):
        if group:
            after = f"scheduled after {', '.join(members)}" if members else "first of its group"
            lines.append(f"workload {what} group {group}: {after}")
    return lines


def _grouped(resolution: AnyResolution) -> tuple[PlainObject, Groups] | None:
    obj = resolution.obj
    propagation = resolution.propagation
    if not isinstance(obj, PlainObject) or propagation is None or propagation.policy is None:
        return None
    if not obj.namespace:
        return None
    groups = instantiate(propagation.policy.placement.workload_affinity, obj.ident.labels)
    return (obj, groups) if groups is not None else None
