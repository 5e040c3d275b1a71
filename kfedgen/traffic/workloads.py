"""The rendered workloads of each cluster, and the ones a Service selects.

Everything here reads the final rendered objects: the replica count is the one the cluster
receives (``spec.replicas``; Kubernetes' default 1 when it is unset), after every scheduler,
override and policy, so traffic and headroom follow exactly what is deployed and no stage is
run twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.feasibility.podspec import PodTemplate, pod_template
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject, spec_int

# Workloads whose size is spec.replicas (apps/v1); Kubernetes defaults the field to 1.
WORKLOAD_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})
DEFAULT_REPLICAS = 1


@dataclass(frozen=True)
class Workload:
    """One workload as one cluster receives it."""

    cluster: str
    kind: str
    namespace: str
    name: str
    replicas: int
    template: PodTemplate
    source: RenderedObject

    @property
    def key(self) -> tuple[str, str, str]:
        """The workload's identity across clusters: kind, namespace, name."""
        return (self.kind, self.namespace, self.name)


def workloads(objects: Iterable[RenderedObject]) -> list[Workload]:
    """Every Deployment, ReplicaSet and StatefulSet among ``objects``, in their order."""
    found = []
    for obj in objects:
        if obj.kind not in WORKLOAD_KINDS or not obj.api_version.startswith("apps/"):
            continue
        template = pod_template(obj.kind, obj.manifest)
        if template is None:
            continue
        replicas = spec_int(obj.manifest, "replicas")
        found.append(
            Workload(
                obj.cluster,
                obj.kind,
                obj.namespace,
                obj.name,
                DEFAULT_REPLICAS if replicas is None else replicas,
                template,
                obj,
            )
        )
    return found


class WorkloadIndex:
    """The workloads by (cluster, namespace), to find those a Service selects."""

    def __init__(self, found: Sequence[Workload]) -> None:
        self._by_place: dict[tuple[str, str], list[Workload]] = {}
        for workload in found:
            self._by_place.setdefault((workload.cluster, workload.namespace), []).append(workload)

    def serving(self, service: RenderedObject, clusters: Mapping[str, Cluster]) -> int:
        """The replicas behind ``service`` in its cluster that traffic should reach.

        A drained cluster (``schedulable: false``) counts 0 whatever it still runs, so no
        new traffic is sent there.
        """
        cluster = clusters.get(service.cluster)
        if cluster is not None and not cluster.schedulable:
            return 0
        return self.selected(service.cluster, service.namespace, service_selector(service.manifest))

    def selected(self, cluster: str, namespace: str, selector: Mapping[str, str]) -> int:
        """The replicas in ``cluster`` of the workloads whose pods ``selector`` matches.

        An empty selector selects nothing: Kubernetes does not manage the endpoints of a
        Service without one.
        """
        if not selector:
            return 0
        return sum(
            w.replicas
            for w in self._by_place.get((cluster, namespace), ())
            if all(w.template.labels.get(k) == v for k, v in selector.items())
        )


def service_selector(manifest: Mapping[str, Any]) -> dict[str, str]:
    """``spec.selector`` of a Service manifest (empty when it has none)."""
    spec = manifest.get("spec")
    selector = spec.get("selector") if isinstance(spec, Mapping) else None
    if not isinstance(selector, Mapping):
        return {}
    return {str(k): str(v) for k, v in selector.items()}
