"""Documents of small Karmada fleets: clusters, workloads, policies and overrides.

Compile them with :mod:`tests.fleets` (``compile_fleet(KARMADA_INVENTORY, [...])``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.pipeline import Compilation
from kfedgen.rendered import RenderedObject
from tests.fleets import inventory, to_yaml

# Four clusters: three regions with declared capacity, and a tainted lab cluster without a
# region, zones or capacity.
CLUSTERS: list[dict[str, Any]] = [
    {
        "name": "ap",
        "labels": {"env": "prod", "geo": "ap"},
        "provider": "aws",
        "region": "ap-northeast-1",
        "zones": ["ap-northeast-1a"],
        "availableReplicas": 8,
    },
    {
        "name": "eu",
        "labels": {"env": "prod", "geo": "eu"},
        "provider": "aws",
        "region": "eu-west-1",
        "zones": ["eu-west-1a", "eu-west-1b"],
        "availableReplicas": 6,
    },
    {
        "name": "lab",
        "labels": {"env": "dev"},
        "taints": [{"key": "dedicated", "value": "lab", "effect": "NoSchedule"}],
    },
    {
        "name": "us",
        "labels": {"env": "prod", "geo": "us"},
        "provider": "gcp",
        "region": "us-east-1",
        "zones": ["us-east-1a", "us-east-1b"],
        "availableReplicas": 10,
    },
]

# The Fleet document of CLUSTERS.
KARMADA_INVENTORY = inventory(*CLUSTERS)
# A Fleet document without clusters, for Karmada Cluster documents to follow.
EMPTY_FLEET = to_yaml(
    {"apiVersion": "kfedgen.io/v1alpha1", "kind": "Fleet", "metadata": {"name": "test"}, "spec": {}}
)


def deployment(
    name: str = "web", namespace: str = "app", replicas: int | None = 6, **labels: str
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": f"registry.example.com/{name}:1"}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name, **labels}},
        "spec": spec,
    }


def configmap(name: str = "settings", namespace: str = "app") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"key": "value"},
    }


def namespace(name: str = "app", **labels: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def selector(kind: str = "Deployment", name: str = "", **extra: Any) -> dict[str, Any]:
    api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1"}
    api |= {"DaemonSet": "apps/v1"}
    api |= {"Job": "batch/v1"}
    result: dict[str, Any] = {"apiVersion": api.get(kind, "v1"), "kind": kind}
    if name:
        result["name"] = name
    result.update(extra)
    return result


def policy(
    name: str = "spread",
    namespace: str | None = "app",
    selectors: Sequence[Mapping[str, Any]] | None = None,
    placement: Mapping[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A PropagationPolicy (a ClusterPropagationPolicy when ``namespace`` is None)."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    body: dict[str, Any] = {"resourceSelectors": list(selectors or [selector()])}
    if placement is not None:
        body["placement"] = dict(placement)
    body.update(spec)
    return {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy" if namespace is not None else "ClusterPropagationPolicy",
        "metadata": metadata,
        "spec": body,
    }


def static_weights(**weights: int) -> dict[str, Any]:
    """A Divided/Weighted replicaScheduling with one static weight per named cluster."""
    return {
        "replicaSchedulingType": "Divided",
        "replicaDivisionPreference": "Weighted",
        "weightPreference": {
            "staticWeightList": [
                {"targetCluster": {"clusterNames": [name]}, "weight": weight}
                for name, weight in weights.items()
            ]
        },
    }


def override(
    name: str,
    rules: Sequence[Mapping[str, Any]],
    namespace: str | None = None,
    selectors: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An OverridePolicy (a ClusterOverridePolicy when ``namespace`` is None)."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    body: dict[str, Any] = {"overrideRules": list(rules)}
    if selectors is not None:
        body["resourceSelectors"] = list(selectors)
    return {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "OverridePolicy" if namespace is not None else "ClusterOverridePolicy",
        "metadata": metadata,
        "spec": body,
    }


def rendered(
    compilation: Compilation, kind: str = "Deployment", name: str = "web"
) -> dict[str, RenderedObject]:
    """cluster -> the rendered object of that kind and name."""
    return {o.cluster: o for o in compilation.objects if (o.kind, o.name) == (kind, name)}


def replicas(
    compilation: Compilation, kind: str = "Deployment", name: str = "web"
) -> dict[str, Any]:
    """cluster -> spec.replicas as rendered."""
    return {
        c: o.manifest["spec"].get("replicas") for c, o in rendered(compilation, kind, name).items()
    }
