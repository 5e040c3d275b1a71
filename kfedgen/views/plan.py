"""``kfedgen plan``: where every federated workload lands, and with how many replicas.

:func:`build_plan` turns a :class:`~kfedgen.pipeline.Compilation` into one
:class:`PlanRow` per (workload, cluster); :func:`format_plan` prints the rows.
Both are pure.  Every placed object, whatever front-end placed it, is one
resolution of the compilation, and :func:`resolution_rows` reads them all; rows
from anything that is not a resolution would be one more entry in
:data:`ROW_SOURCES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.decisions import RETAINED, UNSET, AnyResolution, Preference, ValueSource
from kfedgen.frontends.karmada.plain import PlainObject
from kfedgen.model import FederatedObject
from kfedgen.pipeline import Compilation
from kfedgen.rendered import spec_int

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
        }


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


def _row(
    resolution: AnyResolution, kind: str, cluster: str, manifest: Mapping[str, Any]
) -> PlanRow:
    obj = resolution.obj
    decision = resolution.decisions[cluster]
    field = resolution.replica_field
    # A Pod is one replica and writes none: the scheduler's count is the row's.
    replicas = decision.replicas if field is None else spec_int(manifest, field)
    source = decision.replicas_from.stage if decision.replicas_from is not None else UNSET
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
