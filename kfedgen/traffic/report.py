"""What the traffic stage decided, per cluster, for ``plan`` (a view only reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# What an entry is: a DNS record's weight, a split backend's weight, headroom replicas.
EntryKind = Literal["dns", "split", "headroom"]


@dataclass(frozen=True)
class TrafficEntry:
    """One value the traffic stage wrote into one cluster.

    ``object`` names what carries it (``Service/shop/nginx``, or the workload a headroom
    placeholder is sized like); ``target`` says where the value points: the DNS hostname,
    the split's backend Service, or the placeholder Deployment.
    """

    kind: EntryKind
    object: str
    cluster: str
    target: str
    value: int
    basis: int  # the replicas the value is proportional to (headroom: the workload's)

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.object, self.cluster, self.target)

    def as_dict(self) -> dict[str, Any]:
        """The entry in the documented JSON shape (keys in a fixed order)."""
        return {
            "kind": self.kind,
            "object": self.object,
            "cluster": self.cluster,
            "target": self.target,
            "value": self.value,
            "replicas": self.basis,
        }
