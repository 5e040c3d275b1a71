"""ReplicaSchedulingPreference documents: read and check one RSP into the spec.

An RSP (``scheduling.kubefed.io/v1alpha1``) asks for ``totalReplicas`` of the
FederatedDeployment or FederatedReplicaSet with its own namespace and name to be divided
over the member clusters.  This module only reads it; its references are checked by
:mod:`kfedgen.frontends.kubefed.validate` and it is applied by
:mod:`kfedgen.placement.rsp`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.schema import validate_document
from kfedgen.model import ClusterPreferences, FleetSpec, ReplicaSchedulingPreference
from kfedgen.selectors import is_dns1123_label, object_name_problem
from kfedgen.source.load import Document

SCHEDULING_API_VERSION = "scheduling.kubefed.io/v1alpha1"
RSP_KIND = "ReplicaSchedulingPreference"
CLUSTERS_PATH: DocPath = ("spec", "clusters")


def add_preference(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """Validate one RSP document and add it to ``spec.preferences``.

    References (the target object, cluster names) are checked by
    :func:`kfedgen.frontends.kubefed.validate.check_references`, once every document
    has been read.
    """
    if not validate_document(doc, RSP_KIND, problems):
        return
    errors_before = len(problems.errors)
    metadata, raw = doc.data["metadata"], doc.data["spec"]
    name, namespace = metadata["name"], metadata["namespace"]
    problem = object_name_problem(name)
    if problem:
        problems.error(doc.location(("metadata", "name")), ("metadata", "name"), problem)
    if not is_dns1123_label(namespace):
        problems.error(
            doc.location(("metadata", "namespace")),
            ("metadata", "namespace"),
            f"namespace {namespace!r} is not a DNS-1123 label",
        )
    clusters = {
        key: _preference(doc, key, value, problems)
        for key, value in (raw.get("clusters") or {}).items()
    }
    if len(problems.errors) > errors_before:
        return
    rsp = ReplicaSchedulingPreference(
        doc=doc,
        name=name,
        namespace=namespace,
        target_kind=raw["targetKind"],
        total_replicas=int(raw["totalReplicas"]),
        rebalance=bool(raw.get("rebalance", False)),
        intersect_with_cluster_selector=bool(raw.get("intersectWithClusterSelector", False)),
        clusters=clusters,
    )
    spec.preferences.append(rsp)


def _preference(
    doc: Document, key: str, raw: Mapping[str, Any], problems: Problems
) -> ClusterPreferences:
    # The schema admits 2.0 as an integer (JSON has one number type); int() keeps
    # the planner's arithmetic, and the rendered replicas, integral.
    maximum = raw.get("maxReplicas")
    preference = ClusterPreferences(
        min_replicas=int(raw.get("minReplicas") or 0),
        max_replicas=None if maximum is None else int(maximum),
        weight=int(raw.get("weight") or 0),
    )
    if preference.max_replicas is not None and preference.min_replicas > preference.max_replicas:
        path = (*CLUSTERS_PATH, key, "maxReplicas")
        problems.error(
            doc.location(path),
            path,
            f"maxReplicas {preference.max_replicas} is less than "
            f"minReplicas {preference.min_replicas}",
            "raise maxReplicas or lower minReplicas",
        )
    return preference
