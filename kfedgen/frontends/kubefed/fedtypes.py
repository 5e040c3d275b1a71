"""Federated types: KubeFed's ten defaults and those added by FederatedTypeConfig."""

from __future__ import annotations

from kfedgen.errors import Problems
from kfedgen.model import FEDERATED_API_VERSION, TargetType
from kfedgen.selectors import is_dns1123_subdomain
from kfedgen.source.load import Document

FTC_API_VERSION = "core.kubefed.io/v1beta1"
# kfedgen extension: the annotation of a FederatedTypeConfig naming where its target's
# replicas live, which makes the federated kind a ReplicaSchedulingPreference target.
REPLICAS_PATH_ANNOTATION = "kfedgen.io/replicas-path"
# The kinds KubeFed's RSP divides (its schema's enum).
RSP_TARGET_KINDS = ("FederatedDeployment", "FederatedReplicaSet")

# (group, version, kind, plural, namespaced): the FederatedTypeConfigs of
# KubeFed v0.10.0's Helm chart (reference 2.2).
_DEFAULTS = (
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    ("", "v1", "ConfigMap", "configmaps", True),
    ("apps", "v1", "Deployment", "deployments", True),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True),
    ("batch", "v1", "Job", "jobs", True),
    ("", "v1", "Namespace", "namespaces", False),
    ("apps", "v1", "ReplicaSet", "replicasets", True),
    ("", "v1", "Secret", "secrets", True),
    ("", "v1", "ServiceAccount", "serviceaccounts", True),
    ("", "v1", "Service", "services", True),
)


def default_types() -> dict[tuple[str, str], TargetType]:
    """KubeFed's default federated types, keyed by (federated apiVersion, kind)."""
    types = {}
    for group, version, kind, plural, namespaced in _DEFAULTS:
        target = TargetType(
            group, version, kind, plural, namespaced, FEDERATED_API_VERSION, f"Federated{kind}"
        )
        types[(target.federated_api_version, target.federated_kind)] = target
    return types


def plural_name(kind: str) -> str:
    """KubeFed's ``PluralName``: lower-case, then -es / -ies / -s."""
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh", "z", "o")):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def parse_type_config(doc: Document, problems: Problems) -> TargetType | None:
    """Build a target type from a schema-valid FederatedTypeConfig, checking KubeFed's rules."""
    spec = doc.data["spec"]
    name: str = doc.data["metadata"]["name"]
    target = spec["targetType"]
    federated = spec["federatedType"]
    errors_before = len(problems.errors)

    name_plural, _, name_group = name.partition(".")
    group = target.get("group", name_group)
    plural = target.get("pluralName", name_plural)
    expected_name = f"{plural}.{group}" if group else plural
    if name != expected_name:
        problems.error(
            doc.location(("metadata", "name")),
            ("metadata", "name"),
            f"FederatedTypeConfig name must be {expected_name!r} (plural.group of the target type)",
        )
    fed_group = federated.get("group", "")
    if "." not in fed_group:
        problems.error(
            doc.location(("spec", "federatedType")),
            ("spec", "federatedType", "group"),
            f"federatedType group {fed_group!r} must contain at least one dot",
            f"KubeFed uses {FEDERATED_API_VERSION.split('/')[0]!r}",
        )
    for side, value in (("targetType", target), ("federatedType", federated)):
        if "scope" not in value:
            problems.error(
                doc.location(("spec", side)), ("spec", side, "scope"), "scope is required"
            )
    if group and not is_dns1123_subdomain(group):
        problems.error(
            doc.location(("spec", "targetType")),
            ("spec", "targetType", "group"),
            f"group {group!r} is not a DNS subdomain",
        )
    if len(problems.errors) > errors_before:
        return None
    fed_scope = federated["scope"]
    target_scope = target["scope"]
    if target["kind"] != "Namespace" and fed_scope != target_scope:
        problems.error(
            doc.location(("spec", "federatedType", "scope")),
            ("spec", "federatedType", "scope"),
            f"federatedType scope {fed_scope} differs from targetType scope {target_scope}",
            "a federated type has the scope of its target (FederatedNamespace is the exception)",
        )
        return None
    return TargetType(
        group=group,
        version=target["version"],
        kind=target["kind"],
        plural=plural,
        namespaced=target_scope == "Namespaced",
        federated_api_version=f"{fed_group}/{federated['version']}",
        federated_kind=federated["kind"],
        replicas_path=(doc.data["metadata"].get("annotations") or {}).get(REPLICAS_PATH_ANNOTATION),
    )
