"""Remove what an API server wrote into an object, so an exported object applies elsewhere.

An object taken from a running cluster (``kubectl get ... -o yaml``) carries fields that the
API server and its controllers populated: a ``uid`` and ``resourceVersion`` that make an apply
to another cluster fail, ``managedFields``, a ``status``, a ``last-applied-configuration``
that would make the next ``kubectl apply`` compute its three-way merge from another object.
None of them may reach ``rendered/``.

The list follows Karmada's ``prune.RemoveIrrelevantFields``
(``pkg/resourceinterpreter/default/native/prune/prune.go`` in karmada-io/karmada, with the
``RemoveJobTTLSeconds`` hook its ``ctrlutil.CreateOrUpdateWork`` passes), which Karmada runs
on every object it propagates, after the overrides.  kfedgen runs it at the same point, on
the objects of both front-ends, with two differences, documented in the README:

* ``kubectl.kubernetes.io/last-applied-configuration`` is removed too (Karmada keeps it);
* ``metadata.ownerReferences``, ``metadata.finalizers`` and a Job's
  ``spec.ttlSecondsAfterFinished`` are removed from Karmada-propagated objects only: a
  KubeFed template keeps its finalizers (see the README's KubeFed differences), and
  KubeFed never removed the other two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from kfedgen.rendered import RenderedObject

# populated by the API server (RemoveIrrelevantFields' metadata list)
SERVER_METADATA = (
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "generation",
    "managedFields",
    "resourceVersion",
    "selfLink",
    "uid",
)
# Karmada removes these as well; a KubeFed template keeps them.
KARMADA_METADATA = ("finalizers", "ownerReferences")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# utildeployment.RevisionAnnotation and RevisionHistoryAnnotation, on Deployments
DEPLOYMENT_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
)
SERVICE_ACCOUNT_UID = "kubernetes.io/service-account.uid"  # corev1.ServiceAccountUIDKey
SELECTED_NODE = "volume.kubernetes.io/selected-node"  # storagevolume.AnnSelectedNode
# labels the Job controller generates (removed unless spec.manualSelector is true)
JOB_SELECTOR_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
JOB_TEMPLATE_LABELS = (*JOB_SELECTOR_LABELS, "job-name", "batch.kubernetes.io/job-name")

Manifest = Mapping[str, Any]


def strip_server_fields(manifest: Manifest, karmada: bool) -> tuple[Manifest, list[str]]:
    """``manifest`` without server-populated fields, and the paths removed (``[]``: unchanged).

    The input is never modified; unchanged subtrees are shared with the result.
    """
    removed: list[str] = []
    result = dict(manifest)
    metadata = result.get("metadata")
    if isinstance(metadata, Mapping):
        drop = SERVER_METADATA + (KARMADA_METADATA if karmada else ())
        result["metadata"] = _without(metadata, drop, "metadata", removed)
        annotations = result["metadata"].get("annotations")
        if isinstance(annotations, Mapping):
            names = [LAST_APPLIED]
            if result.get("kind") == "Deployment":
                names.extend(DEPLOYMENT_ANNOTATIONS)
            kept = _without(annotations, names, "metadata.annotations", removed)
            result["metadata"] = _replace(result["metadata"], "annotations", kept)
    if "status" in result:
        del result["status"]
        removed.append("status")
    pruner = _KIND_PRUNERS.get(str(result.get("kind", "")))
    if pruner is not None:
        pruner(result, karmada, removed)
    if not removed:
        return manifest, []
    metadata = result.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("annotations") == {}:
        result["metadata"] = _replace(metadata, "annotations", {})
    return result, removed


def strip_rendered(
    objects: Iterable[RenderedObject], karmada_origins: Collection[str]
) -> tuple[list[RenderedObject], dict[tuple[str, str], list[str]]]:
    """Every rendered object without server-populated fields, and what was removed where.

    ``karmada_origins`` are the origins of Karmada-propagated objects, which lose what Karmada
    removes as well.  Clusters that share a manifest share the stripped one (copy-on-write
    output stays shared, and each distinct manifest is stripped once).  The result maps
    ``(origin, cluster)`` to the removed paths, for ``explain``.
    """
    cache: dict[int, tuple[Manifest, list[str]]] = {}
    result = []
    removed: dict[tuple[str, str], list[str]] = {}
    for obj in objects:
        karmada = obj.origin in karmada_origins
        key = id(obj.manifest) * 2 + karmada
        stripped = cache.get(key)
        if stripped is None:
            stripped = cache[key] = strip_server_fields(obj.manifest, karmada)
        manifest, paths = stripped
        if paths:
            removed[(obj.origin, obj.cluster)] = paths
        result.append(dataclasses.replace(obj, manifest=manifest) if paths else obj)
    return result, removed


def _without(
    mapping: Mapping[str, Any], keys: Iterable[str], prefix: str, removed: list[str]
) -> Mapping[str, Any]:
    present = [k for k in keys if k in mapping]
    if not present:
        return mapping
    removed.extend(f"{prefix}.{k}" if "/" not in k else f"{prefix}[{k}]" for k in present)
    return {k: v for k, v in mapping.items() if k not in present}


def _replace(mapping: Mapping[str, Any], key: str, value: Any) -> Mapping[str, Any]:
    if mapping.get(key) is value:
        return mapping
    if value == {}:
        return {k: v for k, v in mapping.items() if k != key}  # omitempty, as the API server
    return {**mapping, key: value}


def _sub(manifest: dict[str, Any], *path: str) -> Mapping[str, Any] | None:
    node: Any = manifest
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def _set(
    node: dict[str, Any], path: tuple[str, ...], value: Mapping[str, Any], top: bool = True
) -> None:
    """Set ``path`` to ``value`` copying each mapping on the way (copy-on-write).

    A mapping left empty is omitted, with every parent it leaves empty below the object's own
    top-level fields (a Job's ``spec.selector`` once its generated labels are removed): the
    API server stores no empty selector or label map, and the controllers generate them.
    """
    key = path[0]
    if len(path) == 1:
        if value:
            node[key] = value
        else:
            del node[key]
        return
    child = dict(node[key])
    _set(child, path[1:], value, top=False)
    if child or top:
        node[key] = child
    else:
        del node[key]


def _prune_keys(
    manifest: dict[str, Any], path: tuple[str, ...], keys: Iterable[str], removed: list[str]
) -> None:
    mapping = _sub(manifest, *path)
    if mapping is None:
        return
    kept = _without(mapping, keys, ".".join(path), removed)
    if kept is not mapping:
        _set(manifest, path, kept)


def _service(manifest: dict[str, Any], karmada: bool, removed: list[str]) -> None:
    """``removeServiceIrrelevantField``: an allocated cluster IP is the source cluster's."""
    spec = _sub(manifest, "spec")
    if spec is not None and "clusterIP" in spec and spec["clusterIP"] != "None":
        _prune_keys(manifest, ("spec",), ("clusterIP", "clusterIPs"), removed)


def _job(manifest: dict[str, Any], karmada: bool, removed: list[str]) -> None:
    """``removeJobIrrelevantField`` (and ``RemoveJobTTLSeconds`` for Karmada)."""
    if _sub(manifest, "spec") is None:
        return
    if manifest["spec"].get("manualSelector") is not True:
        _prune_keys(manifest, ("spec", "selector", "matchLabels"), JOB_SELECTOR_LABELS, removed)
        template_labels = ("spec", "template", "metadata", "labels")
        _prune_keys(manifest, template_labels, JOB_TEMPLATE_LABELS, removed)
    if karmada:
        _prune_keys(manifest, ("spec",), ("ttlSecondsAfterFinished",), removed)


def _service_account(manifest: dict[str, Any], karmada: bool, removed: list[str]) -> None:
    """``removeServiceAccountIrrelevantField``: the ``<name>-token-*`` Secrets are generated."""
    secrets = manifest.get("secrets")
    name = _sub(manifest, "metadata")
    if not isinstance(secrets, list) or name is None:
        return
    prefix = f"{name.get('name', '')}-token-"
    kept = [
        s
        for s in secrets
        if not (isinstance(s, Mapping) and str(s.get("name", "")).startswith(prefix))
    ]
    if len(kept) != len(secrets):
        manifest["secrets"] = kept
        removed.append("secrets (generated tokens)")


def _secret(manifest: dict[str, Any], karmada: bool, removed: list[str]) -> None:
    """``removeSecretIrrelevantField``: a token Secret's data is the source cluster's token."""
    if manifest.get("type") != "kubernetes.io/service-account-token":
        return
    _prune_keys(manifest, ("metadata", "annotations"), (SERVICE_ACCOUNT_UID,), removed)
    if "data" in manifest:
        # Karmada sets data to null; the token controller of the cluster fills it in.
        del manifest["data"]
        removed.append("data")


def _claim(manifest: dict[str, Any], karmada: bool, removed: list[str]) -> None:
    """``removePersistentVolumeClaimIrrelevantField``: the node is the source cluster's."""
    annotations = _sub(manifest, "metadata", "annotations")
    if annotations is not None and annotations.get(SELECTED_NODE):
        _prune_keys(manifest, ("metadata", "annotations"), (SELECTED_NODE,), removed)


_KIND_PRUNERS: dict[str, Callable[[dict[str, Any], bool, list[str]], None]] = {
    "Service": _service,
    "Job": _job,
    "ServiceAccount": _service_account,
    "Secret": _secret,
    "PersistentVolumeClaim": _claim,
}
