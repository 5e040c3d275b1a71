"""Every kind of fleet document kfedgen reads, and who reads it: one table.

:data:`KINDS` maps ``(apiVersion, kind)`` to the reader of that kind; nothing registers a
kind anywhere else, so this table is the whole list.  The federated kinds are the one
open set: KubeFed's defaults and those the fleet's FederatedTypeConfigs define, looked up
in ``spec.types`` by :func:`object_reader` and read by :data:`FEDERATED`.

Readers run in three phases (:class:`Phase`), each over every document before the next:
type configs decide which kinds are federated and their scope; the inventory holds the
clusters every other kind refers to; then every object, in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from kfedgen.errors import Problems
from kfedgen.frontends.inventory import (
    FLEET_API_VERSION,
    KARMADA_CLUSTER,
    KUBEFED_CORE,
    add_fleets,
    add_karmada_clusters,
    add_kubefed_clusters,
)
from kfedgen.frontends.karmada.customizations import add_customization, warn_webhook
from kfedgen.frontends.karmada.policies import add_override_policy, add_propagation_policy
from kfedgen.frontends.karmada.services import (
    MULTICLUSTER_SERVICE,
    NETWORKING_API_VERSION,
    add_multicluster_service,
)
from kfedgen.frontends.kubefed.federated import add_federated
from kfedgen.frontends.kubefed.fedtypes import FTC_API_VERSION
from kfedgen.frontends.kubefed.rsp import RSP_KIND, SCHEDULING_API_VERSION, add_preference
from kfedgen.frontends.kubefed.typeconfigs import add_type_configs
from kfedgen.karmada.policytypes import (
    CLUSTER_OVERRIDE_POLICY,
    CLUSTER_PROPAGATION_POLICY,
    OVERRIDE_POLICY,
    POLICY_API_VERSION,
    PROPAGATION_POLICY,
)
from kfedgen.karmada.scripts import CUSTOMIZATION_API_VERSION, CUSTOMIZATION_KIND, WEBHOOK_KIND
from kfedgen.model import FleetSpec
from kfedgen.source.load import Document

KindKey = tuple[str, str]
DocumentHandler = Callable[[Document, FleetSpec, Problems], None]
DocumentsHandler = Callable[[Sequence[Document], FleetSpec, Problems], None]


class Phase(Enum):
    """When a kind is read; within a phase, kinds are read in table order."""

    # Every document of the kind at once, before any object.
    TYPES = "types"
    INVENTORY = "inventory"
    # One document at a time, in input order, once types and inventory are known.
    OBJECTS = "objects"


@dataclass(frozen=True)
class KindReader:
    """How one kind is read: its phase, its scope, and the function that reads it."""

    phase: Phase
    # Whether a document of the kind that names no namespace gets the default one.
    namespaced: bool
    read: DocumentsHandler


def each(handler: DocumentHandler) -> DocumentsHandler:
    """A reader of several documents from a reader of one."""

    def read(documents: Sequence[Document], spec: FleetSpec, problems: Problems) -> None:
        for document in documents:
            handler(document, spec, problems)

    return read


_OBJECTS, _INVENTORY = Phase.OBJECTS, Phase.INVENTORY

KINDS: Final[Mapping[KindKey, KindReader]] = {
    # KubeFed: type configs, then the inventory (Fleet first: it is kfedgen's own).
    (FTC_API_VERSION, "FederatedTypeConfig"): KindReader(Phase.TYPES, False, add_type_configs),
    (FLEET_API_VERSION, "Fleet"): KindReader(_INVENTORY, False, add_fleets),
    (KUBEFED_CORE, "KubeFedCluster"): KindReader(_INVENTORY, False, add_kubefed_clusters),
    (KARMADA_CLUSTER, "Cluster"): KindReader(_INVENTORY, False, add_karmada_clusters),
    # KubeFed objects besides the federated kinds.
    (SCHEDULING_API_VERSION, RSP_KIND): KindReader(_OBJECTS, True, each(add_preference)),
    # Karmada's policies (a Cluster* twin is cluster-scoped).
    (POLICY_API_VERSION, PROPAGATION_POLICY): KindReader(
        _OBJECTS, True, each(add_propagation_policy)
    ),
    (POLICY_API_VERSION, CLUSTER_PROPAGATION_POLICY): KindReader(
        _OBJECTS, False, each(add_propagation_policy)
    ),
    (POLICY_API_VERSION, OVERRIDE_POLICY): KindReader(_OBJECTS, True, each(add_override_policy)),
    (POLICY_API_VERSION, CLUSTER_OVERRIDE_POLICY): KindReader(
        _OBJECTS, False, each(add_override_policy)
    ),
    # Karmada's resource interpreter (cluster-scoped): Lua customizations, and webhooks,
    # which cannot run offline (a warning).
    (CUSTOMIZATION_API_VERSION, CUSTOMIZATION_KIND): KindReader(
        _OBJECTS, False, each(add_customization)
    ),
    (CUSTOMIZATION_API_VERSION, WEBHOOK_KIND): KindReader(_OBJECTS, False, each(warn_webhook)),
    # Karmada's MultiClusterService (kfedgen.traffic renders it).
    (NETWORKING_API_VERSION, MULTICLUSTER_SERVICE): KindReader(
        _OBJECTS, True, each(add_multicluster_service)
    ),
}

FEDERATED: Final = each(add_federated)
"""The reader of every federated kind (its scope is its type's)."""


def object_reader(key: KindKey, spec: FleetSpec) -> DocumentsHandler | None:
    """The reader of a document of kind ``key`` in the objects phase; None: not a known kind.

    The table wins over the federated types; a kind of an earlier phase, or of a federated
    type whose propagation is Disabled (KubeFed ignores its objects), reads nothing.
    """
    reader = KINDS.get(key)
    if reader is not None:
        return reader.read if reader.phase is Phase.OBJECTS else _read_nothing
    if key in spec.disabled_types:
        return _read_nothing
    if key in spec.types:
        return FEDERATED
    return None


def namespaced_kind(key: KindKey, spec: FleetSpec) -> bool | None:
    """Whether kind ``key`` is namespaced, by its federated type or the table; None: unknown."""
    target = spec.types.get(key)
    if target is not None:
        return target.namespaced or target.is_namespace
    reader = KINDS.get(key)
    return reader.namespaced if reader is not None else None


def _read_nothing(documents: Sequence[Document], spec: FleetSpec, problems: Problems) -> None:
    """Read by an earlier phase, or ignored."""


def kinds_of(phase: Phase) -> list[KindKey]:
    """The kinds read in ``phase``, in table order."""
    return [key for key, reader in KINDS.items() if reader.phase is phase]


def known_kinds(spec: FleetSpec) -> set[KindKey]:
    """Every kind kfedgen reads in this fleet: the table's and the federated types."""
    return {*spec.types, *KINDS}
