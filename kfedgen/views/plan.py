"""``kfedgen plan``: where every federated workload lands, and with how many replicas.

:func:`build_plan` turns a :class:`~kfedgen.pipeline.Compilation` into one
:class:`PlanRow` per (workload, cluster); :func:`format_plan` prints the rows.
Both are pure.  Every placed object, whatever front-end placed it, is one
resolution of the compilation, and :func:`resolution_rows` reads them all; rows
from anything that is not a resolution would be one more entry in
:data:`ROW_SOURCES`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.decisions import AnyResolution, Propagation
from kfedgen.frontends.karmada.plain import PlainObject
from kfedgen.model import FederatedObject, ReplicaSchedulingPreference
from kfedgen.pipeline import Compilation
from kfedgen.placement.cluster_overrides import REPLICAS_PATH, cluster_operations
from kfedgen.placement.rsp import cluster_schedule

PLAN_FORMATS = ("text", "json", "markdown")
JSON_VERSION = 1
# Targets whose spec.replicas is their size.  Any other object is a workload too
# when a rendered copy sets spec.replicas (a CRD with replicas, say).
WORKLOAD_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})
# Overrides of these paths decide spec.replicas (JSON pointers: the field and its parents).
_REPLICAS_POINTERS = frozenset({REPLICAS_PATH, "/spec", ""})


@dataclass(frozen=True)
class Preference:
    """The scheduling preference that produced a cluster's replicas.

    ``key`` is the entry that applied (a cluster name, ``"*"``...); ``text`` is how
    the scheduler describes it to people.
    """

    key: str
    weight: int | None
    min_replicas: int | None
    max_replicas: int | None
    text: str
    defaulted: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "weight": self.weight,
            "minReplicas": self.min_replicas,
            "maxReplicas": self.max_replicas,
            "default": self.defaulted,
        }


@dataclass(frozen=True)
class PlanRow:
    """One workload in one cluster (``cluster`` None: the workload is placed nowhere).

    ``replicas`` is what the rendered manifest says (None: it sets none).  ``source``
    says what decided it: ``scheduler``, ``override``, ``template``, ``retained``
    (retainReplicas: the cluster's autoscaler owns it), ``unset`` (Kubernetes
    defaults to 1) or ``unplaced``.
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
            "preference": self.preference.as_dict() if self.preference else None,
            "planned": self.planned,
            "drained": self.drained,
            "atMax": self.at_max,
            "retained": self.retained,
        }


RowSource = Callable[[Compilation], Iterable[PlanRow]]


def resolution_rows(compilation: Compilation) -> Iterator[PlanRow]:
    """Rows for every placed object that has replicas, whatever front-end placed it.

    Only the per-cluster row differs between front-ends: KubeFed's says which preference
    of a ReplicaSchedulingPreference applied, Karmada's which division weight.
    """
    manifests = {(o.origin, o.cluster): o.manifest for o in compilation.objects}
    preferences = {rsp.target_ref: rsp for rsp in compilation.spec.preferences}
    for resolution in compilation.resolutions:
        obj = resolution.obj
        rendered = {
            c: manifests[(obj.ref, c)] for c in resolution.clusters if (obj.ref, c) in manifests
        }
        row: Callable[[str, Mapping[str, Any]], PlanRow]
        if isinstance(obj, FederatedObject):
            if not _is_workload(obj, resolution, rendered.values()):
                continue
            kind = obj.target.kind
            rsp = preferences.get(obj.ref) if resolution.scheduled_by else None
            row = functools.partial(_kubefed_row, compilation, resolution, obj, rsp)
        elif isinstance(obj, PlainObject) and resolution.propagation is not None:
            propagation = resolution.propagation
            if propagation.workload is None and all(
                _replicas(m) is None for m in rendered.values()
            ):
                continue
            kind = obj.kind
            row = functools.partial(_karmada_row, resolution, obj, propagation)
        else:
            continue
        if not rendered:
            yield PlanRow(obj.ref, kind, obj.namespace, obj.name, None, None, "unplaced")
        for cluster, manifest in rendered.items():
            yield row(cluster, manifest)


def _karmada_row(
    resolution: AnyResolution,
    obj: PlainObject,
    propagation: Propagation,
    cluster: str,
    manifest: Mapping[str, Any],
) -> PlanRow:
    planned = resolution.decisions[cluster].replicas
    field = propagation.workload.field if propagation.workload is not None else "replicas"
    if field is None:  # a Pod: one replica, nothing to write
        replicas, source = planned, "scheduler"
    else:
        replicas = _spec_int(manifest, field)
        revised = propagation.revisions.get(cluster, {}).get(field)
        if revised is not None:
            source = "scheduler" if replicas == revised else "override"
        elif replicas is None:
            source = "unset"
        else:
            source = "template" if replicas == _spec_int(obj.manifest, field) else "override"
    preference = None
    if cluster in resolution.schedule_notes:
        preference = Preference(
            key=cluster,
            weight=propagation.weights.get(cluster),
            min_replicas=None,
            max_replicas=None,
            text=f"{cluster}: {resolution.schedule_notes[cluster]}",
        )
    return PlanRow(
        obj.ref,
        obj.kind,
        obj.namespace,
        obj.name,
        cluster,
        replicas,
        source,
        scheduler=resolution.scheduled_by or None,
        preference=preference,
        planned=planned,
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
        or any(_replicas(m) is not None for m in manifests)
    )


def _replicas(manifest: Mapping[str, Any]) -> int | None:
    return _spec_int(manifest, "replicas")


def _spec_int(manifest: Mapping[str, Any], field: str) -> int | None:
    spec = manifest.get("spec")
    value = spec.get(field) if isinstance(spec, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _kubefed_row(
    compilation: Compilation,
    resolution: AnyResolution,
    obj: FederatedObject,
    rsp: ReplicaSchedulingPreference | None,
    cluster: str,
    manifest: Mapping[str, Any],
) -> PlanRow:
    replicas = _replicas(manifest)
    planned = resolution.decisions[cluster].replicas
    retained = obj.retain_replicas and replicas is None
    source = _source(compilation, obj, cluster, planned is not None and replicas == planned)
    row = PlanRow(
        obj.ref,
        obj.target.kind,
        obj.namespace,
        obj.name,
        cluster,
        replicas,
        "retained" if retained else source,
    )
    if rsp is None or planned is None:
        return row
    schedule = cluster_schedule(rsp, compilation.spec.clusters[cluster], planned)
    preference = None
    if schedule.preference is not None and schedule.key is not None:
        preference = Preference(
            key=schedule.key,
            weight=schedule.preference.weight,
            min_replicas=schedule.preference.min_replicas,
            max_replicas=schedule.preference.max_replicas,
            text=schedule.describe_preference(),
            defaulted=schedule.defaulted,
        )
    return dataclasses.replace(
        row,
        scheduler=resolution.scheduled_by,
        preference=preference,
        planned=planned,
        drained=schedule.drained,
        at_max=schedule.at_max,
        retained=retained,
    )


def _source(compilation: Compilation, obj: FederatedObject, cluster: str, scheduled: bool) -> str:
    # A later override of /spec can still replace the scheduler's value (KubeFed keeps
    # the scheduler's value at the position of the user's /spec/replicas override).
    if scheduled:
        return "scheduler"
    operations = cluster_operations(obj, compilation.spec.clusters[cluster], None)
    if any(operation.path in _REPLICAS_POINTERS for _, operation in operations):
        return "override"
    if _replicas(obj.template) is not None:
        return "template"
    return "unset"


# --------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------

_COLUMNS = ("OBJECT", "CLUSTER", "REPLICAS", "SOURCE", "PREFERENCE", "NOTES")


def format_plan(rows: list[PlanRow], output_format: str) -> str:
    """Render the rows as ``text`` (an aligned table), ``json`` or ``markdown``."""
    if output_format == "json":
        document = {"version": JSON_VERSION, "rows": [row.as_dict() for row in rows]}
        return json.dumps(document, indent=2) + "\n"
    if output_format == "markdown":
        return _markdown(rows)
    return _text(rows)


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
    table = [_COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in table
    )


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
