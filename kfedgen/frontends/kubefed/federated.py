"""Federated objects: read one ``Federated<Kind>`` document (placement, overrides) into the spec.

KubeFed's own validation (``GetOverrides`` and the federated CRDs' schemas) plus stricter
checks kfedgen makes so that a mistake KubeFed would silently accept is reported here.
References to clusters are checked afterwards, by :mod:`kfedgen.frontends.kubefed.validate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.references import report_defined_twice
from kfedgen.frontends.schema import validate_document
from kfedgen.model import (
    FederatedObject,
    FleetSpec,
    OverrideEntry,
    Placement,
    TargetType,
)
from kfedgen.patch import PatchOp
from kfedgen.selectors import (
    LabelSelector,
    is_dns1123_label,
    kubernetes_name_problem,
    object_name_problem,
    parse_selector,
)
from kfedgen.source.load import Document

NAME_HINT = (
    "use lower-case letters, digits, '-' and '.', starting and ending with one of the first two"
)
PATCH_OPS = ("add", "remove", "replace")


def add_federated(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """Validate one document of a federated type and add it to ``spec.federated``.

    ``spec.types`` holds the document's type (KubeFed's defaults and the
    FederatedTypeConfigs', read first); a FederatedNamespace also goes to
    ``spec.namespaces``.
    """
    target = spec.types[(doc.api_version, doc.kind)]
    if not validate_document(doc, "FederatedResource", problems):
        return
    errors_before = len(problems.errors)
    metadata = doc.data["metadata"]
    name: str = metadata["name"]
    namespace: str = metadata.get("namespace", "")
    federated_namespaced = target.namespaced or target.is_namespace
    _check_identity(doc, name, namespace, federated_namespaced, problems)
    _check_target_name(doc, name, target, problems)
    raw_spec = doc.data["spec"]
    template = raw_spec.get("template") or {}
    placement = _parse_placement(doc, raw_spec.get("placement") or {}, problems)
    overrides = _parse_overrides(doc, raw_spec.get("overrides") or [], problems)
    if len(problems.errors) > errors_before:
        return
    obj = FederatedObject(
        doc=doc,
        target=target,
        name=name,
        namespace=namespace if federated_namespaced else "",
        template=template,
        placement=placement,
        overrides=overrides,
        retain_replicas=bool(raw_spec.get("retainReplicas", False)),
    )
    if target.is_namespace:
        if name != namespace:
            problems.error(
                doc.location(("metadata", "name")),
                ("metadata", "name"),
                f"a FederatedNamespace must be named like its namespace ({namespace!r})",
                f"name it {namespace}/{namespace}, or set metadata.namespace: {name}; "
                "KubeFed ignores it otherwise",
            )
            return
        spec.namespaces[namespace] = obj
    spec.federated.append(obj)


def _check_target_name(doc: Document, name: str, target: TargetType, problems: Problems) -> None:
    if object_name_problem(name):
        return  # reported by _check_identity
    problem = kubernetes_name_problem(name, target.group, target.kind)
    if problem:
        problems.error(doc.location(("metadata", "name")), ("metadata", "name"), problem, NAME_HINT)


def _check_identity(
    doc: Document, name: str, namespace: str, namespaced: bool, problems: Problems
) -> None:
    problem = object_name_problem(name)
    if problem:
        problems.error(doc.location(("metadata", "name")), ("metadata", "name"), problem)
    # A namespaced object without a namespace is in the default one (kfedgen.frontends.scope).
    if namespace and not is_dns1123_label(namespace):
        problems.error(
            doc.location(("metadata", "namespace")),
            ("metadata", "namespace"),
            f"namespace {namespace!r} is not a DNS-1123 label",
        )
    elif namespace and not namespaced:
        problems.warning(
            doc.location(("metadata", "namespace")),
            ("metadata", "namespace"),
            f"{doc.kind} is cluster-scoped: metadata.namespace is ignored",
        )


def _parse_placement(doc: Document, raw: Mapping[str, Any], problems: Problems) -> Placement:
    names: tuple[str, ...] | None = None
    if raw.get("clusters") is not None:
        names = tuple(entry["name"] for entry in raw["clusters"])
    selector: LabelSelector | None = None
    if raw.get("clusterSelector") is not None:
        selector = _selector(
            doc, raw["clusterSelector"], ("spec", "placement", "clusterSelector"), problems
        )
    return Placement(names, selector)


def _selector(
    doc: Document, raw: Mapping[str, Any], path: DocPath, problems: Problems
) -> LabelSelector:
    selector, errors = parse_selector(raw, path)
    for where, message in errors:
        problems.error(doc.location(where), where, message)
    return selector


def _parse_overrides(
    doc: Document, raw: Sequence[Mapping[str, Any]], problems: Problems
) -> tuple[OverrideEntry, ...]:
    """Parse ``spec.overrides`` with KubeFed's validation (GetOverrides) plus stricter checks."""
    entries = []
    seen_names: dict[str, int] = {}
    for index, item in enumerate(raw):
        path: DocPath = ("spec", "overrides", index)
        cluster_name = item.get("clusterName")
        selector = None
        if "clusterSelector" in item:
            selector = _selector(doc, item["clusterSelector"], (*path, "clusterSelector"), problems)
        if (cluster_name is None) == (selector is None):
            problems.error(
                doc.location(path),
                path,
                "an override entry needs exactly one of clusterName and clusterSelector",
            )
            continue
        if cluster_name is not None:
            if cluster_name in seen_names:
                problems.error(
                    doc.location((*path, "clusterName")),
                    (*path, "clusterName"),
                    f"cluster {cluster_name!r} appears more than once "
                    f"(first in overrides[{seen_names[cluster_name]}])",
                    "merge the two entries",
                )
            seen_names.setdefault(cluster_name, index)
        patches = _parse_patches(doc, path, item.get("clusterOverrides") or [], problems)
        entries.append(OverrideEntry(index, cluster_name, selector, patches))
    return tuple(entries)


def _parse_patches(
    doc: Document, path: DocPath, raw: Sequence[Mapping[str, Any]], problems: Problems
) -> tuple[PatchOp, ...]:
    patches = []
    seen_paths: set[str] = set()
    for index, item in enumerate(raw):
        where = (*path, "clusterOverrides", index)
        op = item.get("op") or "replace"
        pointer: str = item["path"]
        if op not in PATCH_OPS:
            problems.error(
                doc.location((*where, "op")),
                (*where, "op"),
                f"op {op!r} is not supported",
                "use add, remove or replace (default replace)",
            )
        if not pointer.startswith("/"):
            problems.error(
                doc.location((*where, "path")),
                (*where, "path"),
                f"path {pointer!r} must start with '/'",
                f"did you mean '/{pointer}'? (KubeFed would silently drop the first segment)",
            )
        # What an override may not change (name, namespace, kind, API group...) is checked
        # on the result, by kfedgen.identity, whatever path changed it.
        if pointer in seen_paths:
            problems.error(
                doc.location((*where, "path")),
                (*where, "path"),
                f"path {pointer!r} appears more than once in this override entry",
            )
        seen_paths.add(pointer)
        if op == "remove" and "value" in item and item["value"] is not None:
            problems.warning(
                doc.location((*where, "value")), (*where, "value"), "value is ignored by remove"
            )
        patches.append(PatchOp(op, pointer, item.get("value"), where))
    return tuple(patches)


def check_duplicates(spec: FleetSpec, problems: Problems) -> None:
    """Report a federated object defined twice (same apiVersion, kind, namespace and name)."""
    seen: dict[tuple[str, str, str], FederatedObject] = {}
    for obj in spec.federated:
        key = (obj.doc.api_version, obj.kind, obj.key)
        first = seen.get(key)
        if first is not None:
            report_defined_twice(obj, obj.ref, first, problems)
        else:
            seen[key] = obj
