"""``kfedgen plan``'s scheduler capacity: the available replicas Karmada's scheduling read.

One :class:`SchedulerCapacityRow` per (workload, cluster) whose schedule read capacity
(dynamic weights, Aggregated, spread constraints): what the cluster was planned, against
the available replicas placement recorded for it and where they came from
(:mod:`kfedgen.placement.capacity`).  Nothing is recomputed here: the numbers are the ones
the scheduler used, from the resolutions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kfedgen.pipeline import Compilation

# The columns of the text and markdown tables (kfedgen.views.plan formats them).
SCHEDULER_COLUMNS = ("OBJECT", "CLUSTER", "PLANNED", "AVAILABLE", "FROM")


@dataclass(frozen=True)
class SchedulerCapacityRow:
    """One cluster's replicas planned for a workload against its available replicas."""

    object: str
    cluster: str
    planned: int | None  # None: the cluster got none
    available: int | None  # None: nothing declares it
    source: str  # "" when nothing declares it
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """The row in the documented JSON shape."""
        return {
            "object": self.object,
            "cluster": self.cluster,
            "planned": self.planned,
            "available": self.available,
            "source": self.source or None,
            "detail": self.detail,
        }

    def cells(self) -> tuple[str, ...]:
        """The row's cells for the text and markdown tables."""
        available = "-" if self.available is None else str(self.available)
        planned = "-" if self.planned is None else str(self.planned)
        return (self.object, self.cluster, planned, available, self.source or "not declared")


def build_scheduler_capacity(compilation: Compilation) -> list[SchedulerCapacityRow]:
    """Every recorded capacity estimate, sorted by object, then cluster."""
    rows = []
    for resolution in compilation.resolutions:
        propagation = resolution.propagation
        if propagation is None or not propagation.capacity:
            continue
        for cluster, found in propagation.capacity.items():
            decision = resolution.decisions.get(cluster)
            planned = decision.replicas if decision is not None and decision.placed else None
            rows.append(
                SchedulerCapacityRow(
                    resolution.obj.ref, cluster, planned, found.replicas, found.source, found.detail
                )
            )
    return sorted(rows, key=lambda r: (r.object, r.cluster))
