"""The validate step for KubeFed's kinds: every cross-reference, right after the spec is built.

Parsing checks each document on its own; this step checks what one document says about
another, once every document has been read: the clusters a placement or an override
names, and the object and clusters a ReplicaSchedulingPreference names.  Every message
about a cluster comes from :mod:`kfedgen.frontends.references`.  Checks that need the placement
decided first (an override of a cluster the object is not placed in) stay with
:mod:`kfedgen.placement.resolve`; those that need KubeFed's arithmetic stay with the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping

from kfedgen.errors import Problems, did_you_mean
from kfedgen.frontends.kubefed.fedtypes import REPLICAS_PATH_ANNOTATION, RSP_TARGET_KINDS
from kfedgen.frontends.kubefed.rsp import CLUSTERS_PATH
from kfedgen.frontends.references import report_defined_twice, report_unknown_cluster
from kfedgen.model import (
    FEDERATED_API_VERSION,
    WILDCARD_CLUSTER,
    FederatedObject,
    FleetSpec,
    ReplicaSchedulingPreference,
)


def check_references(spec: FleetSpec, problems: Problems) -> None:
    """Report every reference of a federated object or an RSP that nothing answers."""
    for obj in spec.federated:
        _check_placement_clusters(obj, spec, problems)
        _check_override_clusters(obj, spec, problems)
    federated = {obj.ref: obj for obj in spec.federated}
    first: dict[str, ReplicaSchedulingPreference] = {}
    for rsp in spec.preferences:
        if rsp.key in first:
            report_defined_twice(rsp, rsp.ref, first[rsp.key], problems)
            continue
        first[rsp.key] = rsp
        if not _divisible(rsp, spec, problems):
            continue
        if rsp.target_ref not in federated:
            _report_missing_target(rsp, federated, spec, problems)
        _check_preference_clusters(rsp, spec, problems)


def _check_placement_clusters(obj: FederatedObject, spec: FleetSpec, problems: Problems) -> None:
    for index, name in enumerate(obj.placement.cluster_names or ()):
        path = ("spec", "placement", "clusters", index, "name")
        report_unknown_cluster(spec, name, obj.location(path), path, problems)


def _check_override_clusters(obj: FederatedObject, spec: FleetSpec, problems: Problems) -> None:
    for entry in obj.overrides:
        if entry.cluster_name is not None:
            path = ("spec", "overrides", entry.index, "clusterName")
            report_unknown_cluster(spec, entry.cluster_name, obj.location(path), path, problems)


def _divisible(rsp: ReplicaSchedulingPreference, spec: FleetSpec, problems: Problems) -> bool:
    """Whether ``targetKind`` has replicas an RSP can write: KubeFed's two kinds, or a
    federated type whose FederatedTypeConfig names them (kfedgen's extension)."""
    if rsp.target_kind in RSP_TARGET_KINDS:
        return True
    target = spec.types.get((FEDERATED_API_VERSION, rsp.target_kind))
    if target is not None and target.replicas_path:
        return True
    path = ("spec", "targetKind")
    known = "is not a federated kind" if target is None else "has no replicas to divide"
    problems.error(
        rsp.location(path),
        path,
        f"targetKind {rsp.target_kind} {known}: an RSP divides FederatedDeployment, "
        f"FederatedReplicaSet, or a federated type whose FederatedTypeConfig names its "
        f"replicas with the annotation {REPLICAS_PATH_ANNOTATION}",
        f"annotate the FederatedTypeConfig of {rsp.target_kind} with "
        f"{REPLICAS_PATH_ANNOTATION}: /spec/replicas (the JSON pointer of its replicas)",
    )
    return False


def _report_missing_target(
    rsp: ReplicaSchedulingPreference,
    federated: Mapping[str, FederatedObject],
    spec: FleetSpec,
    problems: Problems,
) -> None:
    path = ("metadata", "name")
    if (FEDERATED_API_VERSION, rsp.target_kind) in spec.disabled_types:
        # KubeFed runs no scheduler for a type whose propagation is disabled.
        problems.warning(
            rsp.location(path),
            path,
            f"propagation of {rsp.target_kind} is Disabled, so {rsp.ref} has no effect",
        )
        return
    problems.error(
        rsp.location(path),
        path,
        f"there is no {rsp.target_ref} for {rsp.ref} to schedule",
        did_you_mean(rsp.target_ref, federated)
        or f"an RSP schedules the {rsp.target_kind} with its own namespace and name",
    )


def _check_preference_clusters(
    rsp: ReplicaSchedulingPreference, spec: FleetSpec, problems: Problems
) -> None:
    for key in rsp.clusters:
        if key != WILDCARD_CLUSTER:
            path = (*CLUSTERS_PATH, key)
            report_unknown_cluster(
                spec,
                key,
                rsp.location(path),
                path,
                problems,
                f"use an inventory cluster or {WILDCARD_CLUSTER!r}",
            )
