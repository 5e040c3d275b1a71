"""Karmada scheduling outcomes as cluster decisions and ReviseReplica values."""

from __future__ import annotations

from collections.abc import Mapping

from kfedgen.decisions import Propagation
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

_STRATEGY_TEXT = {
    DUPLICATED: "Duplicated: every cluster gets spec.replicas",
    STATIC_WEIGHT: "Divided by static weights (Webster method, ties by cluster name)",
    "DynamicWeight": "Divided by dynamic weight (declared available replicas)",
    AGGREGATED: "Divided, Aggregated (fewest clusters by declared available replicas)",
}


def apply_outcome(
    resolution: KarmadaResolution,
    propagation: Propagation,
    policy: PropagationPolicy,
    outcome: Outcome,
) -> None:
    """Turn a scheduling outcome into decisions and the ReviseReplica values."""
    workload = propagation.workload
    divided = policy.placement.replica_scheduling.type == "Divided"
    if outcome.strategy:
        resolution.scheduled_by = f"{policy.ref}: {_STRATEGY_TEXT[outcome.strategy]}"
    completions = _split_completions(outcome.assigned, workload) if divided else {}
    for name, decision in resolution.decisions.items():
        reasons = list(outcome.reasons.get(name, []))
        if name not in outcome.assigned:
            # The filter or selection step that left the cluster out says why, last.
            last = outcome.dropped.get(name) or (reasons.pop() if reasons else "not selected")
            for reason in reasons:
                decision.note(reason)
            decision.drop(last)
            continue
        for reason in reasons:
            decision.note(reason)
        replicas = outcome.assigned[name]
        decision.replicas = replicas
        if replicas is None:
            decision.place(f"{outcome.placed_as}: it goes to every selected cluster")
            continue
        if name in outcome.notes:
            resolution.schedule_notes[name] = outcome.notes[name]
        if name in outcome.weights:
            propagation.weights[name] = outcome.weights[name]
        note = outcome.notes.get(name, "")
        count = f"{replicas} replica{'' if replicas == 1 else 's'}"
        text = f"{note} → {count}" if note else count
        if divided and workload is not None and workload.field is not None:
            revision = {workload.field: replicas}
            if name in completions:
                revision["completions"] = completions[name]
            propagation.revisions[name] = revision
            written = ", ".join(f"spec.{k} = {v}" for k, v in revision.items())
            text += f" ({written})"
        decision.place(text)


def _split_completions(
    assigned: Mapping[str, int | None], workload: Workload | None
) -> dict[str, int]:
    """A divided Job's completions, split by the Webster dispenser over the assigned replicas."""
    if workload is None or workload.completions is None:
        return {}
    weights = {n: r for n, r in assigned.items() if r}
    return allocate_webster_seats(workload.completions, weights) if weights else {}


def apply_suspension(resolution: KarmadaResolution, policy: PropagationPolicy) -> None:
    suspension = policy.suspension
    for name, decision in resolution.decisions.items():
        if not decision.placed:
            continue
        if suspension.everywhere:
            decision.drop("suspension.dispatching stops dispatching to every cluster")
        elif name in suspension.clusters:
            decision.drop("suspension.dispatchingOnClusters stops dispatching here")
