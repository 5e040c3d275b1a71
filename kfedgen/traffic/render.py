"""The traffic stage's one entry point: :func:`plan_traffic`, called once by the pipeline.

It runs after every rendered object is final, so weights and headroom follow the replica
counts the clusters receive, and returns new objects (nothing is changed in place) plus
what it decided, for ``plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kfedgen.errors import Location, Problems
from kfedgen.model import FleetSpec
from kfedgen.rendered import RenderedObject
from kfedgen.traffic.dns import weigh_dns
from kfedgen.traffic.headroom import headroom
from kfedgen.traffic.mesh import expose
from kfedgen.traffic.report import TrafficEntry
from kfedgen.traffic.workloads import WorkloadIndex, workloads


@dataclass(frozen=True)
class TrafficPlan:
    """The objects with traffic applied, and every weight and headroom it wrote."""

    objects: list[RenderedObject]
    entries: tuple[TrafficEntry, ...]


def plan_traffic(
    spec: FleetSpec, objects: Sequence[RenderedObject], problems: Problems
) -> TrafficPlan:
    """Apply ``spec.traffic`` and the MultiClusterServices to the rendered ``objects``."""
    settings = spec.traffic
    if settings is None and not spec.multicluster_services:
        # Nothing to weigh or reserve: only an opt-in without its setting is reported, and
        # the workloads are not indexed (a large fleet without traffic pays nothing more).
        result, _ = weigh_dns(objects, None, spec, WorkloadIndex(()), problems)
        return TrafficPlan(result, ())
    found = workloads(objects)
    index = WorkloadIndex(found)
    result, dns = weigh_dns(objects, settings.dns if settings else None, spec, index, problems)
    result, splits = expose(result, spec, index, problems)
    location = spec.fleet_doc.location(("spec", "traffic")) if spec.fleet_doc else Location("")
    room, reserved = headroom(
        found, settings.headroom if settings else None, spec.clusters, location
    )
    entries = sorted([*dns, *splits, *reserved], key=TrafficEntry.sort_key)
    return TrafficPlan([*result, *room], tuple(entries))
