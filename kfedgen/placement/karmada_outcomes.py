"""Karmada scheduling outcomes as cluster decisions and ReviseReplica values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from kfedgen.decisions import SCHEDULER, TEMPLATE, UNSET, Preference, Propagation, ValueSource
from kfedgen.frontends.karmada.plain import KarmadaResolution
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.policytypes import (
    AGGREGATED,
    DUPLICATED,
    STATIC_WEIGHT,
    PropagationPolicy,
)
from kfedgen.karmada.scheduler import Outcome
from kfedgen.karmada.webster import allocate_webster_seats
from kfedgen.rendered import spec_int

_STRATEGY_TEXT = {
    DUPLICATED: "Duplicated: every cluster gets spec.replicas",
    STATIC_WEIGHT: "Divided by static weights (Webster method, ties by cluster name)",
    "DynamicWeight": "Divided by dynamic weight (declared available replicas)",
    AGGREGATED: "Divided, Aggregated (fewest clusters by declared available replicas)",
}


def apply_outcome(
    resolution: KarmadaResolution, policy: PropagationPolicy, outcome: Outcome
) -> KarmadaResolution:
    """The resolution with a scheduling outcome's decisions and ReviseReplica values."""
    propagation = resolution.propagation or Propagation(policy)
    workload = propagation.workload
    divided = policy.placement.replica_scheduling.type == "Divided"
    completions = _split_completions(outcome.assigned, workload) if divided else {}
    scheduled = ValueSource(SCHEDULER, policy.ref, policy.location(_PLACEMENT_PATH))
    kept = _template_source(resolution, propagation.replica_field)
    decisions = {}
    revisions: dict[str, Mapping[str, int]] = {}
    for name, before in resolution.decisions.items():
        reasons = list(outcome.reasons.get(name, []))
        if name not in outcome.assigned:
            # The filter or selection step that left the cluster out says why, last.
            last = outcome.dropped.get(name) or (reasons.pop() if reasons else "not selected")
            decisions[name] = before.noting(*reasons).dropping(last)
            continue
        decision = before.noting(*reasons)
        replicas = outcome.assigned[name]
        if replicas is None:
            decisions[name] = replace(decision, replicas_from=kept).placing(
                f"{outcome.placed_as}: it goes to every selected cluster"
            )
            continue
        note = outcome.notes.get(name, "")
        count = f"{replicas} replica{'' if replicas == 1 else 's'}"
        text = f"{note} → {count}" if note else count
        source = scheduled if workload is not None and workload.field is None else kept
        if divided and workload is not None and workload.field is not None:
            revision = {workload.field: replicas}
            if name in completions:
                revision["completions"] = completions[name]
            revisions[name] = revision
            source = scheduled
            written = ", ".join(f"spec.{k} = {v}" for k, v in revision.items())
            text += f" ({written})"
        preference = None
        if name in outcome.notes:
            weight = outcome.weights.get(name)
            preference = Preference(name, weight, None, None, f"{name}: {outcome.notes[name]}")
        decisions[name] = replace(
            decision, replicas=replicas, replicas_from=source, preference=preference
        ).placing(text)
    assigned = [n for n, r in outcome.assigned.items() if r is not None]
    return replace(
        resolution.with_decisions(decisions),
        scheduled_by=(
            f"{policy.ref}: {_STRATEGY_TEXT[outcome.strategy]}"
            if outcome.strategy
            else resolution.scheduled_by
        ),
        schedule_notes={n: outcome.notes[n] for n in assigned if n in outcome.notes},
        propagation=replace(
            propagation,
            revisions=revisions,
            weights={n: outcome.weights[n] for n in assigned if n in outcome.weights},
        ),
    )


_PLACEMENT_PATH = ("spec", "placement")


def _template_source(resolution: KarmadaResolution, field: str | None) -> ValueSource:
    """The resource template's own replica count (or none: Kubernetes defaults it)."""
    obj = resolution.obj
    if field is not None and spec_int(obj.manifest, field) is not None:
        return ValueSource(TEMPLATE, "the resource template", obj.location(("spec", field)))
    return ValueSource(UNSET)


def _split_completions(
    assigned: Mapping[str, int | None], workload: Workload | None
) -> dict[str, int]:
    """A divided Job's completions, split by the Webster dispenser over the assigned replicas."""
    if workload is None or workload.completions is None:
        return {}
    weights = {n: r for n, r in assigned.items() if r}
    return allocate_webster_seats(workload.completions, weights) if weights else {}


def apply_suspension(resolution: KarmadaResolution, policy: PropagationPolicy) -> KarmadaResolution:
    """The resolution with the policy's suspension applied to its placed clusters."""
    suspension = policy.suspension
    decisions = {}
    for name, decision in resolution.decisions.items():
        if not decision.placed:
            continue
        if suspension.everywhere:
            decisions[name] = decision.dropping(
                "suspension.dispatching stops dispatching to every cluster"
            )
        elif name in suspension.clusters:
            decisions[name] = decision.dropping(
                "suspension.dispatchingOnClusters stops dispatching here"
            )
    if not decisions:
        return resolution
    # The binding still holds these clusters (spec.clusters): its dependencies follow them.
    propagation = resolution.propagation or Propagation(policy)
    suspended = replace(propagation, suspended=tuple(sorted(decisions)))
    return replace(resolution.with_decisions(decisions), propagation=suspended)
