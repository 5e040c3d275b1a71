"""Which KubeFed override operations one cluster's copy of an object gets, in order.

Placement decides the list once per cluster (:func:`cluster_operations`) and the replica
scheduler puts its count in it (:func:`with_scheduled_replicas`); both record the result on
the cluster's :class:`~kfedgen.decisions.ClusterDecision`, which materialize applies as-is.
"""

from __future__ import annotations

from kfedgen.decisions import ClusterPatch
from kfedgen.model import Cluster, FederatedObject
from kfedgen.patch import PatchOp

REPLICAS_PATH = "/spec/replicas"
# Operations on these JSON pointers decide spec.replicas: the field and its parents.
REPLICAS_POINTERS = frozenset({REPLICAS_PATH, "/spec", ""})


def cluster_operations(obj: FederatedObject, cluster: Cluster) -> tuple[ClusterPatch, ...]:
    """The override operations for ``cluster`` in application order, tagged with their entry.

    Entries naming or selecting the cluster apply in list order.
    """
    return tuple(
        ClusterPatch(entry.index, patch)
        for entry in obj.overrides_for(cluster)
        for patch in entry.patches
    )


def replicas_override(operations: tuple[ClusterPatch, ...]) -> ClusterPatch | None:
    """The user's ``/spec/replicas`` override among ``operations`` (the first), if any."""
    for operation in operations:
        if operation.patch.path == REPLICAS_PATH and operation.patch.op != "remove":
            return operation
    return None


def with_scheduled_replicas(
    operations: tuple[ClusterPatch, ...], replicas: int
) -> tuple[ClusterPatch, ...]:
    """``operations`` with a scheduled replica count, as KubeFed's RSP plugin writes it.

    Like the plugin (reference 3.4) it replaces the value of the cluster's existing
    ``/spec/replicas`` override in place, or is appended as a ``replace`` when there is
    none, so it always wins.
    """
    found = replicas_override(operations)
    if found is None:
        added = PatchOp("replace", REPLICAS_PATH, replicas)
        return (*operations, ClusterPatch(-1, added, scheduled=True))
    patch = found.patch
    scheduled = ClusterPatch(
        found.entry, PatchOp(patch.op, patch.path, replicas, patch.doc_path), scheduled=True
    )
    return tuple(scheduled if operation is found else operation for operation in operations)
