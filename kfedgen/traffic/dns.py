"""Weighted DNS records through external-dns: one record set per cluster, weighted by replicas.

A Service (KubeFed's or Karmada's, as each cluster receives it) that carries the kfedgen
annotation ``kfedgen.io/dns-hostname`` gets, in every cluster, external-dns's annotations
for a weighted record set instead: ``hostname``, ``set-identifier`` (the cluster's name,
unique per record set as Route 53 requires) and ``aws-weight`` — the only weighted routing
external-dns documents (docs/tutorials/aws.md, "Routing policies"; the ``aws-`` prefix
becomes the provider-specific property ``aws/weight`` in
source/annotations/provider_specific.go, ``ProviderSpecificAnnotations``, which
provider/aws/aws.go parses with ``strconv.ParseInt`` into the record's Weight).

The weights divide :data:`~kfedgen.traffic.settings.DNS_WEIGHT_TOTAL` between the clusters
in proportion to the replicas of the workloads the Service selects there
(:mod:`~kfedgen.traffic.apportion`); a cluster that is drained (``schedulable: false``) gets
0 whatever it still runs, so no new client is sent to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.model import FleetSpec
from kfedgen.rendered import RenderedObject
from kfedgen.traffic.apportion import apportion
from kfedgen.traffic.report import TrafficEntry
from kfedgen.traffic.settings import DNS_WEIGHT_TOTAL, DNSSettings
from kfedgen.traffic.workloads import WorkloadIndex

HOSTNAME_ANNOTATION = "kfedgen.io/dns-hostname"


def is_dns_service(obj: RenderedObject) -> bool:
    """Whether ``obj`` is a Service that opted in to weighted DNS."""
    return (
        obj.kind == "Service"
        and obj.api_version == "v1"
        and HOSTNAME_ANNOTATION in _annotations(obj)
    )


def weigh_dns(
    objects: Sequence[RenderedObject],
    settings: DNSSettings | None,
    spec: FleetSpec,
    index: WorkloadIndex,
    problems: Problems,
) -> tuple[list[RenderedObject], list[TrafficEntry]]:
    """``objects`` with every opted-in Service's annotations written, and the weights."""
    services = [o for o in objects if is_dns_service(o)]
    if not services:
        return list(objects), []
    if settings is None:
        reported = set()
        for obj in services:
            if obj.origin not in reported:
                reported.add(obj.origin)
                location, path = _where(spec, obj)
                problems.error(
                    location,
                    path,
                    f"{obj.origin} sets the annotation {HOSTNAME_ANNOTATION}, but the Fleet "
                    "has no spec.traffic.dns",
                    "add spec.traffic.dns (provider: aws) to the Fleet, or remove the annotation",
                )
        return list(objects), []
    by_service: dict[tuple[str, str, str], dict[str, int]] = {}
    for obj in services:
        key = (obj.namespace, obj.name, _annotations(obj)[HOSTNAME_ANNOTATION])
        by_service.setdefault(key, {})[obj.cluster] = index.serving(obj, spec.clusters)
    weights = {key: apportion(DNS_WEIGHT_TOTAL, shares) for key, shares in by_service.items()}
    entries = []
    result = []
    for obj in objects:
        if not is_dns_service(obj):
            result.append(obj)
            continue
        hostname = _annotations(obj)[HOSTNAME_ANNOTATION]
        key = (obj.namespace, obj.name, hostname)
        weight = weights[key][obj.cluster]
        result.append(_annotated(obj, settings, hostname, weight))
        entries.append(
            TrafficEntry(
                "dns",
                f"Service/{obj.namespace}/{obj.name}",
                obj.cluster,
                hostname,
                weight,
                by_service[key][obj.cluster],
            )
        )
    return result, entries


def _where(spec: FleetSpec, obj: RenderedObject) -> tuple[Location, DocPath]:
    """The annotation in the source document (a KubeFed template, or a plain object)."""
    for federated in spec.federated:
        if federated.ref == obj.origin:
            path: DocPath = ("spec", "template", "metadata", "annotations", HOSTNAME_ANNOTATION)
            return federated.location(path), path
    path = ("metadata", "annotations", HOSTNAME_ANNOTATION)
    for document in spec.plain:
        if document.location() == obj.location:
            return document.location(path), path
    return obj.location, ()


def _annotated(
    obj: RenderedObject, settings: DNSSettings, hostname: str, weight: int
) -> RenderedObject:
    annotations = {k: v for k, v in _annotations(obj).items() if k != HOSTNAME_ANNOTATION}
    annotations[f"{settings.prefix}hostname"] = hostname
    annotations[f"{settings.prefix}set-identifier"] = obj.cluster
    annotations[f"{settings.prefix}{settings.provider}-weight"] = str(weight)
    manifest = dict(obj.manifest)
    manifest["metadata"] = {**obj.manifest["metadata"], "annotations": annotations}
    return dataclasses.replace(obj, manifest=manifest)


def _annotations(obj: RenderedObject) -> Mapping[str, Any]:
    metadata = obj.manifest.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}
