"""Which APIs a member cluster serves, as far as the inventory says: one answer for every stage.

Karmada's scheduler filters clusters by it (the ``APIEnablement`` plugin, placement) and the
render-time feasibility check reports objects placed where it says no (KubeFed places
without such a filter), so both read the same rules from here:

- a kind in one of Kubernetes' own API groups (``BUILTIN_GROUPS``) is served by the
  cluster's ``kubernetesVersion`` unless Kubernetes' "Deprecated API Migration Guide"
  (https://kubernetes.io/docs/reference/using-api/deprecation-guide/, "Removed APIs by
  release", v1.16 to v1.32) says that version removed it or does not serve it yet;
- any other kind is a custom resource, served when the inventory lists its group/version
  in ``apis`` (a Fleet cluster's list, or a Karmada Cluster's ``status.apiEnablements``)
  or a CustomResourceDefinition rendered to the cluster defines it.

When the inventory declares neither ``kubernetesVersion`` nor ``apis`` the answer is
unknown, and no stage decides anything from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

# The API groups that Kubernetes itself serves (every kind in them is namespaced except the
# ones kfedgen.frontends.scope.CLUSTER_SCOPED lists).
BUILTIN_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "extensions",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)
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


def version_text(version: Version) -> str:
    """``(1, 29)`` -> ``"1.29"``."""
    return f"{version[0]}.{version[1]}"


class Enablement(Enum):
    """Karmada's ``APIEnablementStatus`` (``pkg/apis/cluster/v1alpha1/cluster_helper.go``)."""

    ENABLED = "APIEnabled"
    DISABLED = "APIDisabled"
    UNKNOWN = "APIUnknown"


@dataclass(frozen=True)
class Served:
    """Whether a cluster serves one apiVersion/kind; when it does not, why and the fix."""

    enablement: Enablement
    reason: str = ""
    fix: str = ""


class ClusterAPIs(Protocol):
    """What a member cluster says about its APIs (:class:`kfedgen.model.Cluster`)."""

    @property
    def kubernetes_version(self) -> str | None: ...
    @property
    def apis(self) -> tuple[str, ...] | None: ...


ENABLED = Served(Enablement.ENABLED)
UNKNOWN = Served(Enablement.UNKNOWN)


def served(
    cluster: ClusterAPIs, api_version: str, kind: str, crds: frozenset[tuple[str, str]]
) -> Served:
    """Whether ``cluster`` serves ``kind`` in ``api_version``.

    ``crds`` holds the (apiVersion, kind) pairs that CustomResourceDefinitions rendered to
    the cluster serve (:func:`crd_kinds`).
    """
    group = api_version.rpartition("/")[0]
    if group in BUILTIN_GROUPS:
        return _builtin(cluster.kubernetes_version, api_version, kind)
    if (api_version, kind) in crds or api_version in (cluster.apis or ()):
        return ENABLED
    if cluster.apis is None and cluster.kubernetes_version is None:
        return UNKNOWN  # the inventory says nothing about this cluster's APIs
    return Served(
        Enablement.DISABLED,
        f"the cluster serves no {kind} in {api_version}: it is not in the cluster's apis and "
        "no CustomResourceDefinition rendered to it defines it",
        f"add {api_version} to the cluster's apis in the inventory, or render the "
        "CustomResourceDefinition to it",
    )


def _builtin(runs: str | None, api_version: str, kind: str) -> Served:
    if runs is None:
        return UNKNOWN
    version = parse_version(runs)
    removal = _REMOVED.get((api_version, kind))
    if removal is not None and version >= removal.removed_in:
        reason = (
            f"{api_version} {kind} was removed in Kubernetes "
            f"{version_text(removal.removed_in)} and the cluster runs {runs}"
        )
        if not removal.replacement:
            return Served(Enablement.DISABLED, reason, f"the API has no replacement; see {GUIDE}")
        since = removal.available_since
        served_since = f", served since {version_text(since)}" if since else ""
        return Served(
            Enablement.DISABLED, reason, f"use {removal.replacement}{served_since}; see {GUIDE}"
        )
    first = _SINCE.get((api_version, kind))
    if first is not None and version < first:
        return Served(
            Enablement.DISABLED,
            f"{api_version} {kind} is served from Kubernetes {version_text(first)} on; "
            f"the cluster runs {runs}",
            f"use the API version the cluster serves, or upgrade it; see {GUIDE}",
        )
    return ENABLED


def crd_kinds(manifests: Iterable[Mapping[str, Any]]) -> frozenset[tuple[str, str]]:
    """(apiVersion, kind) that the CustomResourceDefinitions among ``manifests`` serve.

    A CRD serves the kind it names in each of its versions marked ``served`` (the default).
    """
    kinds: set[tuple[str, str]] = set()
    for manifest in manifests:
        if manifest.get("kind") != "CustomResourceDefinition":
            continue
        spec = manifest.get("spec")
        if not isinstance(spec, Mapping):
            continue
        group, names = spec.get("group"), spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        for version in spec.get("versions") or ():
            if isinstance(version, Mapping) and version.get("served", True):
                kinds.add((f"{group}/{version.get('name')}", str(kind)))
    return frozenset(kinds)
