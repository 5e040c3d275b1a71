"""Karmada MultiClusterServices, rendered for the mechanism the Fleet names, and the splits.

A MultiClusterService exposes the Service of its namespace and name from its provider
clusters to its consumer clusters (Karmada's pkg/apis/networking/v1alpha1/service_types.go;
an empty list means every cluster, pkg/util/helper/mcs.go).  Offline, kfedgen renders what
the member clusters' own machinery needs instead of Karmada's controllers:

* ``mcs-api`` (sigs.k8s.io/mcs-api, ``multicluster.x-k8s.io/v1alpha1``): a ``ServiceExport``
  beside the Service in every provider, a ``ServiceImport`` (type ``ClusterSetIP``, or
  ``Headless`` for a headless Service, with the Service's ports) in every consumer.  The MCS
  controller merges the endpoints of every provider behind the one import, so traffic follows
  the replicas already and there is no split to write.
* ``linkerd``: the label ``mirror.linkerd.io/exported: "true"`` on the Service in every
  provider (Linkerd's default export selector); Linkerd's service mirror creates
  ``<service>-<link>`` in each linked cluster (multicluster/service-mirror/cluster_watcher.go,
  ``mirrorServiceName``), and kfedgen takes each link to be named like the kfedgen cluster
  (``linkerd multicluster link --cluster-name <cluster>``).  With ``split``, each consumer that
  has the Service gets a split of it between the local Service (when the consumer provides
  it) and the mirrors of the other providers, weighted like the DNS records: in proportion to
  the replicas the Service selects in each provider, 0 for a drained provider -- an SMI
  ``TrafficSplit`` (``split.smi-spec.io/v1alpha2``, as Linkerd's SMI extension serves it) or a
  Gateway API ``HTTPRoute`` with the Service as its parent (one per port, GAMMA style).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import Problems
from kfedgen.frontends.karmada.services import CROSS_CLUSTER
from kfedgen.model import FleetSpec, MultiClusterService
from kfedgen.rendered import RenderedObject
from kfedgen.traffic.apportion import apportion
from kfedgen.traffic.report import TrafficEntry
from kfedgen.traffic.settings import DNS_WEIGHT_TOTAL, MultiClusterSettings
from kfedgen.traffic.workloads import WorkloadIndex

MCS_API_VERSION = "multicluster.x-k8s.io/v1alpha1"
SMI_API_VERSION = "split.smi-spec.io/v1alpha2"
GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
LINKERD_EXPORTED = "mirror.linkerd.io/exported"


def expose(
    objects: Sequence[RenderedObject],
    spec: FleetSpec,
    index: WorkloadIndex,
    problems: Problems,
) -> tuple[list[RenderedObject], list[TrafficEntry]]:
    """``objects`` with every MultiClusterService rendered, and the split weights."""
    if not spec.multicluster_services:
        return list(objects), []
    settings = spec.traffic.multi_cluster if spec.traffic is not None else None
    services: dict[tuple[str, str], dict[str, RenderedObject]] = {}
    for obj in objects:
        if obj.kind == "Service" and obj.api_version == "v1":
            services.setdefault((obj.namespace, obj.name), {})[obj.cluster] = obj
    labelled: dict[tuple[str, str, str], RenderedObject] = {}
    extra: list[RenderedObject] = []
    entries: list[TrafficEntry] = []
    for mcs in spec.multicluster_services:
        # The front-end reported the ones that cannot be rendered.
        if settings is None or CROSS_CLUSTER not in mcs.types:
            continue
        placed = services.get((mcs.namespace, mcs.name), {})
        providers = [c for c in (mcs.providers or sorted(spec.clusters)) if c in placed]
        if not providers:
            problems.warning(
                mcs.location(("metadata", "name")),
                ("metadata", "name"),
                f"{mcs.ref}: no provider cluster receives Service {mcs.namespace}/{mcs.name}; "
                "nothing is exported",
                "render the Service in the provider clusters (a FederatedService, or a "
                "PropagationPolicy that selects it)",
            )
            continue
        consumers = list(mcs.consumers or sorted(spec.clusters))
        if settings.mechanism == "mcs-api":
            extra.extend(_mcs_api(mcs, placed, providers, consumers))
            continue
        for cluster in providers:
            labelled[(cluster, mcs.namespace, mcs.name)] = _exported(placed[cluster])
        if settings.split is not None:
            shares = {c: index.serving(placed[c], spec.clusters) for c in providers}
            for consumer in consumers:
                if consumer in placed:
                    split, weights = _split(mcs, settings, placed[consumer], providers, shares)
                    extra.extend(split)
                    entries.extend(weights)
            apexless = [c for c in consumers if c not in placed]
            if apexless:
                problems.warning(
                    mcs.location(("spec", "consumerClusters")),
                    ("spec", "consumerClusters"),
                    f"{mcs.ref}: consumer {_names(apexless)} does not receive Service "
                    f"{mcs.namespace}/{mcs.name}, the split's apex; no split is rendered there",
                    f"place the Service there too, or let its clients call the mirrors "
                    f"{mcs.name}-<cluster>",
                )
    result = [
        labelled.get((o.cluster, o.namespace, o.name), o) if o.kind == "Service" else o
        for o in objects
    ]
    return [*result, *extra], entries


def _names(clusters: Sequence[str]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 1 more``: the clusters a warning names."""
    quoted = [repr(c) for c in clusters[:2]]
    if len(clusters) > 2:
        quoted.append(f"{len(clusters) - 2} more")
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one: a rendered object is not validated
    against Kubernetes' schemas before this stage, so its fields may have any shape."""
    return value if isinstance(value, Mapping) else {}


def _ports(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    ports = spec.get("ports")
    return [p for p in ports if isinstance(p, Mapping)] if isinstance(ports, list) else []


def _meta(name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace}


def _mcs_api(
    mcs: MultiClusterService,
    placed: Mapping[str, RenderedObject],
    providers: Sequence[str],
    consumers: Sequence[str],
) -> list[RenderedObject]:
    rendered = []
    for cluster in providers:
        manifest = {
            "apiVersion": MCS_API_VERSION,
            "kind": "ServiceExport",
            "metadata": _meta(mcs.name, mcs.namespace),
        }
        rendered.append(RenderedObject(cluster, manifest, mcs.ref, mcs.location()))
    # Every provider renders the same Service but for overrides: the first one's ports stand.
    service = _mapping(placed[providers[0]].manifest.get("spec"))
    ports = [
        {
            k: v
            for k, v in (
                ("name", p.get("name")),
                ("port", p.get("port")),
                ("protocol", p.get("protocol", "TCP")),
            )
            if v is not None
        }
        for p in _ports(service)
    ]
    kind = "Headless" if service.get("clusterIP") == "None" else "ClusterSetIP"
    for cluster in consumers:
        manifest = {
            "apiVersion": MCS_API_VERSION,
            "kind": "ServiceImport",
            "metadata": _meta(mcs.name, mcs.namespace),
            "spec": {"type": kind, "ports": ports},
        }
        rendered.append(RenderedObject(cluster, manifest, mcs.ref, mcs.location()))
    return rendered


def _exported(service: RenderedObject) -> RenderedObject:
    metadata = _mapping(service.manifest.get("metadata"))
    labels = {**_mapping(metadata.get("labels")), LINKERD_EXPORTED: "true"}
    manifest = {**service.manifest, "metadata": {**metadata, "labels": labels}}
    return RenderedObject(
        service.cluster, manifest, service.origin, service.location, service.trail
    )


def backend_name(service: str, provider: str, consumer: str) -> str:
    """The Service a consumer reaches a provider's pods through: its own, or the mirror."""
    return service if provider == consumer else f"{service}-{provider}"


def _split(
    mcs: MultiClusterService,
    settings: MultiClusterSettings,
    apex: RenderedObject,
    providers: Sequence[str],
    shares: Mapping[str, int],
) -> tuple[list[RenderedObject], list[TrafficEntry]]:
    weights = apportion(DNS_WEIGHT_TOTAL, shares)
    consumer, name, namespace = apex.cluster, apex.name, apex.namespace
    backends = [(backend_name(name, p, consumer), weights[p]) for p in providers]
    entries = [
        TrafficEntry("split", f"Service/{namespace}/{name}", consumer, b, w, shares[p])
        for (b, w), p in zip(backends, providers, strict=True)
    ]
    if settings.split == "smi":
        manifest = {
            "apiVersion": SMI_API_VERSION,
            "kind": "TrafficSplit",
            "metadata": _meta(name, namespace),
            "spec": {
                "service": name,
                "backends": [{"service": b, "weight": w} for b, w in backends],
            },
        }
        return [RenderedObject(consumer, manifest, mcs.ref, mcs.location())], entries
    ports = [p.get("port") for p in _ports(_mapping(apex.manifest.get("spec")))]
    routes = []
    for port in ports:
        manifest = {
            "apiVersion": GATEWAY_API_VERSION,
            "kind": "HTTPRoute",
            "metadata": _meta(name if len(ports) == 1 else f"{name}-{port}", namespace),
            "spec": {
                "parentRefs": [{"group": "", "kind": "Service", "name": name, "port": port}],
                "rules": [
                    {"backendRefs": [{"name": b, "port": port, "weight": w} for b, w in backends]}
                ],
            },
        }
        routes.append(RenderedObject(consumer, manifest, mcs.ref, mcs.location()))
    return routes, entries
