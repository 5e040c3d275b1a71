"""Which kinds are namespaced, and the namespace ``kubectl apply`` gives an object without one.

``kubectl apply -f`` puts a namespaced object that names no namespace into the namespace of
the current context, ``default`` unless configured otherwise.  kfedgen does the same for every
namespaced document of the fleet (federated objects, scheduling preferences, Karmada policies
and plain objects), with ``--namespace`` in the part of the kubeconfig context.

kubectl learns a kind's scope from the API server; offline, kfedgen knows the built-in
Kubernetes kinds (below), the kinds of the fleet's own kinds, the targets of federated types,
and every kind a ``CustomResourceDefinition`` document in the fleet declares.  An object of any
other kind is kept as written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from kfedgen.servedapis import BUILTIN_GROUPS

if TYPE_CHECKING:  # annotations only: the CLI imports DEFAULT_NAMESPACE at start-up
    from kfedgen.model import TargetType
    from kfedgen.source.load import Document

DEFAULT_NAMESPACE = "default"

CLUSTER_SCOPED = frozenset(
    {
        ("", "ComponentStatus"),
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authentication.k8s.io", "TokenReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("extensions", "PodSecurityPolicy"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("policy", "PodSecurityPolicy"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
    }
)
_CRD_GROUP = "apiextensions.k8s.io"


@dataclasses.dataclass(frozen=True)
class Scopes:
    """What kfedgen knows of kinds' scope: (group, kind) -> namespaced."""

    declared: Mapping[tuple[str, str], bool]

    @classmethod
    def of(cls, documents: Iterable[Document], targets: Iterable[TargetType]) -> Scopes:
        """Scopes declared by the fleet's CRDs and federated types' targets."""
        declared: dict[tuple[str, str], bool] = {}
        for target in targets:
            declared[(target.group, target.kind)] = target.namespaced
        for doc in documents:
            crd = _crd_scope(doc)
            if crd is not None:
                declared.setdefault(crd[0], crd[1])
        return cls(declared)

    def namespaced(self, api_version: str, kind: str) -> bool | None:
        """Whether objects of this type are namespaced; None when kfedgen cannot know."""
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        if (group, kind) in self.declared:
            return self.declared[(group, kind)]
        if group in BUILTIN_GROUPS:
            return (group, kind) not in CLUSTER_SCOPED
        return None


def _crd_scope(doc: Document) -> tuple[tuple[str, str], bool] | None:
    if doc.kind != "CustomResourceDefinition" or not doc.api_version.startswith(_CRD_GROUP + "/"):
        return None
    spec = doc.data.get("spec")
    if not isinstance(spec, Mapping):
        return None
    names = spec.get("names")
    group, scope = spec.get("group"), spec.get("scope")
    kind = names.get("kind") if isinstance(names, Mapping) else None
    if not isinstance(group, str) or not isinstance(kind, str):
        return None
    if scope not in ("Namespaced", "Cluster"):
        return None
    return (group, kind), scope == "Namespaced"


def in_namespace(doc: Document, namespace: str) -> Document:
    """``doc`` with ``metadata.namespace`` set to ``namespace`` if it names none, as kubectl.

    An empty or null namespace counts as none.  The document is copied, not changed, and
    keeps its positions (the namespace it gets points at ``metadata``).
    """
    metadata = doc.data.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("namespace") not in (None, ""):
        return doc
    data = {**doc.data, "metadata": {**metadata, "namespace": namespace}}
    return dataclasses.replace(doc, data=data)
