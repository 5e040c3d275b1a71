"""``kfedgen explain``: why an object is, or is not, in each cluster."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kfedgen.backend.emit import object_file
from kfedgen.decisions import RETAINED, SCHEDULER, UNSET, AnyResolution, CapacityEstimate
from kfedgen.errors import KfedgenError, Location, did_you_mean
from kfedgen.feasibility.checks import Verdict, runs_any, verdicts
from kfedgen.frontends.references import unknown_cluster_line
from kfedgen.model import FederatedObject
from kfedgen.pipeline import Compilation, InfeasibleFleet, Options, compile_fleet
from kfedgen.placement.karmada_groups import group_lines
from kfedgen.rendered import RenderedObject
from kfedgen.report import Reporter
from kfedgen.traffic.report import TrafficEntry
from kfedgen.views.plan import PlanRow, workload_rows


@dataclass(frozen=True)
class ClusterExplanation:
    """One cluster's decision about the object: placed or not, where, and why."""

    name: str
    placed: bool
    file: str | None  # the rendered file, when the object is placed there
    reasons: Sequence[str]
    replicas: PlanRow | None = None  # the rendered replica count and who wrote it
    # What the feasibility checks say about the rendered object there (none when not placed).
    feasibility: Sequence[Verdict] = ()
    shown: bool = False  # whether the text shows them: the inventory entry runs some check
    # What the traffic stage wrote for the object there (DNS and split weights, headroom).
    traffic: Sequence[TrafficEntry] = ()
    # The available replicas the scheduler read for the cluster, and where they came from.
    capacity: CapacityEstimate | None = None


@dataclass(frozen=True)
class Explanation:
    """The decisions about one object, in the order they were made."""

    ref: str
    location: Location
    scheduled_by: str
    clusters: Sequence[ClusterExplanation]
    # A dependency: cluster -> the workloads whose propagateDeps pull it there.
    required_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Why the object is kept in its clusters when deleted from git ("": it is not).
    preserved_by: str = ""
    # A propagateDeps workload: the objects it takes along.
    dependencies: tuple[str, ...] = ()
    # A member of workload affinity groups: each group, and who was scheduled before it.
    workload_groups: tuple[str, ...] = ()


# A fleet whose only errors are feasibility findings is explained, then fails as invalid.
EXIT_INVALID = 2


def run_explain(options: Options, report: Reporter, reference: str, cluster: str | None) -> int:
    """Compile the fleet and print the decisions about one object on stdout.

    A fleet whose only errors are feasibility findings (an API the cluster does not
    serve; any finding under ``--strict``) is explained too, the checks saying which
    failed where, and exits with 2: its errors are reported as for any invalid fleet.
    """
    infeasible: InfeasibleFleet | None = None
    try:
        compilation = compile_fleet(options, Path.cwd())
    except InfeasibleFleet as exc:
        infeasible, compilation = exc, exc.compilation
    report.report(compilation.problems.sorted())
    resolution = find_resolution(compilation.resolutions, reference)
    if cluster is not None and cluster not in compilation.spec.clusters:
        raise KfedgenError(unknown_cluster_line(cluster, compilation.spec.clusters))
    explanation = explain(compilation, resolution, cluster, options.output.as_posix())
    if not report.json:
        sys.stdout.write("".join(line + "\n" for line in explain_lines(explanation)))
    if infeasible is None:
        return report.finish(0, explain_document(explanation))
    if report.style != "github":
        sys.stdout.flush()  # the explanation, then the line that ends the problems
        sys.stderr.write(f"kfedgen: {infeasible}; nothing was written\n")
    return report.finish(EXIT_INVALID, explain_document(explanation), str(infeasible))


def find_resolution(resolutions: Sequence[AnyResolution], reference: str) -> AnyResolution:
    """The object named ``KIND/NAMESPACE/NAME`` (``KIND/NAME`` when cluster-scoped).

    KIND is the object's own kind (a federated kind such as ``FederatedDeployment``, or the
    kind of a plain object Karmada propagates) or, when only one federated kind produces
    it, the target kind (``Deployment``); case does not matter.  The exact name wins, then
    an object's own kind over a federated type's target kind.
    """
    kind, _, key = reference.partition("/")
    if not kind or not key or key.count("/") > 1 or "" in key.split("/"):
        raise KfedgenError(
            f"{reference!r} is not KIND/NAMESPACE/NAME (or KIND/NAME for a cluster-scoped object)"
        )
    wanted = kind.lower()
    matches = [r for r in resolutions if r.obj.key == key and wanted in _kinds(r)]
    exact = [r for r in matches if r.obj.ref == reference]
    own = [r for r in matches if r.obj.kind.lower() == wanted]
    for group in (exact, own, matches):
        if len(group) == 1:
            return group[0]
    if matches:
        refs = ", ".join(sorted(r.obj.ref for r in matches))
        raise KfedgenError(
            f"{reference!r} is ambiguous: it could be {refs}; name the federated kind"
        )
    candidates = [r.obj.ref for r in resolutions]
    candidates += [f"{obj.target.kind}/{obj.key}" for obj in _federated(resolutions)]
    hint = did_you_mean(reference, candidates)
    raise KfedgenError(f"no federated object {reference!r}" + (f" ({hint})" if hint else ""))


def _kinds(resolution: AnyResolution) -> tuple[str, ...]:
    """The kinds an object answers to, lower-case: its own, and a federated type's target."""
    obj = resolution.obj
    if isinstance(obj, FederatedObject):
        return (obj.kind.lower(), obj.target.kind.lower())
    return (obj.kind.lower(),)


def _federated(resolutions: Sequence[AnyResolution]) -> list[FederatedObject]:
    return [r.obj for r in resolutions if isinstance(r.obj, FederatedObject)]


def explain(
    compilation: Compilation,
    resolution: AnyResolution,
    cluster: str | None,
    output: str,
) -> Explanation:
    """The decisions about ``resolution``'s object in each cluster (or only ``cluster``)."""
    obj = resolution.obj
    mine = [o for o in compilation.objects if o.origin == obj.ref]
    rendered: dict[str, RenderedObject] = {}
    for o in mine:
        rendered.setdefault(o.cluster, o)
    rows = {
        row.cluster: row
        for row in workload_rows(resolution, {(o.origin, o.cluster): o.manifest for o in mine})
    }
    names = [cluster] if cluster is not None else sorted(resolution.decisions)
    # One pass over the compilation, whatever the number of clusters explained.
    by_cluster: dict[str, list[RenderedObject]] = {}
    for o in compilation.objects:
        by_cluster.setdefault(o.cluster, []).append(o)
    traffic: dict[tuple[str, str], list[TrafficEntry]] = {}
    for e in compilation.traffic:
        traffic.setdefault((e.cluster, e.object), []).append(e)
    clusters = []
    for name in names:
        decision = resolution.decisions[name]
        there = rendered.get(name) if decision.placed else None
        file = f"{output}/{object_file(there)}" if there is not None else None
        found: tuple[Verdict, ...] = ()
        wrote: tuple[TrafficEntry, ...] = ()
        shown = False
        if there is not None:
            wrote = tuple(traffic.get((name, f"{there.kind}/{there.namespace}/{there.name}"), ()))
            inventory = compilation.spec.clusters.get(name)
            if inventory is not None:
                found = tuple(verdicts(inventory, by_cluster[name], there))
                shown = runs_any(inventory)
        clusters.append(
            ClusterExplanation(
                name,
                decision.placed,
                file,
                tuple(decision.reasons),
                rows.get(name),
                feasibility=found,
                shown=shown,
                traffic=wrote,
            )
        )
    propagation = resolution.propagation
    required = propagation.required_by if propagation is not None else {}
    capacity = propagation.capacity if propagation is not None else {}
    clusters = [replace(c, capacity=capacity.get(c.name)) for c in clusters]
    if cluster is not None:
        required = {c: refs for c, refs in required.items() if c == cluster}
    return Explanation(
        obj.ref,
        obj.location(),
        resolution.scheduled_by,
        tuple(clusters),
        required,
        _preserved_by(resolution),
        propagation.dependencies if propagation is not None else (),
        tuple(group_lines(resolution, compilation.resolutions)),
    )


def _preserved_by(resolution: AnyResolution) -> str:
    """Who keeps the object on deletion: its policy, or the workloads that require it."""
    propagation = resolution.propagation
    if propagation is None or not propagation.preserved:
        return ""
    if propagation.policy is not None:
        return f"preserveResourcesOnDeletion of {propagation.policy.ref}"
    return "a workload requiring it whose policy sets preserveResourcesOnDeletion"


def traffic_line(entry: TrafficEntry) -> str:
    """One value the traffic stage wrote, and the replicas it follows."""
    if entry.kind == "dns":
        return f"DNS weight {entry.value} for {entry.target} (from {entry.basis} replicas here)"
    if entry.kind == "split":
        behind = f"the {entry.basis} replicas behind it"
        return f"split weight {entry.value} to {entry.target} (from {behind})"
    replicas = "replica" if entry.value == 1 else "replicas"
    return f"headroom {entry.target} with {entry.value} {replicas} (for {entry.basis} here)"


def explain_lines(explanation: Explanation) -> list[str]:
    """The object's header, then each cluster with its reasons in order."""
    lines = [f"{explanation.ref} ({explanation.location})"]
    if explanation.scheduled_by:
        lines.append(f"replicas scheduled by {explanation.scheduled_by}")
    workloads = sorted({ref for refs in explanation.required_by.values() for ref in refs})
    if workloads:
        lines.append(f"dependency (propagateDeps) of {', '.join(workloads)}")
    if explanation.dependencies:
        lines.append(f"takes along (propagateDeps): {', '.join(explanation.dependencies)}")
    lines.extend(explanation.workload_groups)
    if explanation.preserved_by:
        lines.append(
            f"preserved on deletion ({explanation.preserved_by}): rendered with the GitOps "
            "engines' no-prune annotations"
        )
    for cluster in explanation.clusters:
        status = "not placed"
        if cluster.placed:
            status = f"placed -> {cluster.file}" if cluster.file else "placed"
        lines.append(f"{cluster.name}: {status}")
        lines.extend(f"  {reason}" for reason in cluster.reasons)
        if cluster.capacity is not None:
            lines.append(f"  {capacity_line(cluster.capacity)}")
        if cluster.replicas is not None:
            lines.append(f"  {replicas_line(cluster.replicas)}")
        lines.extend(f"  traffic: {traffic_line(entry)}" for entry in cluster.traffic)
        if cluster.shown:
            lines.append("  will it run there:")
            for verdict in cluster.feasibility:
                why = "; ".join(verdict.reasons)
                lines.append(f"    {verdict.check}: {verdict.result}" + (f": {why}" if why else ""))
    return lines


def capacity_line(found: CapacityEstimate) -> str:
    """The available replicas the scheduler read for a cluster, and where they came from."""
    if found.replicas is None:
        return f"available replicas: not declared ({found.detail})"
    return f"available replicas: {found.replicas} from {found.source} ({found.detail})"


def _capacity_document(found: CapacityEstimate | None) -> dict[str, object] | None:
    if found is None:
        return None
    return {"replicas": found.replicas, "source": found.source or None, "detail": found.detail}


def replicas_line(row: PlanRow) -> str:
    """Where a cluster's rendered replica count came from, with the input's file:line."""
    origin = row.origin
    where = f" ({origin.location})" if origin is not None and origin.location else ""
    if row.source == UNSET or origin is None:
        return "replicas: not set, so Kubernetes defaults them to 1"
    if row.source == RETAINED:
        return f"replicas: not written, left to the cluster by retainReplicas{where}"
    count = "" if row.replicas is None else f"{row.replicas} "
    # The template's and an override's ``by`` name them; a scheduler's names the RSP or policy.
    writer = "the scheduler: " if row.source == SCHEDULER else ""
    return f"replicas: {count}from {writer}{origin.by}{where}"


def _replicas_document(row: PlanRow | None) -> dict[str, object] | None:
    if row is None:
        return None
    location = row.origin.location if row.origin is not None else None
    return {
        "value": row.replicas,
        "source": row.source,
        "by": (row.origin.by or None) if row.origin is not None else None,
        **(location.fields() if location else dict.fromkeys(("file", "line", "column"))),
    }


def explain_document(explanation: Explanation) -> dict[str, object]:
    """The fields of ``explain --format json`` (documented in the README)."""
    return {
        "object": explanation.ref,
        **explanation.location.fields(),
        "scheduledBy": explanation.scheduled_by or None,
        "requiredBy": {c: list(refs) for c, refs in sorted(explanation.required_by.items())},
        "preservedBy": explanation.preserved_by or None,
        "dependencies": list(explanation.dependencies),
        "workloadGroups": list(explanation.workload_groups),
        "clusters": [
            {
                "name": cluster.name,
                "placed": cluster.placed,
                "file": cluster.file,
                "reasons": list(cluster.reasons),
                "replicas": _replicas_document(cluster.replicas),
                "capacity": _capacity_document(cluster.capacity),
                "feasibility": [
                    {"check": v.check, "result": v.result, "reasons": list(v.reasons)}
                    for v in cluster.feasibility
                ],
                "traffic": [entry.as_dict() for entry in cluster.traffic],
            }
            for cluster in explanation.clusters
        ],
    }
