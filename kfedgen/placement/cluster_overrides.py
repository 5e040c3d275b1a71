"""Which KubeFed override operations one cluster's copy of an object gets, in order.

Shared by the replica scheduler (which warns about the ``/spec/replicas`` override it
replaces), materialize (which applies the operations) and ``plan``: it depends only on
the spec model, so none of them has to import another stage for it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kfedgen.jsonpointer import PointerError, encode_token, get, tokens
from kfedgen.model import Cluster, FederatedObject, PatchOp

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


class Operation(NamedTuple):
    """One override operation for a cluster, tagged with the entry it came from."""

    entry: int  # the position in spec.overrides; -1 for the scheduler's own operation
    patch: PatchOp
    scheduled: bool = False  # the value is the scheduler's (in place of the entry's own)


def cluster_operations(
    obj: FederatedObject, cluster: Cluster, replicas: int | None
) -> list[Operation]:
    """The override operations for ``cluster`` in application order, tagged with their entry.

    Entries naming or selecting the cluster apply in list order.  A scheduled
    replica count works like KubeFed's RSP plugin (reference 3.4): it replaces
    the value of the cluster's existing ``/spec/replicas`` override in place,
    or is appended as a ``replace`` when there is none, so it always wins.
    """
    operations = [
        Operation(entry.index, patch)
        for entry in obj.overrides_for(cluster)
        for patch in entry.patches
    ]
    if replicas is None:
        return operations
    pointer = obj.target.replicas_pointer
    # A count kept as a string (an annotation, with the replicas-path extension) stays one.
    value: int | str = replicas
    if isinstance(value_at(obj.template, pointer), str):
        value = str(replicas)
    for position, (index, patch, _) in enumerate(operations):
        if patch.path == pointer and patch.op != "remove":
            scheduled = PatchOp(patch.op, patch.path, value, patch.doc_path)
            operations[position] = Operation(index, scheduled, scheduled=True)
            return operations
    # KubeFed replaces /spec/replicas; another pointer's field may be absent: add sets it.
    op = "replace" if pointer == REPLICAS_PATH else "add"
    operations.append(Operation(-1, PatchOp(op, pointer, value), scheduled=True))
    return operations
