"""Check: every rendered object's apiVersion/kind is served by the cluster's Kubernetes version.

The removed APIs and their replacements are Kubernetes' "Deprecated API Migration Guide",
https://kubernetes.io/docs/reference/using-api/deprecation-guide/ ("Removed APIs by
release", v1.16 to v1.32).  A replacement is also checked the other way: an object in
an API that a cluster's version does not serve yet (``autoscaling/v2`` before 1.23) is
reported too, with the "available since" version the guide gives.

Kinds outside Kubernetes' own API groups are custom resources: the cluster serves them
when its inventory lists the group/version in ``apis`` or a CustomResourceDefinition
rendered to the same cluster defines it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from kfedgen.errors import Problem
from kfedgen.feasibility.finding import finding
from kfedgen.frontends.scope import BUILTIN_GROUPS
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject

Version = tuple[int, int]
GUIDE = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/"


@dataclass(frozen=True)
class Removal:
    """``api_version`` of ``kinds`` is not served from ``removed_in`` on; use ``replacement``."""

    api_version: str
    kinds: tuple[str, ...]
    removed_in: Version
    replacement: str  # "" when the API has no replacement
    available_since: Version | None = None  # when the replacement was first served


_APPS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
_RBAC = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
_FLOW = ("FlowSchema", "PriorityLevelConfiguration")
_WEBHOOKS = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
_REVIEWS = ("LocalSubjectAccessReview", "SelfSubjectAccessReview", "SubjectAccessReview")
_STORAGE = ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")

# The guide's "Removed APIs by release", oldest first.
REMOVALS: tuple[Removal, ...] = (
    # v1.16
    Removal("extensions/v1beta1", ("NetworkPolicy",), (1, 16), "networking.k8s.io/v1", (1, 8)),
    Removal("extensions/v1beta1", ("PodSecurityPolicy",), (1, 16), "policy/v1beta1", (1, 10)),
    Removal("extensions/v1beta1", _APPS, (1, 16), "apps/v1", (1, 9)),
    Removal("apps/v1beta1", ("Deployment", "StatefulSet"), (1, 16), "apps/v1", (1, 9)),
    Removal("apps/v1beta2", _APPS, (1, 16), "apps/v1", (1, 9)),
    # v1.22
    Removal(
        "admissionregistration.k8s.io/v1beta1",
        _WEBHOOKS,
        (1, 22),
        "admissionregistration.k8s.io/v1",
        (1, 16),
    ),
    Removal(
        "apiextensions.k8s.io/v1beta1",
        ("CustomResourceDefinition",),
        (1, 22),
        "apiextensions.k8s.io/v1",
        (1, 16),
    ),
    Removal(
        "apiregistration.k8s.io/v1beta1",
        ("APIService",),
        (1, 22),
        "apiregistration.k8s.io/v1",
        (1, 10),
    ),
    Removal(
        "authentication.k8s.io/v1beta1",
        ("TokenReview",),
        (1, 22),
        "authentication.k8s.io/v1",
        (1, 6),
    ),
    Removal("authorization.k8s.io/v1beta1", _REVIEWS, (1, 22), "authorization.k8s.io/v1", (1, 6)),
    Removal(
        "certificates.k8s.io/v1beta1",
        ("CertificateSigningRequest",),
        (1, 22),
        "certificates.k8s.io/v1",
        (1, 19),
    ),
    Removal("coordination.k8s.io/v1beta1", ("Lease",), (1, 22), "coordination.k8s.io/v1", (1, 14)),
    Removal("extensions/v1beta1", ("Ingress",), (1, 22), "networking.k8s.io/v1", (1, 19)),
    Removal(
        "networking.k8s.io/v1beta1",
        ("Ingress", "IngressClass"),
        (1, 22),
        "networking.k8s.io/v1",
        (1, 19),
    ),
    Removal(
        "rbac.authorization.k8s.io/v1beta1", _RBAC, (1, 22), "rbac.authorization.k8s.io/v1", (1, 8)
    ),
    Removal(
        "scheduling.k8s.io/v1beta1", ("PriorityClass",), (1, 22), "scheduling.k8s.io/v1", (1, 14)
    ),
    Removal("storage.k8s.io/v1beta1", _STORAGE, (1, 22), "storage.k8s.io/v1", (1, 19)),
    # v1.25
    Removal("batch/v1beta1", ("CronJob",), (1, 25), "batch/v1", (1, 21)),
    Removal(
        "discovery.k8s.io/v1beta1", ("EndpointSlice",), (1, 25), "discovery.k8s.io/v1", (1, 21)
    ),
    Removal("events.k8s.io/v1beta1", ("Event",), (1, 25), "events.k8s.io/v1", (1, 19)),
    Removal(
        "autoscaling/v2beta1", ("HorizontalPodAutoscaler",), (1, 25), "autoscaling/v2", (1, 23)
    ),
    Removal("policy/v1beta1", ("PodDisruptionBudget",), (1, 25), "policy/v1", (1, 21)),
    # PodSecurityPolicy has no replacement API: Pod Security Admission took its place.
    Removal("policy/v1beta1", ("PodSecurityPolicy",), (1, 25), ""),
    Removal("node.k8s.io/v1beta1", ("RuntimeClass",), (1, 25), "node.k8s.io/v1", (1, 20)),
    # v1.26
    Removal(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        _FLOW,
        (1, 26),
        "flowcontrol.apiserver.k8s.io/v1beta3",
        (1, 26),
    ),
    Removal(
        "autoscaling/v2beta2", ("HorizontalPodAutoscaler",), (1, 26), "autoscaling/v2", (1, 23)
    ),
    # v1.27
    Removal(
        "storage.k8s.io/v1beta1", ("CSIStorageCapacity",), (1, 27), "storage.k8s.io/v1", (1, 24)
    ),
    # v1.29
    Removal(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        _FLOW,
        (1, 29),
        "flowcontrol.apiserver.k8s.io/v1",
        (1, 29),
    ),
    # v1.32
    Removal(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        _FLOW,
        (1, 32),
        "flowcontrol.apiserver.k8s.io/v1",
        (1, 29),
    ),
)


def _index() -> tuple[dict[tuple[str, str], Removal], dict[tuple[str, str], Version]]:
    removed: dict[tuple[str, str], Removal] = {}
    since: dict[tuple[str, str], Version] = {}
    for removal in REMOVALS:
        for kind in removal.kinds:
            # A kind removed twice from one API version (PodSecurityPolicy) keeps the first.
            removed.setdefault((removal.api_version, kind), removal)
            if removal.replacement and removal.available_since is not None:
                key = (removal.replacement, kind)
                since[key] = min(since.get(key, removal.available_since), removal.available_since)
    return removed, since


_REMOVED, _SINCE = _index()


def parse_version(text: str) -> Version:
    """``"1.29"`` -> ``(1, 29)`` (the inventory schema admits only that shape)."""
    major, minor = text.split(".")
    return int(major), int(minor)


def _text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def check_api_versions(cluster: Cluster, objects: Sequence[RenderedObject]) -> Iterator[Problem]:
    """Objects whose API the cluster's ``kubernetesVersion`` (and ``apis``) does not serve."""
    if cluster.kubernetes_version is None:
        return  # not declared: the table does not run this check then
    version = parse_version(cluster.kubernetes_version)
    custom = _custom_apis(cluster, objects)
    for obj in objects:
        key = (obj.api_version, obj.kind)
        removal = _REMOVED.get(key)
        if removal is not None and version >= removal.removed_in:
            yield _removed(obj, removal, cluster.kubernetes_version)
            continue
        first = _SINCE.get(key)
        if first is not None and version < first:
            yield finding(
                obj,
                ("apiVersion",),
                f"{obj.api_version} {obj.kind} is served from Kubernetes {_text(first)} on; "
                f"the cluster runs {cluster.kubernetes_version}",
                f"use the API version the cluster serves, or upgrade it; see {GUIDE}",
            )
            continue
        group = obj.api_version.rpartition("/")[0]
        if group not in BUILTIN_GROUPS and key not in custom:
            yield finding(
                obj,
                ("apiVersion",),
                f"the cluster serves no {obj.kind} in {obj.api_version}: it is not in the "
                "cluster's apis and no CustomResourceDefinition rendered to it defines it",
                f"add {obj.api_version} to the cluster's apis in the inventory, or render "
                "the CustomResourceDefinition to it",
            )


def _removed(obj: RenderedObject, removal: Removal, runs: str) -> Problem:
    reason = (
        f"{removal.api_version} {obj.kind} was removed in Kubernetes "
        f"{_text(removal.removed_in)} and the cluster runs {runs}"
    )
    if not removal.replacement:
        return finding(obj, ("apiVersion",), reason, f"the API has no replacement; see {GUIDE}")
    since = f", served since {_text(removal.available_since)}" if removal.available_since else ""
    return finding(
        obj,
        ("apiVersion",),
        reason,
        f"use {removal.replacement}{since}; see {GUIDE}",
    )


def _custom_apis(cluster: Cluster, objects: Sequence[RenderedObject]) -> set[tuple[str, str]]:
    """(apiVersion, kind) served through the inventory's ``apis`` or rendered CRDs.

    An ``apis`` entry serves every kind of its group/version: the inventory names APIs,
    not kinds.  A CRD serves the kind it names in each of its served versions.
    """
    declared = set(cluster.apis or ())
    served = {(obj.api_version, obj.kind) for obj in objects if obj.api_version in declared}
    for obj in objects:
        if obj.kind != "CustomResourceDefinition":
            continue
        spec = obj.manifest.get("spec")
        if not isinstance(spec, Mapping):
            continue
        group, names = spec.get("group"), spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        for version in spec.get("versions") or ():
            if isinstance(version, Mapping) and version.get("served", True):
                served.add((f"{group}/{version.get('name')}", str(kind)))
    return served
