"""A Karmada ``Cluster``'s resource summary as node pools for the feasibility checks.

Karmada describes a member's nodes by grade (``spec.resourceModels``: a node is of a grade
when, for every range, ``min <= allocatable < max``) and counts them
(``status.resourceSummary.allocatableModelings``), per Karmada's ``ResourceModel`` and
``AllocatableModeling`` types (``pkg/apis/cluster/v1alpha1/types.go``).  Each grade with
nodes becomes one pool: ``count`` nodes that allocate *less than* each range's ``max``, the
most a node of the grade can have (``max`` less one unit as the scheduler counts), so what
kfedgen reports does not fit whatever the nodes are within their grade.  A range whose
``max`` is Karmada's "no bound" (``math.MaxInt64``) leaves that resource undeclared.

Without models, ``status.resourceSummary.allocatable`` (the total over all nodes) becomes
one pool of one node holding it all: nothing larger can run, and no more can be planned.
Karmada says nothing about node labels and taints, so these pools are not ``described``.

For the schedulers, :func:`karmada_summary` keeps the summary and the models as Karmada's
general estimator reads them (:mod:`kfedgen.karmada.estimator`): there a grade's node
allocates each range's ``min``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.karmada.estimator import ResourceModel, ResourceSummary
from kfedgen.model import Compute, NodePool
from kfedgen.quantity import CPU, parse_quantity, scheduler_units

# Karmada's last grade ends at math.MaxInt64: no bound.
_UNBOUNDED = 2**62


def karmada_compute(
    models: Sequence[Mapping[str, Any]], summary: Mapping[str, Any] | None
) -> Compute | None:
    """The node pools a (schema-valid) resource model and summary describe, or None."""
    summary = summary or {}
    counts = {m["grade"]: m["count"] for m in summary.get("allocatableModelings") or ()}
    pools = tuple(
        NodePool(f"grade-{m['grade']}", counts[m["grade"]], {}, (), _below(m["ranges"]), False)
        for m in sorted(models, key=lambda m: int(m["grade"]))
        if counts.get(m["grade"], 0) > 0
    )
    if not pools and summary.get("allocatable"):
        pools = (NodePool("all-nodes", 1, {}, (), dict(summary["allocatable"]), False),)
    return Compute(node_pools=pools) if pools else None


def _below(ranges: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The most a node of the grade allocates of each resource: its ``max`` less one unit."""
    result = {}
    for item in ranges:
        upper = parse_quantity(item["max"])
        if upper is None:
            continue
        units = max(scheduler_units(item["name"], upper) - 1, 0)
        if units < _UNBOUNDED:
            result[item["name"]] = f"{units}m" if item["name"] == CPU else str(units)
    return result


def karmada_summary(
    models: Sequence[Mapping[str, Any]], summary: Mapping[str, Any] | None
) -> ResourceSummary | None:
    """The (schema-valid) ``status.resourceSummary`` with its models; None when absent."""
    if summary is None:
        return None
    counts: dict[int, int] = {}
    for modeling in summary.get("allocatableModelings") or ():
        # buildModelNodes accumulates the counts of a grade listed twice.
        counts[modeling["grade"]] = counts.get(modeling["grade"], 0) + modeling["count"]
    return ResourceSummary(
        allocatable=summary.get("allocatable"),
        allocated=summary.get("allocated"),
        allocating=summary.get("allocating"),
        models=tuple(
            ResourceModel(m["grade"], {r["name"]: r["min"] for r in m["ranges"]}) for m in models
        ),
        modelings=counts,
    )
