"""Stage 2: validate the parsed documents and build the typed :class:`FleetSpec`.

Documents are dispatched on ``apiVersion``/``kind``.  Every document is checked
as far as possible even when others are broken, so one run reports every
problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.fedtypes import FTC_API_VERSION, default_types, parse_type_config
from kfedgen.karmada.policies import policy_handlers
from kfedgen.load import Document
from kfedgen.model import (
    Cluster,
    FederatedObject,
    FleetSpec,
    OverrideEntry,
    PatchOp,
    Placement,
    Taint,
    TargetType,
)
from kfedgen.schema import check_json_compatible, validate_document
from kfedgen.selectors import (
    LabelSelector,
    is_dns1123_label,
    kubernetes_name_problem,
    label_key_problem,
    label_value_problem,
    object_name_problem,
    parse_selector,
)

FLEET_API_VERSION = "kfedgen.io/v1alpha1"
NAME_HINT = (
    "use lower-case letters, digits, '-' and '.', starting and ending with one of the first two"
)
KUBEFED_CORE = "core.kubefed.io/v1beta1"
PATCH_OPS = ("add", "remove", "replace")
# API groups whose kinds kfedgen must understand; an unknown kind there is a
# typo or a missing FederatedTypeConfig, never a plain object.
FEDERATION_GROUPS = (
    "kfedgen.io",
    "types.kubefed.io",
    "core.kubefed.io",
    "scheduling.kubefed.io",
    "policy.karmada.io",
    "cluster.karmada.io",
)
KARMADA_CLUSTER = "cluster.karmada.io/v1alpha1"
# Karmada's Cluster API has no capacity field; kfedgen reads a declared one from here.
AVAILABLE_REPLICAS_ANNOTATION = "kfedgen.io/available-replicas"

DocumentHandler = Callable[[Document, FleetSpec, Problems], None]


def build_spec(documents: Sequence[Document], problems: Problems) -> FleetSpec:
    """Validate ``documents`` and build the fleet spec, recording every problem."""
    spec = FleetSpec(types=default_types())
    usable = [doc for doc in documents if _check_envelope(doc, problems)]

    # Type configs first: they decide which kinds are federated types.
    for doc in usable:
        if (doc.api_version, doc.kind) == (FTC_API_VERSION, "FederatedTypeConfig"):
            _add_type_config(doc, spec, problems)
    fleets = [d for d in usable if (d.api_version, d.kind) == (FLEET_API_VERSION, "Fleet")]
    _add_fleet(fleets, spec, problems)
    for doc in usable:
        if (doc.api_version, doc.kind) == (KUBEFED_CORE, "KubeFedCluster"):
            _add_kubefed_cluster(doc, spec, problems)

    handled = {(FTC_API_VERSION, "FederatedTypeConfig"), (FLEET_API_VERSION, "Fleet")}
    handled.add((KUBEFED_CORE, "KubeFedCluster"))
    for doc in usable:
        key = (doc.api_version, doc.kind)
        if key in handled:
            continue
        handler = EXTRA_HANDLERS.get(key)
        if handler is not None:
            handler(doc, spec, problems)
        elif key in spec.disabled_types:
            continue
        elif key in spec.types:
            _add_federated(doc, spec.types[key], spec, problems)
        elif doc.api_version.split("/")[0] in FEDERATION_GROUPS:
            problems.error(
                doc.location(("kind",)),
                ("kind",),
                f"unknown kind {doc.kind!r} for apiVersion {doc.api_version!r}",
                _unknown_kind_hint(doc, spec),
            )
        else:
            spec.plain.append(doc)
    _check_duplicates(spec, problems)
    return spec


# Kinds parsed by the modules that own their semantics (scheduling, Karmada).
EXTRA_HANDLERS: dict[tuple[str, str], DocumentHandler] = {}
EXTRA_HANDLERS.update(policy_handlers())


def _check_envelope(doc: Document, problems: Problems) -> bool:
    if not isinstance(doc.data, dict):
        problems.error(
            doc.location(),
            (),
            f"document is {_a(doc.data)}, not a mapping",
            "every document must be a Kubernetes-style object with apiVersion and kind",
        )
        return False
    ok = check_json_compatible(doc, problems)
    for field in ("apiVersion", "kind"):
        value = doc.data.get(field)
        if not isinstance(value, str) or not value:
            problems.error(doc.location((field,)), (field,), f"{field} is missing or not a string")
            ok = False
    return ok


def _a(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _unknown_kind_hint(doc: Document, spec: FleetSpec) -> str:
    if doc.kind.startswith("Federated"):
        return "add a FederatedTypeConfig for its target type"
    kinds = sorted({k for (v, k) in [*spec.types, *EXTRA_HANDLERS] if v == doc.api_version})
    if kinds:
        return f"known kinds: {', '.join(kinds)}"
    group = doc.api_version.split("/")[0]
    known = sorted({f"{v} {k}" for (v, k) in EXTRA_HANDLERS if v.split("/")[0] == group})
    return f"kfedgen reads {', '.join(known)}" if known else ""


def _add_type_config(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    if not validate_document(doc, "FederatedTypeConfig", problems):
        return
    target = parse_type_config(doc, problems)
    if target is None:
        return
    key = (target.federated_api_version, target.federated_kind)
    existing = spec.types.get(key)
    if existing is not None and existing != target:
        problems.error(
            doc.location(("spec", "federatedType")),
            ("spec", "federatedType"),
            f"federated type {target.federated_kind} ({target.federated_api_version}) already "
            f"stands for {existing.kind} ({existing.api_version})",
            "give the federated type its own kind or group",
        )
        return
    if doc.data["spec"].get("propagation") == "Disabled":
        # KubeFed runs no sync controller for a disabled type: its objects are ignored.
        spec.types.pop(key, None)
        problems.warning(
            doc.location(("spec", "propagation")),
            ("spec", "propagation"),
            f"propagation is Disabled: {target.federated_kind} objects will not be rendered",
        )
        spec.disabled_types.add(key)
        return
    spec.types[key] = target


def _add_fleet(fleets: list[Document], spec: FleetSpec, problems: Problems) -> None:
    if not fleets:
        problems.error(
            Location("<fleet>"),
            (),
            f"no inventory: the fleet needs one {FLEET_API_VERSION} Fleet document",
            "run 'kfedgen init' to scaffold one",
        )
        return
    for extra in fleets[1:]:
        first = fleets[0].location()
        problems.error(
            extra.location(),
            (),
            f"a second Fleet document; the first is at {first}",
            "a fleet has exactly one inventory",
        )
    doc = fleets[0]
    spec.fleet_doc = doc
    if not validate_document(doc, "Fleet", problems):
        return
    spec.gitops = doc.data["spec"].get("gitops") or {}
    for index, raw in enumerate(doc.data["spec"].get("clusters") or []):
        path: DocPath = ("spec", "clusters", index)
        labels = raw.get("labels") or {}
        _check_labels(doc, (*path, "labels"), labels, problems)
        cluster = Cluster(
            name=raw["name"],
            labels=dict(labels),
            location=doc.location(path),
            server=raw.get("server"),
            destination_name=raw.get("destinationName"),
            schedulable=raw.get("schedulable", True),
            provider=raw.get("provider", ""),
            region=raw.get("region", ""),
            zones=tuple(raw.get("zones") or ()),
            taints=_taints(raw.get("taints") or ()),
            available_replicas=raw.get("availableReplicas"),
        )
        _add_cluster(cluster, (*path, "name"), doc, spec, problems)


def _add_kubefed_cluster(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    if not validate_document(doc, "KubeFedCluster", problems):
        return
    metadata = doc.data["metadata"]
    labels = metadata.get("labels") or {}
    _check_labels(doc, ("metadata", "labels"), labels, problems)
    cluster = Cluster(
        name=metadata["name"],
        labels=dict(labels),
        location=doc.location(),
        server=(doc.data.get("spec") or {}).get("apiEndpoint"),
    )
    _add_cluster(cluster, ("metadata", "name"), doc, spec, problems)


def _add_karmada_cluster(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """A Karmada ``Cluster`` as inventory (its deprecated ``spec.zone`` stands for ``zones``)."""
    if not validate_document(doc, "Cluster", problems):
        return
    metadata = doc.data["metadata"]
    labels = metadata.get("labels") or {}
    _check_labels(doc, ("metadata", "labels"), labels, problems)
    raw = doc.data.get("spec") or {}
    # migrateZoneToZones (Karmada's cluster mutating webhook).
    zones = raw.get("zones") or ([raw["zone"]] if raw.get("zone") else [])
    available = (metadata.get("annotations") or {}).get(AVAILABLE_REPLICAS_ANNOTATION)
    if available is not None and int(available) > 2**31 - 1:
        path = ("metadata", "annotations", AVAILABLE_REPLICAS_ANNOTATION)
        problems.error(doc.location(path), path, f"{available} is larger than an int32")
        return
    cluster = Cluster(
        name=metadata["name"],
        labels=dict(labels),
        location=doc.location(),
        server=raw.get("apiEndpoint"),
        provider=raw.get("provider", ""),
        region=raw.get("region", ""),
        zones=tuple(zones),
        taints=_taints(raw.get("taints") or ()),
        available_replicas=int(available) if available is not None else None,
    )
    _add_cluster(cluster, ("metadata", "name"), doc, spec, problems)


def _taints(raw: Sequence[Mapping[str, str]]) -> tuple[Taint, ...]:
    return tuple(Taint(t["key"], t.get("value", ""), t["effect"]) for t in raw)


def _add_cluster(
    cluster: Cluster, path: DocPath, doc: Document, spec: FleetSpec, problems: Problems
) -> None:
    existing = spec.clusters.get(cluster.name)
    if existing is not None:
        problems.error(
            doc.location(path),
            path,
            f"cluster {cluster.name!r} is already in the inventory at {existing.location}",
        )
        return
    spec.clusters[cluster.name] = cluster


def _check_labels(
    doc: Document, path: DocPath, labels: Mapping[str, str], problems: Problems
) -> None:
    for key, value in labels.items():
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            problems.error(doc.location((*path, key)), (*path, key), problem)


def _add_federated(doc: Document, target: TargetType, spec: FleetSpec, problems: Problems) -> None:
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
                f"name it {namespace}/{namespace}; KubeFed ignores it otherwise",
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
    if namespaced and not namespace:
        problems.error(
            doc.location(("metadata",)),
            ("metadata", "namespace"),
            f"{doc.kind} is namespaced: metadata.namespace is required",
        )
    elif namespace and not is_dns1123_label(namespace):
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


def _check_duplicates(spec: FleetSpec, problems: Problems) -> None:
    seen: dict[tuple[str, str, str], FederatedObject] = {}
    for obj in spec.federated:
        key = (obj.doc.api_version, obj.kind, obj.key)
        first = seen.get(key)
        if first is not None:
            problems.error(
                obj.location(("metadata", "name")),
                ("metadata", "name"),
                f"{obj.ref} is defined twice; the first is at {first.location()}",
            )
        else:
            seen[key] = obj


EXTRA_HANDLERS[(KARMADA_CLUSTER, "Cluster")] = _add_karmada_cluster
