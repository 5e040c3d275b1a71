"""Workload (anti-)affinity across the fleet: which objects are grouped, and their order.

An object whose policy has ``placement.workloadAffinity`` and that carries a term's label is
a member of a group (:func:`groups_of`).  Its schedule depends on the members scheduled
before it, so :func:`schedule_grouped` schedules the members after every other object, in
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


def groups_of(obj: PlainObject, choice: Choice, problems: Problems) -> Groups | None:
    """The object's workload affinity groups under its winning policy (None: ungrouped)."""
    policy = choice[0]
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


def schedule_grouped(
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
                f"name {binding!r} in "
                f"namespace {obj.namespace} (Karmada names a binding <name>-<kind>, "
                "lower-case), so Karmada's workload affinity filters take them for one "
                "binding: they do not constrain each other",
                "rename one of them",
            )
        ledger.record(replace(unplaced, clusters=targets(resolution)))
        scheduled.append((position, resolution))
    return scheduled


def reinsert(
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
