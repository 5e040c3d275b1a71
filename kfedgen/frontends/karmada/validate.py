"""The validate step for Karmada's kinds: every cluster a policy names, right after parsing.

A PropagationPolicy's or an OverridePolicy's cluster names (affinities, static weights,
spread constraints, targetCluster) must be inventory clusters, as in KubeFed placements; the
message comes from :mod:`kfedgen.frontends.references`, like every other front-end's.
"""

from __future__ import annotations

from kfedgen.errors import Problems
from kfedgen.frontends.references import report_unknown_cluster
from kfedgen.karmada.policytypes import OverridePolicy, PropagationPolicy, cluster_name_references
from kfedgen.model import FleetSpec


def check_references(spec: FleetSpec, problems: Problems) -> None:
    """Report every cluster a Karmada policy names that the inventory does not hold."""
    policies: list[PropagationPolicy | OverridePolicy] = [
        *spec.propagation_policies,
        *spec.override_policies,
    ]
    for policy in policies:
        for path, name in cluster_name_references(policy):
            report_unknown_cluster(spec, name, policy.location(path), path, problems)
