"""Which KubeFed override operations one cluster's copy of an object gets, in order.

Placement decides the list once per cluster (:func:`cluster_operations`) and the replica
scheduler puts its count in it (:func:`with_scheduled_replicas`); both record the result on
the cluster's :class:`~kfedgen.decisions.ClusterDecision`, which materialize applies as-is.
Where the count lives is the target type's replicas pointer (``/spec/replicas``, or another
field named by the ``kfedgen.io/replicas-path`` extension).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kfedgen.decisions import ClusterPatch
from kfedgen.jsonpointer import PointerError, encode_token, get, tokens
from kfedgen.model import Cluster, FederatedObject
from kfedgen.patch import PatchOp

REPLICAS_PATH = "/spec/replicas"


def replicas_pointers(obj: FederatedObject) -> frozenset[str]:
    """The pointers whose operations decide the replica count: the field and its parents."""
    parts = tokens(obj.target.replicas_pointer)
    return frozenset(
        "".join(f"/{encode_token(t)}" for t in parts[:n]) for n in range(len(parts) + 1)
    )


def value_at(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; None where there is none."""
    try:
        for token in tokens(pointer):
            document = get(document, token)
    except (PointerError, KeyError, IndexError, TypeError):
        return None
    return document


def replica_count(document: Any, obj: FederatedObject) -> int | None:
    """The replica count at the object's pointer: an integer, or a string of digits."""
    value = value_at(document, obj.target.replicas_pointer)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def cluster_operations(obj: FederatedObject, cluster: Cluster) -> tuple[ClusterPatch, ...]:
    """The override operations for ``cluster`` in application order, tagged with their entry.

    Entries naming or selecting the cluster apply in list order.
    """
    return tuple(
        ClusterPatch(entry.index, patch)
        for entry in obj.overrides_for(cluster)
        for patch in entry.patches
    )


def operations_by_cluster(
    obj: FederatedObject, clusters: Sequence[Cluster]
) -> dict[str, tuple[ClusterPatch, ...]]:
    """:func:`cluster_operations` of each of ``clusters`` that has any (the others have none).

    Only the clusters an entry names can have operations, unless an entry selects clusters
    by label: most of a large inventory is then never looked at.
    """
    if not obj.overrides:
        return {}
    if any(entry.cluster_name is None for entry in obj.overrides):
        candidates: Sequence[Cluster] = clusters
    else:
        named = {entry.cluster_name for entry in obj.overrides}
        candidates = [cluster for cluster in clusters if cluster.name in named]
    found = {}
    for cluster in candidates:
        operations = cluster_operations(obj, cluster)
        if operations:
            found[cluster.name] = operations
    return found


def replicas_override(
    obj: FederatedObject, operations: tuple[ClusterPatch, ...]
) -> ClusterPatch | None:
    """The user's override of the replica count among ``operations`` (the first), if any."""
    pointer = obj.target.replicas_pointer
    for operation in operations:
        if operation.patch.path == pointer and operation.patch.op != "remove":
            return operation
    return None


def with_scheduled_replicas(
    obj: FederatedObject, operations: tuple[ClusterPatch, ...], replicas: int
) -> tuple[ClusterPatch, ...]:
    """``operations`` with a scheduled replica count, as KubeFed's RSP plugin writes it.

    Like the plugin (reference 3.4) it replaces the value of the cluster's existing
    replicas override in place, or is appended when there is none, so it always wins.
    """
    pointer = obj.target.replicas_pointer
    # A count kept as a string (an annotation, with the replicas-path extension) stays one.
    value: int | str = replicas
    if isinstance(value_at(obj.template, pointer), str):
        value = str(replicas)
    found = replicas_override(obj, operations)
    if found is None:
        # KubeFed replaces /spec/replicas; another pointer's field may be absent: add sets it.
        op = "replace" if pointer == REPLICAS_PATH else "add"
        return (*operations, ClusterPatch(-1, PatchOp(op, pointer, value), scheduled=True))
    patch = found.patch
    scheduled = ClusterPatch(
        found.entry, PatchOp(patch.op, patch.path, value, patch.doc_path), scheduled=True
    )
    return tuple(scheduled if operation is found else operation for operation in operations)
