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
    first = next((s for s in spec.multicluster_services if s.ref == service.ref), None)
    if first is not None:
        report_defined_twice(service, service.ref, first, problems)
        return
    spec.multicluster_services.append(service)


def _clusters(
    doc: Document, spec: FleetSpec, raw: Mapping[str, Any], key: str, problems: Problems
) -> tuple[str, ...]:
    entries: Sequence[Mapping[str, str]] = raw.get(key) or ()
    for index, entry in enumerate(entries):
        path: DocPath = ("spec", key, index, "name")
        report_unknown_cluster(spec, entry["name"], doc.location(path), path, problems)
    return tuple(entry["name"] for entry in entries)
