"""Which KubeFed override operations one cluster's copy of an object gets, in order.

Shared by the replica scheduler (which warns about the ``/spec/replicas`` override it
replaces), materialize (which applies the operations) and ``plan``: it depends only on
the spec model, so none of them has to import another stage for it.
"""

from __future__ import annotations

from typing import NamedTuple

from kfedgen.model import Cluster, FederatedObject, PatchOp

REPLICAS_PATH = "/spec/replicas"
# Operations on these JSON pointers decide spec.replicas: the field and its parents.
REPLICAS_POINTERS = frozenset({REPLICAS_PATH, "/spec", ""})


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
    for position, (index, patch, _) in enumerate(operations):
        if patch.path == REPLICAS_PATH and patch.op != "remove":
            scheduled = PatchOp(patch.op, patch.path, replicas, patch.doc_path)
            operations[position] = Operation(index, scheduled, scheduled=True)
            return operations
    operations.append(Operation(-1, PatchOp("replace", REPLICAS_PATH, replicas), scheduled=True))
    return operations
