"""The table of feasibility checks and the one call the pipeline makes.

Each check names the inventory data it needs; for a cluster without it the check is
skipped (and :func:`skipped` says so once per check, for ``kfedgen validate``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kfedgen.errors import Problem
from kfedgen.feasibility.alike import Kinds, Replay
from kfedgen.feasibility.apiversions import check_api_versions
from kfedgen.feasibility.capacity import capacity_problems, node_pool_reasons
from kfedgen.feasibility.fargate import check_fargate, fargate_reasons
from kfedgen.feasibility.finding import reason_about
from kfedgen.feasibility.nodepools import pools_of, unschedulable_pods, workloads
from kfedgen.feasibility.references import check_references
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject

Explainer = Callable[[Cluster, Sequence[RenderedObject], RenderedObject], tuple[bool, list[str]]]


def check_node_pools(cluster: Cluster, objects: Sequence[RenderedObject]) -> Iterator[Problem]:
    """Pods that no node pool takes, then sets of pools that cannot hold what is planned."""
    placed = workloads(cluster, objects)
    yield from unschedulable_pods(placed)
    yield from capacity_problems(cluster, pools_of(cluster), placed)


@dataclass(frozen=True)
class Check:
    """One feasibility check: what it is, what it needs from the inventory, the function."""

    name: str
    needs: str  # the inventory field, as users write it
    runs_for: Callable[[Cluster], bool]
    run: Callable[[Cluster, Sequence[RenderedObject]], Iterator[Problem]]
    # For ``explain``: passed or not, and why, for one object; None: its findings say it.
    explain: Explainer | None = None
    # Whether it reads ``spec.replicas``; one that does not runs once for clusters whose
    # objects differ only there (kfedgen.feasibility.alike.Kinds).
    reads_replicas: bool = False


CHECKS: tuple[Check, ...] = (
    Check(
        "api-versions",
        "kubernetesVersion",
        # ``apis`` alone decides custom kinds (kfedgen.servedapis).
        lambda cluster: cluster.kubernetes_version is not None or cluster.apis is not None,
        check_api_versions,
    ),
    Check(
        "references",
        "provides",
        lambda cluster: cluster.provides is not None,
        check_references,
    ),
    Check(
        "fargate",
        "compute.fargateProfiles",
        lambda cluster: cluster.compute is not None and bool(cluster.compute.fargate_profiles),
        check_fargate,
        fargate_reasons,
    ),
    Check(
        "node-pools",
        "compute.nodePools",
        lambda cluster: cluster.compute is not None and bool(cluster.compute.node_pools),
        check_node_pools,
        node_pool_reasons,
        reads_replicas=True,  # the capacity the planned replicas need
    ),
)


@dataclass(frozen=True)
class Verdict:
    """One check's result for one object in one cluster: passed, failed or skipped, and why."""

    check: str
    result: str  # "passed", "failed" or "skipped"
    reasons: tuple[str, ...]


def verdicts(
    cluster: Cluster, objects: Sequence[RenderedObject], obj: RenderedObject
) -> list[Verdict]:
    """Every check of the table for ``obj``, one of the cluster's rendered ``objects``."""
    result = []
    for check in CHECKS:
        if not check.runs_for(cluster):
            reason = f"the cluster's inventory entry has no {check.needs}"
            result.append(Verdict(check.name, "skipped", (reason,)))
            continue
        if check.explain is not None:
            passed, reasons = check.explain(cluster, objects, obj)
        else:
            found = (reason_about(p, obj) for p in check.run(cluster, objects))
            reasons = [r for r in found if r is not None]
            passed = not reasons
        result.append(Verdict(check.name, "passed" if passed else "failed", tuple(reasons)))
    return result


def runs_any(cluster: Cluster) -> bool:
    """Whether the cluster's inventory entry says enough for any check."""
    return any(check.runs_for(cluster) for check in CHECKS)


@dataclass(frozen=True)
class Skipped:
    """A check that did not run for some clusters: their inventory lacks what it needs."""

    check: Check
    clusters: tuple[str, ...]
    of: int  # clusters in the inventory


def check_feasibility(
    clusters: Mapping[str, Cluster], objects: Iterable[RenderedObject]
) -> list[Problem]:
    """Every check over every cluster's rendered objects, in inventory then table order."""
    runs = {name: [c for c in CHECKS if c.runs_for(cluster)] for name, cluster in clusters.items()}
    if not any(runs.values()):
        return []  # no inventory entry says enough for any check: not a pass over the objects
    by_cluster: defaultdict[str, list[RenderedObject]] = defaultdict(list)
    for obj in objects:
        by_cluster[obj.cluster].append(obj)
    problems: list[Problem] = []
    replay = Replay()  # clusters alike are checked once (kfedgen.feasibility.alike)
    kinds = Kinds()
    for name, cluster in clusters.items():
        mine = by_cluster.get(name, [])
        if not mine or not runs[name]:
            continue
        kind, replica_free = kinds.of(cluster, mine)
        for check in runs[name]:
            key = kind if check.reads_replicas else replica_free
            problems.extend(replay.run(check.name, check.run, cluster, mine, key))
    return problems


def skipped(clusters: Mapping[str, Cluster]) -> list[Skipped]:
    """The checks that some clusters skip, each once, with those clusters."""
    result = []
    for check in CHECKS:
        names = tuple(name for name, c in clusters.items() if not check.runs_for(c))
        if names:
            result.append(Skipped(check, names, len(clusters)))
    return result
