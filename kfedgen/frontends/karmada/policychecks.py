"""Checks of parsed Karmada propagation policies beyond their own document's validity.

Warnings for fields kfedgen accepts but does not emulate, and for spread constraints Karmada
ignores (:func:`warn_not_emulated`, :func:`warn_ignored_spread_constraints`, called per policy
by :mod:`kfedgen.frontends.karmada.policies`); and :func:`check_dependent_overrides`, which
needs every policy of the fleet and runs once they are all read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kfedgen.errors import DocPath, Problems, did_you_mean
from kfedgen.karmada.policytypes import (
    CLUSTER_OVERRIDE_POLICY,
    OVERRIDE_POLICY,
    PropagationPolicy,
)
from kfedgen.model import FleetSpec
from kfedgen.source.load import Document

# Fields whose effect needs a live control plane or is not emulated: a warning says so.
_NOT_EMULATED = {
    "schedulerName": "kfedgen schedules as Karmada's default-scheduler",
}
# Fields Karmada reads nowhere: ``association`` is deprecated in favour of propagateDeps
# (propagation_types.go) and no controller or webhook of Karmada reads it.
_WITHOUT_EFFECT = {
    "association": "set propagateDeps: true to propagate the workloads' dependencies",
}


def warn_not_emulated(doc: Document, ref: str, raw: Mapping[str, Any], problems: Problems) -> None:
    """Warn about each field of a propagation policy's ``raw`` spec kfedgen does not emulate."""
    for key, hint in _NOT_EMULATED.items():
        value = raw.get(key)
        if value and value != "default-scheduler":
            problems.warning(
                doc.location(("spec", key)), ("spec", key), f"{key} is not emulated offline", hint
            )
    for key, hint in _WITHOUT_EFFECT.items():
        if raw.get(key):
            problems.warning(
                doc.location(("spec", key)),
                ("spec", key),
                f"{key} is deprecated and has no effect in Karmada (nor in kfedgen)",
                hint,
            )


def warn_ignored_spread_constraints(policy: PropagationPolicy, problems: Problems) -> None:
    """Warn when the policy's spread constraints are ignored under static weights."""
    # karmada#3184: pkg/scheduler/core/spreadconstraint/select_clusters.go
    # shouldIgnoreSpreadConstraint skips spread constraints under static weights (Divided,
    # Weighted, no dynamicWeight), without any event or status saying so.
    placement = policy.placement
    if placement.spread_constraints and placement.replica_scheduling.ignores_spread_constraints:
        path: DocPath = ("spec", "placement", "spreadConstraints")
        problems.warning(
            policy.location(path),
            path,
            f"{policy.ref}: spreadConstraints are ignored under static weights -- Karmada "
            "(and kfedgen) divide the replicas by the static weights alone (weight 1 each "
            "without weightPreference)",
            "remove spreadConstraints, limit the clusters with clusterAffinity, or use "
            "dynamicWeight: AvailableReplicas",
        )


def check_dependent_overrides(spec: FleetSpec, problems: Problems) -> None:
    """Report every ``dependentOverrides`` name that is not an override policy of the fleet.

    Karmada's detector (``pkg/util/helper/policy.go`` ``IsDependentOverridesPresent`` and
    ``IsDependentClusterOverridesPresent``) holds a policy back until each named policy
    exists: an OverridePolicy in the policy's namespace for a PropagationPolicy, a
    ClusterOverridePolicy for a ClusterPropagationPolicy.  Every object is in git here, so a
    missing one would hold the policy back forever: an error.
    """
    for policy in spec.propagation_policies:
        override_kind = OVERRIDE_POLICY if policy.namespaced else CLUSTER_OVERRIDE_POLICY
        existing = {
            other.name
            for other in spec.override_policies
            if other.kind == override_kind and other.namespace == policy.namespace
        }
        for index, name in enumerate(policy.dependent_overrides):
            if name in existing:
                continue
            where = f" in namespace {policy.namespace!r}" if policy.namespace else ""
            path: DocPath = ("spec", "dependentOverrides", index)
            problems.error(
                policy.location(path),
                path,
                f"{policy.ref} depends on {override_kind} {name!r}, which the fleet does not "
                f"define{where}; Karmada would not apply the policy until it exists",
                did_you_mean(name, existing) or f"define {override_kind} {name!r} or remove it",
            )
