"""Which PropagationPolicy takes a plain object (``getHighestPriorityPropagationPolicy``).

A PropagationPolicy of the object's namespace wins over any ClusterPropagationPolicy; then
higher ``priority``; then the more precise selector (name, label selector, kind); then the
smaller policy name.  The losers are kept, with why they lost, for ``explain``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kfedgen.frontends.karmada.plain import PlainObject
from kfedgen.karmada.policytypes import (
    IMPLICIT_PRIORITY_NAMES,
    PropagationPolicy,
    selectors_priority,
)

Choice = tuple[PropagationPolicy, int, list[str]]


def selects(policy: PropagationPolicy, obj: PlainObject) -> int:
    """How precisely ``policy`` selects ``obj`` (its implicit priority); 0: it does not."""
    if policy.namespaced and policy.namespace != obj.namespace:
        return 0
    return selectors_priority(policy.selectors, obj.ident)


def choose_policy(obj: PlainObject, policies: Sequence[PropagationPolicy]) -> Choice | None:
    """The winning policy, its implicit priority, and why each other match lost."""
    matches = []
    for policy in policies:
        implicit = selects(policy, obj)
        if implicit:
            matches.append((policy, implicit))
    if not matches:
        return None
    namespaced = [m for m in matches if m[0].namespaced]
    candidates = namespaced or matches
    # getHighestPriorityPropagationPolicy: priority, then implicit priority, then smaller name.
    best, implicit = min(candidates, key=lambda m: (-m[0].priority, -m[1], m[0].name))
    losers = []
    for policy, other in matches:
        if policy is best:
            continue
        if namespaced and not policy.namespaced:
            why = "a PropagationPolicy of the object's namespace wins over cluster-wide ones"
        elif policy.priority != best.priority:
            why = f"priority {policy.priority} < {best.priority}"
        elif other != implicit:
            why = f"{IMPLICIT_PRIORITY_NAMES[other]} is less precise"
        else:
            why = f"name {policy.name!r} sorts after {best.name!r}"
        losers.append(f"{policy.ref} also selects it but loses: {why}")
    return best, implicit, losers
