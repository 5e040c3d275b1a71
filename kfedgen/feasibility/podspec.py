"""The pod templates of workload objects and the objects a pod spec refers to by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath
from kfedgen.podtemplates import PodTemplate, mappings, pod_template

__all__ = ["PodTemplate", "Use", "mappings", "pod_template", "uses"]

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class Use:
    """A pod spec naming another object: ``kind`` ``name`` at ``path`` of the manifest."""

    kind: str
    name: str
    path: DocPath
    optional: bool = False


def uses(template: PodTemplate) -> Iterator[Use]:
    """Every object the pod spec names: volumes (projected too), env, envFrom, and the rest."""
    spec, base = template.spec, (*template.path, "spec")
    for field, kind in (
        ("serviceAccountName", "ServiceAccount"),
        ("priorityClassName", "PriorityClass"),
        ("runtimeClassName", "RuntimeClass"),
    ):
        if isinstance(spec.get(field), str) and spec[field]:
            yield Use(kind, spec[field], (*base, field))
    for index, secret in enumerate(mappings(spec.get("imagePullSecrets"))):
        if isinstance(secret.get("name"), str):
            yield Use("Secret", secret["name"], (*base, "imagePullSecrets", index, "name"))
    for index, volume in enumerate(mappings(spec.get("volumes"))):
        yield from _volume(volume, (*base, "volumes", index))
    for field in _CONTAINER_LISTS:
        for index, container in enumerate(mappings(spec.get(field))):
            yield from _container(container, (*base, field, index))


def _volume(volume: Mapping[str, Any], path: DocPath) -> Iterator[Use]:
    yield from _source(volume.get("configMap"), "ConfigMap", "name", (*path, "configMap"))
    yield from _source(volume.get("secret"), "Secret", "secretName", (*path, "secret"))
    claim = volume.get("persistentVolumeClaim")
    if isinstance(claim, Mapping) and isinstance(claim.get("claimName"), str):
        where = (*path, "persistentVolumeClaim", "claimName")
        yield Use("PersistentVolumeClaim", claim["claimName"], where)
    projected = volume.get("projected")
    sources = projected.get("sources") if isinstance(projected, Mapping) else None
    for index, item in enumerate(mappings(sources)):
        where = (*path, "projected", "sources", index)
        yield from _source(item.get("configMap"), "ConfigMap", "name", (*where, "configMap"))
        yield from _source(item.get("secret"), "Secret", "name", (*where, "secret"))


def _container(container: Mapping[str, Any], path: DocPath) -> Iterator[Use]:
    for index, env in enumerate(mappings(container.get("env"))):
        value_from = env.get("valueFrom")
        if not isinstance(value_from, Mapping):
            continue
        where = (*path, "env", index, "valueFrom")
        for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            yield from _source(value_from.get(field), kind, "name", (*where, field))
    for index, env_from in enumerate(mappings(container.get("envFrom"))):
        where = (*path, "envFrom", index)
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            yield from _source(env_from.get(field), kind, "name", (*where, field))


def _source(node: Any, kind: str, key: str, path: DocPath) -> Iterator[Use]:
    if isinstance(node, Mapping) and isinstance(node.get(key), str):
        yield Use(kind, node[key], (*path, key), node.get("optional") is True)
