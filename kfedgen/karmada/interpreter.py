"""The replicas Karmada's default resource interpreter reads (``GetReplicas``).

Source: karmada-io/karmada ``pkg/resourceinterpreter/default/native``.  ``replica.go``
(``getAllDefaultReplicaInterpreter``: ``deployReplica``, ``replicaSetReplica``,
``statefulSetReplica``, ``jobReplica``, ``podReplica``): Deployments, ReplicaSets (since v1.16)
and StatefulSets have ``spec.replicas``, Jobs ``spec.parallelism`` (bounded by their
completions), a Pod is one replica; every other kind is not a workload.  ``revisereplica.go``
(``getAllDefaultReviseReplicaInterpreter``) writes the divided count back to ``spec.replicas``
for the first three and ``spec.parallelism`` for Jobs; it has no entry for Pods.

Karmada reads objects the API server has already defaulted; a manifest in git is not
defaulted yet, so kfedgen applies those defaults first (what the interpreter then reads).
Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath
from kfedgen.karmada.scripts import Script

# The kinds the default interpreter knows replicas of (replica.go
# getAllDefaultReplicaInterpreter), and the field its ReviseReplica writes them to
# (revisereplica.go getAllDefaultReviseReplicaInterpreter; Pods always count one replica and
# have no revise interpreter).
WORKLOADS: dict[tuple[str, str], str | None] = {
    ("apps/v1", "Deployment"): "replicas",
    ("apps/v1", "ReplicaSet"): "replicas",
    ("apps/v1", "StatefulSet"): "replicas",
    ("batch/v1", "Job"): "parallelism",
    ("v1", "Pod"): None,
}
_INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Workload:
    """What the scheduler divides: the replicas of a workload and where they are written."""

    replicas: int
    field: str | None
    completions: int | None = None  # a Job's spec.completions, when the manifest sets it
    # Read by a customization's GetReplicas script (see kfedgen.karmada.chain): who read
    # it, the per-replica requirements it returned, and the ReviseReplica script that
    # writes a cluster's share (None: nothing can write it).
    interpreted_by: Script | None = None
    requirements: Mapping[str, Any] | None = None
    reviser: Script | None = None


@dataclass(frozen=True)
class UnreadableReplicas(Exception):
    """A replica field Karmada's interpreter could not convert."""

    path: DocPath
    message: str


def read_workload(api_version: str, kind: str, manifest: Mapping[str, Any]) -> Workload | None:
    """The object's replicas as Karmada's interpreter reads them; None for non-workloads.

    Values the API server would default are defaulted (Deployment, ReplicaSet and StatefulSet
    replicas 1; Job parallelism 1, completions 1 when neither is set).  Raises
    :class:`UnreadableReplicas` for a value that is not an int32.
    """
    key = (api_version, kind)
    if key not in WORKLOADS:
        return None
    target = WORKLOADS[key]
    if target is None:
        return Workload(1, None)  # a Pod is one replica
    spec = manifest.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    values = {}
    for name in (target, "completions") if target == "parallelism" else (target,):
        value = spec.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _INT32_MAX
        ):
            raise UnreadableReplicas(
                ("spec", name), f"spec.{name} must be a non-negative integer (int32)"
            )
        values[name] = value
    if target == "replicas":
        replicas = values["replicas"]
        return Workload(1 if replicas is None else replicas, "replicas")
    parallelism, completions = values["parallelism"], values["completions"]
    replicas = 1 if parallelism is None else parallelism
    bound = completions if completions is not None else (1 if parallelism is None else replicas)
    # jobReplica: for a Job with fixed completions, pods beyond the completions never run
    # (completions defaults to parallelism there, ptr.Deref(job.Spec.Completions, replica)).
    return Workload(min(replicas, bound), "parallelism", completions)
