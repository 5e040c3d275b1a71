"""``kfedgen plan``: where every federated workload lands, and with how many replicas.

:func:`build_plan` turns a :class:`~kfedgen.pipeline.Compilation` into one
:class:`PlanRow` per (workload, cluster), :func:`build_capacity` into one
:class:`CapacityRow` per resource of each cluster with node pools; :func:`format_plan`
prints them.
Both are pure.  Every placed object, whatever front-end placed it, is one
resolution of the compilation, and :func:`resolution_rows` reads them all; rows
from anything that is not a resolution would be one more entry in
:data:`ROW_SOURCES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.decisions import DEPENDENCY, RETAINED, UNSET, AnyResolution, Preference, ValueSource
from kfedgen.feasibility.capacity import overfull, usage
from kfedgen.feasibility.nodepools import pools_of, workloads
from kfedgen.frontends.karmada.plain import PlainObject
from kfedgen.karmada.scheduler import API_FILTERED
from kfedgen.model import FederatedObject
from kfedgen.pipeline import Compilation
from kfedgen.placement.cluster_overrides import replica_count
from kfedgen.quantity import format_units
from kfedgen.rendered import RenderedObject, spec_int
from kfedgen.views.schedcapacity import SCHEDULER_COLUMNS, SchedulerCapacityRow

PLAN_FORMATS = ("text", "json", "markdown")
JSON_VERSION = 1
# Targets whose spec.replicas is their size.  Any other object is a workload too
# when a rendered copy sets spec.replicas (a CRD with replicas, say).
WORKLOAD_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})


def _preference_dict(preference: Preference) -> dict[str, Any]:
    return {
        "key": preference.key,
        "weight": preference.weight,
        "minReplicas": preference.min_replicas,
        "maxReplicas": preference.max_replicas,
        "default": preference.defaulted,
    }


@dataclass(frozen=True)
class PlanRow:
    """One workload in one cluster (``cluster`` None: the workload is placed nowhere).

    ``replicas`` is what the rendered manifest says (None: it sets none).  ``source``
    says what decided it: ``scheduler``, ``override``, ``template``, ``retained``
    (retainReplicas: the cluster's autoscaler owns it), ``unset`` (Kubernetes
    defaults to 1), ``unplaced``, or ``dependency`` (no count: an object that
    ``propagateDeps`` workloads, ``required_by``, pull into the cluster; ``placed_by`` is
    the dependency's own policy where it, not a workload, puts it there).
    ``preserved``: the object is kept in its clusters when deleted from git.
    """

    object: str
    kind: str
    namespace: str
    name: str
    cluster: str | None
    replicas: int | None
    source: str
    scheduler: str | None = None
    preference: Preference | None = None
    planned: int | None = None
    drained: bool = False
    at_max: bool = False
    retained: bool = False
    required_by: tuple[str, ...] = ()
    placed_by: str | None = None
    preserved: bool = False
    # Who wrote the replica count and where (for ``explain``; None: nothing did).
    origin: ValueSource | None = None

    def sort_key(self) -> tuple[str, str]:
        return (self.object, self.cluster or "")

    def notes(self) -> list[str]:
        """Short remarks for the text and markdown tables."""
        notes = []
        if self.drained:
            notes.append("drained")
        elif self.scheduler and self.preference is None:
            notes.append("no preference")
        if self.at_max:
            notes.append("at max")
        if self.retained:
            planned = "" if self.planned is None else f" (scheduler planned {self.planned})"
            notes.append(f"retainReplicas{planned}")
        if self.source == "unset":
            notes.append("Kubernetes default 1")
        if self.source == "unplaced":
            notes.append("placed in no cluster")
        if self.source == UNSERVED:
            notes.append("API not served: filtered out")
        if self.required_by:
            notes.append(f"required by {', '.join(self.required_by)}")
        elif self.placed_by:
            notes.append(f"placed by {self.placed_by}")
        if self.preserved:
            notes.append("preserved on deletion")
        return notes

    def as_dict(self) -> dict[str, Any]:
        """The row in the documented JSON shape (keys in a fixed order)."""
        return {
            "object": self.object,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "cluster": self.cluster,
            "replicas": self.replicas,
            "source": self.source,
            "scheduler": self.scheduler,
            "preference": _preference_dict(self.preference) if self.preference else None,
            "planned": self.planned,
            "drained": self.drained,
            "atMax": self.at_max,
            "retained": self.retained,
            "requiredBy": list(self.required_by),
            "placedBy": self.placed_by,
            "preserved": self.preserved,
        }


# The ``source`` of a row for a cluster that does not serve the object's API.
UNSERVED = "unserved"

RowSource = Callable[[Compilation], Iterable[PlanRow]]


def resolution_rows(compilation: Compilation) -> Iterator[PlanRow]:
    """Rows for every placed object that has replicas, whatever front-end placed it.

    Every value comes from the stage that decided it: the replicas from the rendered
    manifest, what decided them (``source``) and the scheduler's preference from the
    object's cluster decision.
    """
    manifests = {(o.origin, o.cluster): o.manifest for o in compilation.objects}
    for resolution in compilation.resolutions:
        yield from workload_rows(resolution, manifests)
        yield from dependency_rows(resolution, manifests)


def workload_rows(
    resolution: AnyResolution, manifests: Mapping[tuple[str, str], Mapping[str, Any]]
) -> Iterator[PlanRow]:
    """The rows of one placed object (none when it is not a workload).

    ``manifests`` maps (origin, cluster) to the rendered manifest.
    """
    obj = resolution.obj
    rendered = {
        c: manifests[(obj.ref, c)] for c in resolution.clusters if (obj.ref, c) in manifests
    }
    if isinstance(obj, FederatedObject):
        if not _is_workload(obj, resolution, rendered.values()):
            return
        kind = obj.target.kind
    elif isinstance(obj, PlainObject) and resolution.propagation is not None:
        if resolution.propagation.workload is None and all(
            spec_int(m, "replicas") is None for m in rendered.values()
        ):
            return
        kind = obj.kind
    else:
        return
    if not rendered:
        yield PlanRow(obj.ref, kind, obj.namespace, obj.name, None, None, "unplaced")
    for cluster, manifest in rendered.items():
        yield _row(resolution, kind, cluster, manifest)
    # A cluster Karmada's APIEnablement filter dropped: the reason the replicas went elsewhere.
    for cluster, decision in resolution.decisions.items():
        if any(reason.startswith(API_FILTERED) for reason in decision.reasons):
            yield PlanRow(obj.ref, kind, obj.namespace, obj.name, cluster, None, UNSERVED)


def dependency_rows(
    resolution: AnyResolution, manifests: Mapping[tuple[str, str], Mapping[str, Any]]
) -> Iterator[PlanRow]:
    """A dependency that is no workload, in each cluster it is rendered to.

    That is where its workloads pull it, and also where a policy of its own places it
    (Karmada merges both, ``binding/common.go`` ``mergeTargetClusters``): a cluster no
    workload requires it in names that policy instead.  (A workload that is also a
    dependency has its workload rows, which say so.)
    """
    obj, propagation = resolution.obj, resolution.propagation
    if propagation is None or not propagation.required_by or propagation.workload is not None:
        return
    rendered = {
        c: manifests[(obj.ref, c)] for c in resolution.clusters if (obj.ref, c) in manifests
    }
    if any(spec_int(m, "replicas") is not None for m in rendered.values()):
        return  # rendered with replicas: a workload, with rows of its own
    preserved = propagation.preserved
    own = propagation.policy.ref if propagation.policy is not None else None
    for cluster in rendered:
        required_by = propagation.required_by.get(cluster, ())
        yield PlanRow(
            obj.ref,
            obj.kind,
            obj.namespace,
            obj.name,
            cluster,
            None,
            DEPENDENCY,
            required_by=required_by,
            placed_by=None if required_by else own,
            preserved=preserved,
        )


def _row(
    resolution: AnyResolution, kind: str, cluster: str, manifest: Mapping[str, Any]
) -> PlanRow:
    obj = resolution.obj
    decision = resolution.decisions[cluster]
    field = resolution.replica_field
    # A Pod is one replica and writes none: the scheduler's count is the row's.
    replicas = decision.replicas if field is None else spec_int(manifest, field)
    if isinstance(obj, FederatedObject) and obj.target.replicas_path:
        replicas = replica_count(manifest, obj)  # the replicas-path extension's field
    source = decision.replicas_from.stage if decision.replicas_from is not None else UNSET
    propagation = resolution.propagation
    return PlanRow(
        obj.ref,
        kind,
        obj.namespace,
        obj.name,
        cluster,
        replicas,
        source,
        scheduler=resolution.scheduled_by or None,
        preference=decision.preference,
        planned=decision.replicas,
        drained=decision.drained,
        at_max=decision.at_max,
        retained=source == RETAINED and decision.replicas is not None,
        required_by=propagation.required_by.get(cluster, ()) if propagation else (),
        preserved=propagation is not None and propagation.preserved,
        origin=decision.replicas_from,
    )


ROW_SOURCES: tuple[RowSource, ...] = (resolution_rows,)


def build_plan(compilation: Compilation) -> list[PlanRow]:
    """Every workload row of every source, sorted by object, then cluster."""
    rows = [row for source in ROW_SOURCES for row in source(compilation)]
    return sorted(rows, key=PlanRow.sort_key)


def _is_workload(
    obj: FederatedObject, resolution: AnyResolution, manifests: Iterable[Mapping[str, Any]]
) -> bool:
    return (
        obj.target.kind in WORKLOAD_KINDS
        or bool(resolution.scheduled_by)
        or obj.retain_replicas
        or any(spec_int(m, "replicas") is not None for m in manifests)
    )


@dataclass(frozen=True)
class CapacityRow:
    """One resource of one cluster's node pools: what the planned pods request, what is there.

    ``requested`` counts the pods that some pool takes (DaemonSets once per node), as the
    ``node-pools`` feasibility check does; ``declared`` is nodes x ``allocatable`` over
    every pool, None when some pool does not declare the resource.  ``short_on`` lists the
    sets of pools the check finds short of the resource (the pods that can run only there
    request more than they have), which a cluster's total can hide.
    """

    cluster: str
    resource: str
    requested: str
    declared: str | None
    short_on: tuple[tuple[str, ...], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The row in the documented JSON shape."""
        return {
            "cluster": self.cluster,
            "resource": self.resource,
            "requested": self.requested,
            "declared": self.declared,
            "shortOn": [list(pools) for pools in self.short_on],
        }


def build_capacity(compilation: Compilation) -> list[CapacityRow]:
    """Requested against declared, per resource, for each cluster that declares node pools."""
    by_cluster: dict[str, list[RenderedObject]] = {}
    for obj in compilation.objects:
        by_cluster.setdefault(obj.cluster, []).append(obj)
    rows = []
    for name, cluster in sorted(compilation.spec.clusters.items()):
        pools = pools_of(cluster)
        if not pools:
            continue
        placed = workloads(cluster, by_cluster.get(name, []))
        short: dict[str, list[tuple[str, ...]]] = {}
        for full in overfull(pools, placed):
            for used in full.usages:
                short.setdefault(used.resource, []).append(tuple(p.name for p in full.pools))
        for used in usage(pools, placed):
            declared = used.declared
            rows.append(
                CapacityRow(
                    name,
                    used.resource,
                    format_units(used.resource, used.requested),
                    None if declared is None else format_units(used.resource, declared),
                    tuple(short.get(used.resource, ())),
                )
            )
    return rows


# --------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------

_COLUMNS = ("OBJECT", "CLUSTER", "REPLICAS", "SOURCE", "PREFERENCE", "NOTES")


def format_plan(
    rows: list[PlanRow],
    output_format: str,
    capacity: Sequence[CapacityRow] = (),
    scheduler: Sequence[SchedulerCapacityRow] = (),
) -> str:
    """Render the rows as ``text`` (aligned tables), ``json`` or ``markdown``.

    The capacity table follows the replica table when some cluster declares node pools,
    then the scheduler capacity table when some schedule read available replicas.
    """
    if output_format == "json":
        document = {
            "version": JSON_VERSION,
            "rows": [row.as_dict() for row in rows],
            "capacity": [row.as_dict() for row in capacity],
            "schedulerCapacity": [row.as_dict() for row in scheduler],
        }
        return json.dumps(document, indent=2) + "\n"
    if output_format == "markdown":
        return _markdown(rows) + _capacity_markdown(capacity) + _scheduler_markdown(scheduler)
    return _text(rows) + _capacity_text(capacity) + _scheduler_text(scheduler)


def _cells(row: PlanRow) -> tuple[str, ...]:
    preference = row.preference.text if row.preference else ("-" if row.scheduler else "")
    return (
        row.object,
        row.cluster or "-",
        "-" if row.replicas is None else str(row.replicas),
        row.source,
        preference,
        ", ".join(row.notes()),
    )


def _text(rows: list[PlanRow]) -> str:
    if not rows:
        return "no federated workloads\n"
    return _aligned([_COLUMNS, *(_cells(row) for row in rows)])


def _aligned(table: Sequence[Sequence[str]]) -> str:
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in table
    )


_CAPACITY_COLUMNS = ("CLUSTER", "RESOURCE", "REQUESTED", "DECLARED", "NOTES")


def _capacity_cells(row: CapacityRow) -> tuple[str, ...]:
    notes = [f"short on {'+'.join(pools)}" for pools in row.short_on]
    if row.declared is None:
        notes.append("not declared by every pool")
    return (row.cluster, row.resource, row.requested, row.declared or "-", ", ".join(notes))


def _capacity_text(capacity: Sequence[CapacityRow]) -> str:
    if not capacity:
        return ""
    return "\n" + _aligned([_CAPACITY_COLUMNS, *(_capacity_cells(row) for row in capacity)])


def _capacity_markdown(capacity: Sequence[CapacityRow]) -> str:
    cells = [_capacity_cells(row) for row in capacity]
    return _table_markdown(
        "Node pool capacity", _CAPACITY_COLUMNS, "| --- | --- | ---: | ---: | --- |", cells
    )


def _table_markdown(
    title: str, columns: Sequence[str], alignment: str, cells: Sequence[Sequence[str]]
) -> str:
    """A titled markdown table after the plan's (nothing when there are no rows)."""
    if not cells:
        return ""
    lines = ["", f"#### {title}", ""]
    lines.append("| " + " | ".join(c.capitalize() for c in columns) + " |")
    lines.append(alignment)
    lines.extend(f"| {' | '.join(_md(c) for c in row)} |" for row in cells)
    return "\n".join(lines) + "\n"


def _scheduler_text(rows: Sequence[SchedulerCapacityRow]) -> str:
    if not rows:
        return ""
    return "\n" + _aligned([SCHEDULER_COLUMNS, *(row.cells() for row in rows)])


def _scheduler_markdown(rows: Sequence[SchedulerCapacityRow]) -> str:
    cells = [row.cells() for row in rows]
    alignment = "| --- | --- | ---: | ---: | --- |"
    return _table_markdown("Scheduler capacity", SCHEDULER_COLUMNS, alignment, cells)


def _markdown(rows: list[PlanRow]) -> str:
    lines = ["### kfedgen plan", ""]
    if not rows:
        return "\n".join([*lines, "No federated workloads.", ""])
    lines.append("| " + " | ".join(c.capitalize() for c in _COLUMNS) + " |")
    lines.append("| --- | --- | ---: | --- | --- | --- |")
    for row in rows:
        obj, cluster, replicas, source, preference, notes = (_md(c) for c in _cells(row))
        obj = f"`{obj}`"
        preference = f"`{preference}`" if row.preference else preference
        lines.append(f"| {' | '.join((obj, cluster, replicas, source, preference, notes))} |")
    return "\n".join(lines) + "\n"


def _md(cell: str) -> str:
    return cell.replace("|", "\\|")
