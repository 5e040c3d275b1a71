"""Stage 2: validate the parsed documents and build the typed :class:`FleetSpec`.

Documents are dispatched on ``apiVersion``/``kind`` over the one kind table,
:data:`kfedgen.frontends.kinds.KINDS`, whose readers live in the front-ends.  This
module only checks each document's envelope, gives namespaced documents their default
namespace, runs the table's phases, and reports kinds nobody reads.  Every document is
checked as far as possible even when others are broken, so one run reports every
problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kfedgen.errors import Problems
from kfedgen.frontends.inventory import check_inventory_found
from kfedgen.frontends.karmada.policychecks import check_dependent_overrides
from kfedgen.frontends.kinds import (
    KINDS,
    Phase,
    kinds_of,
    known_kinds,
    namespaced_kind,
    object_reader,
)
from kfedgen.frontends.kubefed.federated import check_duplicates
from kfedgen.frontends.kubefed.fedtypes import default_types
from kfedgen.frontends.nearmiss import meant_api_version
from kfedgen.frontends.schema import check_json_compatible
from kfedgen.frontends.scope import DEFAULT_NAMESPACE, Scopes, in_namespace
from kfedgen.model import FleetSpec
from kfedgen.source.load import Document

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
_INVENTORY_KINDS = frozenset(kinds_of(Phase.INVENTORY))


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
    _read_phase(Phase.TYPES, usable, spec, problems)
    scopes = Scopes.of(usable, spec.types.values())
    usable = [_with_default_namespace(doc, spec, scopes, opts.namespace) for doc in usable]
    maybe_unread = maybe_unread or any(_unread_inventory(doc) for doc in usable)
    found = _read_phase(Phase.INVENTORY, usable, spec, problems)
    check_inventory_found(found, usable, spec, problems, opts.fleet_paths, maybe_unread)

    for doc in usable:
        key = (doc.api_version, doc.kind)
        reader = object_reader(key, spec)
        if reader is not None:
            reader([doc], spec, problems)
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
    check_duplicates(spec, problems)
    check_dependent_overrides(spec, problems)
    return spec


def _read_phase(
    phase: Phase, documents: Sequence[Document], spec: FleetSpec, problems: Problems
) -> bool:
    """Read every document of ``phase``'s kinds, kind by kind; whether there was one."""
    found = False
    for key in kinds_of(phase):
        of_kind = [doc for doc in documents if (doc.api_version, doc.kind) == key]
        if of_kind:
            found = True
            KINDS[key].read(of_kind, spec, problems)
    return found


def _group(doc: Document) -> str:
    return doc.api_version.rpartition("/")[0]


def _meant_api_version(doc: Document, spec: FleetSpec) -> str | None:
    return meant_api_version(doc.api_version, doc.kind, known_kinds(spec), FEDERATION_GROUPS)


def _unread_inventory(doc: Document) -> bool:
    """An inventory kind kfedgen does not read (a wrong version, a misspelt group)."""
    if (doc.api_version, doc.kind) in _INVENTORY_KINDS:
        return False
    if doc.kind not in {kind for _, kind in _INVENTORY_KINDS}:
        return False
    groups = [v.rpartition("/")[0] for v, k in _INVENTORY_KINDS if k == doc.kind]
    return _group(doc) in FEDERATION_GROUPS or (
        meant_api_version(doc.api_version, doc.kind, _INVENTORY_KINDS, groups) is not None
    )


def _with_default_namespace(
    doc: Document, spec: FleetSpec, scopes: Scopes, namespace: str
) -> Document:
    """``doc`` in ``namespace`` when it is of a namespaced kind and names no namespace."""
    namespaced = namespaced_kind((doc.api_version, doc.kind), spec)
    if namespaced is None and _group(doc) in FEDERATION_GROUPS:
        namespaced = False  # an unknown kind there: reported, and its namespace means nothing
    elif namespaced is None:
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
    known = known_kinds(spec)
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
