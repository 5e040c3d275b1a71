"""Karmada ``MultiClusterService`` documents (``networking.karmada.io/v1alpha1``).

Read into :class:`~kfedgen.model.MultiClusterService`; :mod:`kfedgen.traffic.mesh` renders
them.  Field semantics from Karmada's pkg/apis/networking/v1alpha1/service_types.go; the
one-type rule from pkg/webhook/multiclusterservice/validating.go
(``validateMultiClusterServiceSpec``), which the schema states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.references import report_defined_twice, report_unknown_cluster
from kfedgen.frontends.schema import validate_document
from kfedgen.model import FleetSpec, MultiClusterService
from kfedgen.source.load import Document

NETWORKING_API_VERSION = "networking.karmada.io/v1alpha1"
MULTICLUSTER_SERVICE = "MultiClusterService"
CROSS_CLUSTER = "CrossCluster"


def add_multicluster_service(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """Validate a MultiClusterService and add it to ``spec.multicluster_services``."""
    if not validate_document(doc, MULTICLUSTER_SERVICE, problems):
        return
    raw: Mapping[str, Any] = doc.data["spec"]
    metadata = doc.data["metadata"]
    service = MultiClusterService(
        doc=doc,
        name=metadata["name"],
        namespace=metadata.get("namespace", ""),
        types=tuple(raw["types"]),
        providers=_clusters(doc, spec, raw, "providerClusters", problems),
        consumers=_clusters(doc, spec, raw, "consumerClusters", problems),
    )
    if len(set(service.types)) > 1:
        # pkg/webhook/multiclusterservice/validating.go, validateMultiClusterServiceSpec.
        problems.error(
            doc.location(("spec", "types")),
            ("spec", "types"),
            "MultiClusterService types should not contain more than one type",
            "expose the Service with CrossCluster or LoadBalancer, one MultiClusterService each",
        )
        return
    _check_renderable(service, spec, problems)
    first = next((s for s in spec.multicluster_services if s.ref == service.ref), None)
    if first is not None:
        report_defined_twice(service, service.ref, first, problems)
        return
    spec.multicluster_services.append(service)


def _check_renderable(service: MultiClusterService, spec: FleetSpec, problems: Problems) -> None:
    """Report a MultiClusterService the Fleet does not say how to render, or cannot render."""
    raw = spec.fleet_doc.data.get("spec") if spec.fleet_doc is not None else None
    traffic = raw.get("traffic") if isinstance(raw, Mapping) else None
    # A multiCluster section with an error is reported already; no follow-on error here.
    if not (isinstance(traffic, Mapping) and "multiCluster" in traffic):
        problems.error(
            service.location(("kind",)),
            ("kind",),
            f"{service.ref} needs spec.traffic.multiCluster in the Fleet to say how it is rendered",
            "add spec.traffic.multiCluster with mechanism: mcs-api or linkerd",
        )
    if CROSS_CLUSTER not in service.types:
        problems.warning(
            service.location(("spec", "types", 0)),
            ("spec", "types", 0),
            f"{service.ref}: only CrossCluster exposure is rendered; LoadBalancer exposure needs "
            "Karmada's multi-cluster ingress controller, which kfedgen does not emulate",
        )


def _clusters(
    doc: Document, spec: FleetSpec, raw: Mapping[str, Any], key: str, problems: Problems
) -> tuple[str, ...]:
    entries: Sequence[Mapping[str, str]] = raw.get(key) or ()
    for index, entry in enumerate(entries):
        path: DocPath = ("spec", key, index, "name")
        report_unknown_cluster(spec, entry["name"], doc.location(path), path, problems)
    return tuple(entry["name"] for entry in entries)
