"""``kfedgen plan``'s scheduler capacity: the available replicas Karmada's scheduling read.

One :class:`SchedulerCapacityRow` per (workload, cluster) whose schedule read capacity
(dynamic weights, Aggregated, spread constraints): what the cluster was planned, against
the available replicas placement recorded for it and where they came from
(:mod:`kfedgen.placement.capacity`).  Nothing is recomputed here: the numbers are the ones
the scheduler used, from the resolutions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.pipeline import Compilation

_COLUMNS = ("OBJECT", "CLUSTER", "PLANNED", "AVAILABLE", "FROM")


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


def scheduler_capacity_text(
    rows: Sequence[SchedulerCapacityRow], aligned: Callable[[Sequence[Sequence[str]]], str]
) -> str:
    """The table after the node pool capacity in ``plan``'s text format."""
    if not rows:
        return ""
    return "\n" + aligned([_COLUMNS, *(row.cells() for row in rows)])


def scheduler_capacity_markdown(rows: Sequence[SchedulerCapacityRow]) -> str:
    """The table in ``plan``'s markdown format."""
    if not rows:
        return ""
    lines = ["", "#### Scheduler capacity", ""]
    lines.append("| " + " | ".join(c.capitalize() for c in _COLUMNS) + " |")
    lines.append("| --- | --- | ---: | ---: | --- |")
    for row in rows:
        cells = (c.replace("|", "\\|") for c in row.cells())
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"
