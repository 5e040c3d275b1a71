"""The objects a workload depends on, as Karmada's default resource interpreter finds them.

Source: karmada-io/karmada f8fdd02df3 (v1.19 line).

* ``pkg/resourceinterpreter/default/native/dependencies.go``
  (``getAllDefaultDependenciesInterpreter``): one interpreter per group/version/kind --
  Deployment, ReplicaSet, DaemonSet, StatefulSet (``apps/v1``), Job and CronJob (``batch/v1``)
  and Pod (``v1``) read their pod template; a StatefulSet leaves out the claims its
  ``volumeClaimTemplates`` create (``getStatefulSetDependencies``); an Ingress
  (``networking.k8s.io/v1``) needs the Secret of each ``tls`` entry; a ServiceImport
  (``multicluster.x-k8s.io/v1alpha1``) needs its derived Service ``derived-<name>`` and the
  EndpointSlices labelled ``kubernetes.io/service-name`` with that name
  (``getServiceImportDependencies``, ``names.GenerateDerivedServiceName``).
* ``pkg/util/helper/pod.go`` ``GetDependenciesFromPodTemplate``: ConfigMaps, then Secrets,
  then the ServiceAccount (not ``default``), then PersistentVolumeClaims, all in the
  workload's namespace; names from ``pkg/util/lifted/visitpod.go`` (``VisitPodSecretNames``,
  ``VisitPodConfigmapNames``): image pull secrets, every container's ``envFrom`` and
  ``env[].valueFrom`` (init, regular, ephemeral), and the volumes.  A volume counts through
  the *first* source of Go's ``switch`` that it sets, as upstream does; empty names are skipped.

Where Go iterates a set, names here are sorted, so the order is deterministic.  Each
dependency also carries where the workload names it first (:attr:`Dependency.path`), for
kfedgen's messages; upstream has no such field.  Interpreters are a table keyed by
``(apiVersion, kind)`` (:data:`INTERPRETERS`), so a customized interpreter (Lua) can take a
kind's place.  Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kfedgen.errors import DocPath
from kfedgen.podtemplates import mappings, pod_template


@dataclass(frozen=True)
class Dependency:
    """One ``DependentObjectReference``: an object by name, or the objects a label selector picks.

    ``match_labels`` is set (and ``name`` empty) for a selector reference; upstream's only
    one is the ServiceImport's EndpointSlices.  ``path`` is where the workload's manifest
    names the object first (``()`` when it is derived, as a ServiceImport's Service).
    """

    api_version: str
    kind: str
    namespace: str
    name: str = ""
    match_labels: Mapping[str, str] | None = None
    path: DocPath = field(default=(), compare=False)

    @property
    def ref(self) -> str:
        """``KIND/NAMESPACE/NAME`` (``KIND/NAMESPACE/-l key=value`` for a selector)."""
        if self.match_labels is not None:
            labels = ",".join(f"{k}={v}" for k, v in sorted(self.match_labels.items()))
            return f"{self.kind}/{self.namespace} -l {labels}"
        return f"{self.kind}/{self.namespace}/{self.name}"


Interpreter = Callable[[Mapping[str, Any], str], list[Dependency]]

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
# VisitPodSecretNames' switch over a volume's sources, in its order: the source key and
# where its secret's name is (a key of the source, or of its secretRef-like reference).
_SECRET_VOLUMES: tuple[tuple[str, DocPath], ...] = (
    ("azureFile", ("secretName",)),
    ("cephfs", ("secretRef", "name")),
    ("cinder", ("secretRef", "name")),
    ("flexVolume", ("secretRef", "name")),
    ("projected", ()),
    ("rbd", ("secretRef", "name")),
    ("secret", ("secretName",)),
    ("scaleIO", ("secretRef", "name")),
    ("iscsi", ("secretRef", "name")),
    ("storageos", ("secretRef", "name")),
    ("csi", ("nodePublishSecretRef", "name")),
)
DERIVED_SERVICE_PREFIX = "derived"  # pkg/util/names/names.go derivedServicePrefix
SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # discoveryv1.LabelServiceName


class _Names:
    """Names in the order first visited, with the path of the first visit (a Go set)."""

    def __init__(self) -> None:
        self.paths: dict[str, DocPath] = {}

    def visit(self, name: Any, path: DocPath) -> None:
        # skipEmptyNames: an empty (or absent) name is not a reference.
        if isinstance(name, str) and name:
            self.paths.setdefault(name, path)

    def sorted(self) -> list[tuple[str, DocPath]]:
        return sorted(self.paths.items())


def from_pod_template(kind: str, manifest: Mapping[str, Any], namespace: str) -> list[Dependency]:
    """``GetDependenciesFromPodTemplate`` for the pod template of ``kind`` in ``manifest``."""
    template = pod_template(kind, manifest)
    if template is None:
        return []
    return template_dependencies(template.spec, namespace, (*template.path, "spec"))


def template_dependencies(
    spec: Mapping[str, Any], namespace: str, base: DocPath = ()
) -> list[Dependency]:
    """``GetDependenciesFromPodTemplate`` of a pod spec found at ``base`` of its manifest.

    Also what the Lua ``kube.getPodDependencies`` helper returns
    (:func:`kfedgen.karmada.podtemplate.pod_dependencies`).
    """
    groups = (
        ("ConfigMap", _configmap_names(spec, base)),
        ("Secret", _secret_names(spec, base)),
        ("ServiceAccount", _service_account_names(spec, base)),
        ("PersistentVolumeClaim", _pvc_names(spec, base)),
    )
    return [
        Dependency("v1", kind_, namespace, name, path=path)
        for kind_, names in groups
        for name, path in names.sorted()
    ]


def _containers(
    spec: Mapping[str, Any], base: DocPath
) -> Iterator[tuple[Mapping[str, Any], DocPath]]:
    """VisitContainers with AllContainers: init, then regular, then ephemeral containers."""
    for key in _CONTAINER_LISTS:
        for index, container in enumerate(mappings(spec.get(key))):
            yield container, (*base, key, index)


def _container_refs(
    container: Mapping[str, Any], path: DocPath, names: _Names, env_from: str, key_ref: str
) -> None:
    """A container's ``envFrom[].<env_from>`` names, then its ``env[].valueFrom.<key_ref>``."""
    for index, source in enumerate(mappings(container.get("envFrom"))):
        ref = source.get(env_from)
        if isinstance(ref, Mapping):
            names.visit(ref.get("name"), (*path, "envFrom", index, env_from, "name"))
    for index, env in enumerate(mappings(container.get("env"))):
        value_from = env.get("valueFrom")
        ref = value_from.get(key_ref) if isinstance(value_from, Mapping) else None
        if isinstance(ref, Mapping):
            names.visit(ref.get("name"), (*path, "env", index, "valueFrom", key_ref, "name"))


def _secret_names(spec: Mapping[str, Any], base: DocPath) -> _Names:
    names = _Names()
    for index, secret in enumerate(mappings(spec.get("imagePullSecrets"))):
        names.visit(secret.get("name"), (*base, "imagePullSecrets", index, "name"))
    for container, path in _containers(spec, base):
        _container_refs(container, path, names, "secretRef", "secretKeyRef")
    for index, volume in enumerate(mappings(spec.get("volumes"))):
        where = (*base, "volumes", index)
        for source_key, name_path in _SECRET_VOLUMES:
            source = volume.get(source_key)
            if source is None:
                continue
            if source_key == "projected":
                _projected(source, (*where, source_key), "secret", names)
            else:
                names.visit(_at(source, name_path), (*where, source_key, *name_path))
            break  # Go's switch: only the first source the volume sets counts
    return names


def _configmap_names(spec: Mapping[str, Any], base: DocPath) -> _Names:
    names = _Names()
    for container, path in _containers(spec, base):
        _container_refs(container, path, names, "configMapRef", "configMapKeyRef")
    for index, volume in enumerate(mappings(spec.get("volumes"))):
        where = (*base, "volumes", index)
        if volume.get("projected") is not None:
            _projected(volume["projected"], (*where, "projected"), "configMap", names)
        elif volume.get("configMap") is not None:
            names.visit(_at(volume["configMap"], ("name",)), (*where, "configMap", "name"))
    return names


def _projected(projected: Any, path: DocPath, key: str, names: _Names) -> None:
    sources = projected.get("sources") if isinstance(projected, Mapping) else None
    for index, item in enumerate(mappings(sources)):
        names.visit(_at(item.get(key), ("name",)), (*path, "sources", index, key, "name"))


def _service_account_names(spec: Mapping[str, Any], base: DocPath) -> _Names:
    names = _Names()
    # getServiceAccountNames: the namespace's "default" account is not a dependency.
    if spec.get("serviceAccountName") != "default":
        names.visit(spec.get("serviceAccountName"), (*base, "serviceAccountName"))
    return names


def _pvc_names(spec: Mapping[str, Any], base: DocPath) -> _Names:
    names = _Names()
    for index, volume in enumerate(mappings(spec.get("volumes"))):
        claim = volume.get("persistentVolumeClaim")
        where = (*base, "volumes", index, "persistentVolumeClaim", "claimName")
        names.visit(_at(claim, ("claimName",)), where)
    return names


def _at(node: Any, path: DocPath) -> Any:
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _pod_template_interpreter(kind: str) -> Interpreter:
    def interpret(manifest: Mapping[str, Any], namespace: str) -> list[Dependency]:
        return from_pod_template(kind, manifest, namespace)

    return interpret


def _statefulset(manifest: Mapping[str, Any], namespace: str) -> list[Dependency]:
    # getStatefulSetDependencies: the StatefulSet controller creates the claims of its
    # volumeClaimTemplates in the member cluster; a PVC of that name here is no dependency.
    spec = manifest.get("spec")
    templates = mappings(spec.get("volumeClaimTemplates")) if isinstance(spec, Mapping) else []
    claimed = {_at(t, ("metadata", "name")) for t in templates}
    return [
        d
        for d in from_pod_template("StatefulSet", manifest, namespace)
        if d.kind != "PersistentVolumeClaim" or d.name not in claimed
    ]


def _ingress(manifest: Mapping[str, Any], namespace: str) -> list[Dependency]:
    # getIngressDependencies: every tls entry, in order and as written (an entry without a
    # secretName gives a reference without a name, which the distributor rejects).
    spec = manifest.get("spec")
    entries = mappings(spec.get("tls")) if isinstance(spec, Mapping) else []
    result = []
    for index, tls in enumerate(entries):
        name = tls.get("secretName")
        name = name if isinstance(name, str) else ""
        result.append(Dependency("v1", "Secret", namespace, name, path=("spec", "tls", index)))
    return result


def _service_import(manifest: Mapping[str, Any], namespace: str) -> list[Dependency]:
    name = _at(manifest, ("metadata", "name"))
    derived = f"{DERIVED_SERVICE_PREFIX}-{name if isinstance(name, str) else ''}"
    return [
        Dependency("v1", "Service", namespace, derived),
        Dependency(
            "discovery.k8s.io/v1",
            "EndpointSlice",
            namespace,
            match_labels={SERVICE_NAME_LABEL: derived},
        ),
    ]


# getAllDefaultDependenciesInterpreter, keyed by (apiVersion, kind).
INTERPRETERS: Mapping[tuple[str, str], Interpreter] = {
    ("apps/v1", "Deployment"): _pod_template_interpreter("Deployment"),
    ("apps/v1", "ReplicaSet"): _pod_template_interpreter("ReplicaSet"),
    ("batch/v1", "Job"): _pod_template_interpreter("Job"),
    ("batch/v1", "CronJob"): _pod_template_interpreter("CronJob"),
    ("v1", "Pod"): _pod_template_interpreter("Pod"),
    ("apps/v1", "DaemonSet"): _pod_template_interpreter("DaemonSet"),
    ("apps/v1", "StatefulSet"): _statefulset,
    ("networking.k8s.io/v1", "Ingress"): _ingress,
    ("multicluster.x-k8s.io/v1alpha1", "ServiceImport"): _service_import,
}


def dependencies(
    api_version: str,
    kind: str,
    manifest: Mapping[str, Any],
    namespace: str,
    interpreters: Mapping[tuple[str, str], Interpreter] = INTERPRETERS,
) -> list[Dependency] | None:
    """What the object in ``namespace`` depends on; None when no interpreter knows its kind.

    ``interpreters`` is the table to use (the default interpreters unless a caller adds
    customized ones).
    """
    interpreter = interpreters.get((api_version, kind))
    return None if interpreter is None else interpreter(manifest, namespace)
