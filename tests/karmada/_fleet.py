"""Build small Karmada fleets in memory and compile them through the real pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml

from kfedgen.emit import QuotingDumper
from kfedgen.errors import InvalidInput
from kfedgen.load import SourceFile
from kfedgen.pipeline import Compilation, Options, compile_sources
from kfedgen.rendered import RenderedObject

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


def fleet(clusters: Sequence[Mapping[str, Any]] = CLUSTERS) -> dict[str, Any]:
    return {
        "apiVersion": "kfedgen.io/v1alpha1",
        "kind": "Fleet",
        "metadata": {"name": "test"},
        "spec": {"clusters": list(clusters)},
    }


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


def to_yaml(*docs: Mapping[str, Any]) -> str:
    # Quoted as kfedgen's loader needs it: a bare "y" would mean true to kubectl.
    return yaml.dump_all([dict(d) for d in docs], Dumper=QuotingDumper, sort_keys=False)


def sources(
    docs: Sequence[Mapping[str, Any]] | str,
    overlays: Sequence[Mapping[str, Any]] | str = (),
    inventory: Mapping[str, Any] | str | None = None,
) -> list[SourceFile]:
    def text(value: Sequence[Mapping[str, Any]] | Mapping[str, Any] | str) -> bytes:
        if isinstance(value, str):
            return value.encode()
        if isinstance(value, Mapping):
            return to_yaml(value).encode()
        return to_yaml(*value).encode()

    files = [
        SourceFile("fleet/app.yaml", text(docs)),
        SourceFile("fleet/inventory.yaml", text(inventory if inventory is not None else fleet())),
    ]
    if overlays:
        files.append(SourceFile("overlays/policies.yaml", text(overlays)))
    return files


def compile_docs(
    docs: Sequence[Mapping[str, Any]] | str,
    overlays: Sequence[Mapping[str, Any]] | str = (),
    inventory: Mapping[str, Any] | str | None = None,
) -> Compilation:
    return compile_sources(sources(docs, overlays, inventory), Options())


def errors_of(
    docs: Sequence[Mapping[str, Any]] | str,
    overlays: Sequence[Mapping[str, Any]] | str = (),
    inventory: Mapping[str, Any] | str | None = None,
) -> list[str]:
    """The error messages of an invalid fleet (``file:line:col: path: message (hint)``)."""
    with pytest.raises(InvalidInput) as caught:
        compile_docs(docs, overlays, inventory)
    return [str(p) for p in caught.value.problems if p.is_error]


def warnings_of(compilation: Compilation) -> list[str]:
    return [str(p) for p in compilation.problems.warnings]


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
