"""Check: what a rendered object names in its cluster is rendered there or provided by the platform.

Pod templates (volumes, projected sources, env, envFrom, imagePullSecrets, service
account, priority and runtime classes; ``optional: true`` exempts), Ingress backends (the
Service and its port), HorizontalPodAutoscaler targets, PodDisruptionBudget and Service
selectors (some pod template in the namespace must carry the labels), and RoleBinding /
ClusterRoleBinding roles and ServiceAccount subjects.  An object resolves when it is
rendered to the same cluster, listed in the cluster's ``provides``, or one that
Kubernetes itself creates (:data:`BUILTIN`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath, Problem
from kfedgen.feasibility.finding import finding
from kfedgen.feasibility.memo import ByStandIn, manifest_facts
from kfedgen.feasibility.podspec import Use, mappings, uses
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject
from kfedgen.selectors import parse_selector

Key = tuple[str, str, str]  # kind, namespace ("" when cluster-scoped), name
CLUSTER_SCOPED = frozenset({"PriorityClass", "RuntimeClass", "ClusterRole"})
# Objects every cluster has without anyone rendering them: the namespace's "default"
# ServiceAccount and kube-root-ca.crt ConfigMap, the system priority classes and the
# default user-facing ClusterRoles ("system:" ones are matched by prefix).
BUILTIN: Mapping[str, frozenset[str]] = {
    "ServiceAccount": frozenset({"default"}),
    "ConfigMap": frozenset({"kube-root-ca.crt"}),
    "PriorityClass": frozenset({"system-cluster-critical", "system-node-critical"}),
    "ClusterRole": frozenset({"cluster-admin", "admin", "edit", "view"}),
}


@dataclass(frozen=True)
class _Facts:
    """What the check reads from one manifest, whichever cluster it is rendered to."""

    kind: str
    namespace: str
    key: Key  # how other objects name it
    labels: Mapping[str, str] | None  # of its pod template; None: it has none
    needs: tuple[Use, ...]  # what its pod template names and may not do without


def _read(manifest: Mapping[str, Any]) -> _Facts:
    read = manifest_facts(manifest)
    key = (read.kind, read.namespace, read.name)
    if read.template is None:
        return _Facts(read.kind, read.namespace, key, None, ())
    needs = tuple(use for use in uses(read.template) if not use.optional)
    return _Facts(read.kind, read.namespace, key, read.template.labels, needs)


_facts = ByStandIn(_read)


class _Cluster:
    """One cluster's rendered objects and provided objects, indexed for lookups."""

    def __init__(self, cluster: Cluster, objects: Sequence[tuple[RenderedObject, _Facts]]) -> None:
        self.objects = {facts.key: obj for obj, facts in objects}
        self.provided = {(p.kind, p.namespace, p.name) for p in cluster.provides or ()}
        self.templates: dict[str, list[Mapping[str, str]]] = {}
        for _, facts in objects:
            if facts.labels is not None:
                self.templates.setdefault(facts.namespace, []).append(facts.labels)
        # namespace -> (label, value) -> the positions of the templates that carry it
        self._pairs: dict[str, dict[tuple[str, str], set[int]]] = {}

    def resolves(self, kind: str, namespace: str, name: str) -> bool:
        key = (kind, "" if kind in CLUSTER_SCOPED else namespace, name)
        if key in self.objects or key in self.provided:
            return True
        return name in BUILTIN.get(kind, ()) or (
            kind == "ClusterRole" and name.startswith("system:")
        )

    def selects_a_pod(self, namespace: str, matches: Callable[[Mapping[str, str]], bool]) -> bool:
        return any(matches(labels) for labels in self.templates.get(namespace, ()))

    def carries(self, namespace: str, wanted: Mapping[str, str]) -> bool:
        """Whether one pod template in ``namespace`` has every label of ``wanted`` (not empty).

        The labels are indexed once per namespace: a cluster's Services each ask.
        """
        pairs = self._pairs.get(namespace)
        if pairs is None:
            pairs = self._pairs[namespace] = {}
            for position, labels in enumerate(self.templates.get(namespace, ())):
                for key, value in labels.items():
                    if isinstance(key, str) and isinstance(value, str):
                        pairs.setdefault((key, value), set()).add(position)
        common: set[int] | None = None
        for item in wanted.items():
            holding = pairs.get(item)
            common = holding if common is None or not holding else common & holding
            if not common:
                return False
        return True


def check_references(cluster: Cluster, objects: Sequence[RenderedObject]) -> Iterator[Problem]:
    """Objects that name an object the cluster will not have."""
    known = [(obj, _facts(obj.manifest)) for obj in objects]
    index = _Cluster(cluster, known)
    for obj, facts in known:
        for use in facts.needs:
            if not index.resolves(use.kind, facts.namespace, use.name):
                yield _missing(obj, use.kind, use.name, use.path, facts.namespace)
        check = _CHECKS.get(facts.kind)
        if check is not None:
            yield from check(index, obj)


def _need(
    index: _Cluster, obj: RenderedObject, kind: str, name: str, path: DocPath, namespace: str = ""
) -> Iterator[Problem]:
    namespace = namespace or obj.namespace
    if not index.resolves(kind, namespace, name):
        yield _missing(obj, kind, name, path, namespace)


def _missing(obj: RenderedObject, kind: str, name: str, path: DocPath, namespace: str) -> Problem:
    scoped = kind in CLUSTER_SCOPED
    target = f"{kind} {name}" if scoped else f"{kind} {namespace}/{name}"
    entry = (
        f"{{kind: {kind}, name: {name}}}"
        if scoped
        else (f"{{kind: {kind}, namespace: {namespace}, name: {name}}}")
    )
    return finding(
        obj,
        path,
        f"{target} is not rendered to the cluster and not in its provides",
        f"render {target} to that cluster, or add {entry} to its provides if the platform "
        "creates it",
    )


def _ingress(index: _Cluster, obj: RenderedObject) -> Iterator[Problem]:
    spec = _map(obj.manifest.get("spec"))
    backends: list[tuple[DocPath, Mapping[str, Any]]] = []
    if "defaultBackend" in spec:
        backends.append((("spec", "defaultBackend"), _map(spec["defaultBackend"])))
    for r, rule in enumerate(mappings(spec.get("rules"))):
        for p, path in enumerate(mappings(_map(rule.get("http")).get("paths"))):
            backends.append(
                (("spec", "rules", r, "http", "paths", p, "backend"), _map(path.get("backend")))
            )
    for where, backend in backends:
        service = _map(backend.get("service"))
        name = service.get("name")
        if not isinstance(name, str):
            continue  # a resource backend, or invalid input reported elsewhere
        found = list(_need(index, obj, "Service", name, (*where, "service", "name")))
        yield from found
        target = index.objects.get(("Service", obj.namespace, name))
        if found or target is None:
            continue  # a provided Service's ports are not known
        yield from _port(obj, target, _map(service.get("port")), (*where, "service", "port"))


def _port(
    obj: RenderedObject, service: RenderedObject, port: Mapping[str, Any], path: DocPath
) -> Iterator[Problem]:
    ports = mappings(_map(service.manifest.get("spec")).get("ports"))
    if "number" in port:
        wanted, field, have = port["number"], "number", [p.get("port") for p in ports]
    elif "name" in port:
        wanted, field, have = port["name"], "name", [p.get("name") for p in ports]
    else:
        return
    if wanted not in have:
        listed = ", ".join(str(h) for h in have if h is not None) or "none"
        yield finding(
            obj,
            (*path, field),
            f"Service {obj.namespace}/{service.name} has no port {field} {wanted!r} "
            f"(its ports: {listed})",
            "point the backend at a port the Service declares, or add the port to the Service",
        )


def _scale_target(index: _Cluster, obj: RenderedObject) -> Iterator[Problem]:
    target = _map(_map(obj.manifest.get("spec")).get("scaleTargetRef"))
    kind, name = target.get("kind"), target.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        yield from _need(index, obj, kind, name, ("spec", "scaleTargetRef"))


def _pdb(index: _Cluster, obj: RenderedObject) -> Iterator[Problem]:
    raw = _map(obj.manifest.get("spec")).get("selector")
    if not isinstance(raw, Mapping):
        return
    selector, errors = parse_selector(raw, ("spec", "selector"))
    if errors or index.selects_a_pod(obj.namespace, selector.matches):
        return
    yield _selects_nothing(obj, str(selector))


def _service(index: _Cluster, obj: RenderedObject) -> Iterator[Problem]:
    raw = _map(obj.manifest.get("spec")).get("selector")
    if not isinstance(raw, Mapping) or not raw:
        return  # no selector: endpoints are managed by hand (or an ExternalName)
    wanted = dict(raw)
    if all(isinstance(k, str) and isinstance(v, str) for k, v in wanted.items()):
        selects = index.carries(obj.namespace, wanted)
    else:  # a value that is not a string (invalid input): compared as it is
        selects = index.selects_a_pod(
            obj.namespace, lambda labels: all(labels.get(k) == v for k, v in wanted.items())
        )
    if not selects:
        text = ",".join(f"{k}={v}" for k, v in sorted(wanted.items()))
        yield _selects_nothing(obj, text)


def _selects_nothing(obj: RenderedObject, selector: str) -> Problem:
    return finding(
        obj,
        ("spec", "selector"),
        f"selector {selector} matches no pod template rendered to the cluster in namespace "
        f"{obj.namespace}",
        "render the workload it is meant for to that cluster, or fix the selector's labels",
    )


def _binding(index: _Cluster, obj: RenderedObject) -> Iterator[Problem]:
    role = _map(obj.manifest.get("roleRef"))
    kind, name = role.get("kind"), role.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        yield from _need(index, obj, kind, name, ("roleRef",))
    for i, subject in enumerate(mappings(obj.manifest.get("subjects"))):
        if subject.get("kind") != "ServiceAccount" or not isinstance(subject.get("name"), str):
            continue
        namespace = subject.get("namespace") or obj.namespace
        if isinstance(namespace, str) and namespace:
            yield from _need(
                index, obj, "ServiceAccount", subject["name"], ("subjects", i), namespace
            )


_CHECKS = {
    "Ingress": _ingress,
    "HorizontalPodAutoscaler": _scale_target,
    "PodDisruptionBudget": _pdb,
    "Service": _service,
    "RoleBinding": _binding,
    "ClusterRoleBinding": _binding,
}


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
