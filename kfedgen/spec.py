"""Stage 2: validate the parsed documents and build the typed :class:`FleetSpec`.

Documents are dispatched on ``apiVersion``/``kind``.  Every document is checked
as far as possible even when others are broken, so one run reports every
problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.fedtypes import FTC_API_VERSION, default_types, parse_type_config
from kfedgen.frontends.karmada.policies import policy_handlers
from kfedgen.inventory import INVENTORY_KINDS, add_inventory
from kfedgen.load import Document
from kfedgen.model import (
    FederatedObject,
    FleetSpec,
    OverrideEntry,
    PatchOp,
    Placement,
    TargetType,
)
from kfedgen.nearmiss import meant_api_version
from kfedgen.schema import check_json_compatible, validate_document
from kfedgen.scope import DEFAULT_NAMESPACE, Scopes, in_namespace
from kfedgen.selectors import (
    LabelSelector,
    is_dns1123_label,
    kubernetes_name_problem,
    object_name_problem,
    parse_selector,
)

NAME_HINT = (
    "use lower-case letters, digits, '-' and '.', starting and ending with one of the first two"
)
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
FTC_KIND = (FTC_API_VERSION, "FederatedTypeConfig")
# The scope of the kinds the modules in EXTRA_HANDLERS parse (a policy's Cluster twin is
# cluster-scoped); the namespace of federated kinds comes from their type.
NAMESPACED_HANDLED_KINDS = frozenset(
    {"ReplicaSchedulingPreference", "PropagationPolicy", "OverridePolicy"}
)

DocumentHandler = Callable[[Document, FleetSpec, Problems], None]


@dataclass(frozen=True)
class SpecOptions:
    """What the spec stage needs from the command line."""

    # The -f paths as the user gave them, for messages about the fleet as a whole.
    fleet_paths: tuple[str, ...] = ()
    # Where namespaced objects without metadata.namespace go (kubectl's context namespace).
    namespace: str = DEFAULT_NAMESPACE


def build_spec(
    documents: Sequence[Document], problems: Problems, options: SpecOptions | None = None
) -> FleetSpec:
    """Validate ``documents`` and build the fleet spec, recording every problem."""
    opts = options or SpecOptions()
    # A file that did not parse, or a document without a kind, may hold the inventory.
    maybe_unread = problems.has_errors()
    spec = FleetSpec(types=default_types())
    usable = []
    for doc in documents:
        if _check_envelope(doc, problems):
            usable.append(doc)
        else:
            maybe_unread = True

    # Type configs first: they decide which kinds are federated types, and their scope.
    restated: set[tuple[str, str]] = set()
    for doc in usable:
        if (doc.api_version, doc.kind) == FTC_KIND:
            _add_type_config(doc, spec, problems, restated)
    scopes = Scopes.of(usable, spec.types.values())
    usable = [_with_default_namespace(doc, spec, scopes, opts.namespace) for doc in usable]
    maybe_unread = maybe_unread or any(_unread_inventory(doc) for doc in usable)
    add_inventory(usable, spec, problems, opts.fleet_paths, maybe_unread)

    handled = {FTC_KIND, *INVENTORY_KINDS}
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
        elif _group(doc) in FEDERATION_GROUPS:
            problems.error(
                doc.location(("kind",)),
                ("kind",),
                f"unknown kind {doc.kind!r} for apiVersion {doc.api_version!r}",
                _unknown_kind_hint(doc, spec),
            )
        elif (meant := _meant_api_version(doc, spec)) is not None:
            problems.error(
                doc.location(("apiVersion",)),
                ("apiVersion",),
                f"apiVersion {doc.api_version!r} is not one kfedgen reads, so this {doc.kind} "
                "would be a plain object",
                f"did you mean {meant!r}?",
            )
        else:
            spec.plain.append(doc)
    _check_duplicates(spec, problems)
    return spec


# Kinds parsed by the modules that own their semantics (scheduling, Karmada).
EXTRA_HANDLERS: dict[tuple[str, str], DocumentHandler] = {}
EXTRA_HANDLERS.update(policy_handlers())


def _group(doc: Document) -> str:
    return doc.api_version.rpartition("/")[0]


def _known_kinds(spec: FleetSpec) -> set[tuple[str, str]]:
    return {*spec.types, *EXTRA_HANDLERS, *INVENTORY_KINDS, FTC_KIND}


def _meant_api_version(doc: Document, spec: FleetSpec) -> str | None:
    return meant_api_version(doc.api_version, doc.kind, _known_kinds(spec), FEDERATION_GROUPS)


def _unread_inventory(doc: Document) -> bool:
    """An inventory kind kfedgen does not read (a wrong version, a misspelt group)."""
    if (doc.api_version, doc.kind) in INVENTORY_KINDS:
        return False
    if doc.kind not in {kind for _, kind in INVENTORY_KINDS}:
        return False
    groups = [v.rpartition("/")[0] for v, k in INVENTORY_KINDS if k == doc.kind]
    return _group(doc) in FEDERATION_GROUPS or (
        meant_api_version(doc.api_version, doc.kind, INVENTORY_KINDS, groups) is not None
    )


def _with_default_namespace(
    doc: Document, spec: FleetSpec, scopes: Scopes, namespace: str
) -> Document:
    """``doc`` in ``namespace`` when it is of a namespaced kind and names no namespace."""
    key = (doc.api_version, doc.kind)
    if key in spec.types:
        target = spec.types[key]
        namespaced: bool | None = target.namespaced or target.is_namespace
    elif key in EXTRA_HANDLERS:
        namespaced = doc.kind in NAMESPACED_HANDLED_KINDS
    elif _group(doc) in FEDERATION_GROUPS:
        namespaced = False  # inventory and type configs: their namespace means nothing here
    else:
        namespaced = scopes.namespaced(doc.api_version, doc.kind)
    return in_namespace(doc, namespace) if namespaced else doc


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
    known = _known_kinds(spec)
    versions = sorted({v for (v, k) in known if k == doc.kind})
    if len(versions) == 1:
        return f"did you mean apiVersion {versions[0]!r}?"
    if doc.kind.startswith("Federated"):
        return "add a FederatedTypeConfig for its target type"
    kinds = sorted({k for (v, k) in known if v == doc.api_version})
    if kinds:
        return f"known kinds: {', '.join(kinds)}"
    group = _group(doc)
    same_group = sorted({f"{v} {k}" for (v, k) in known if v.rpartition("/")[0] == group})
    return f"kfedgen reads {', '.join(same_group)}" if same_group else ""


def _add_type_config(
    doc: Document, spec: FleetSpec, problems: Problems, restated: set[tuple[str, str]]
) -> None:
    """Add the type a FederatedTypeConfig defines; ``restated`` are the keys FTCs defined.

    A FederatedTypeConfig may restate one of KubeFed's built-in types, or re-point it to
    another group or version of the same kind: KubeFed's own chart installs the built-ins as
    FTCs, with FederatedIngress pointing at extensions/v1beta1.  The document then wins over
    the built-in.  Turning a built-in into another kind, or two documents for one federated
    type that disagree, is an error.
    """
    if not validate_document(doc, "FederatedTypeConfig", problems):
        return
    target = parse_type_config(doc, problems)
    if target is None:
        return
    key = (target.federated_api_version, target.federated_kind)
    existing = spec.types.get(key)
    repoints_builtin = key not in restated and existing is not None and existing.kind == target.kind
    restated.add(key)
    if existing is not None and existing != target and not repoints_builtin:
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
    # A namespaced object without a namespace is in the default one (kfedgen.scope).
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
