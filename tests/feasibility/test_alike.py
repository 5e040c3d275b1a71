"""Clusters alike are checked once: the findings are exactly those of checking each one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench import feasibility, generate
from kfedgen.errors import Problem
from kfedgen.feasibility.alike import alike_key
from kfedgen.feasibility.checks import CHECKS, check_feasibility
from kfedgen.pipeline import Compilation, Options, compile_fleet


def each_cluster_alone(compilation: Compilation) -> list[Problem]:
    """Every check over every cluster, one by one (what Replay must agree with)."""
    found: list[Problem] = []
    for name, cluster in compilation.spec.clusters.items():
        mine = [o for o in compilation.objects if o.cluster == name]
        for check in CHECKS:
            if mine and check.runs_for(cluster):
                found.extend(check.run(cluster, mine))
    return found


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    """The benchmark's fleet, 40 clusters, every entry with compute; the pools too small.

    One node of each pool, the general one with one CPU: the planned replicas overflow it,
    so each cluster also has a finding at its own inventory entry, besides the Services
    that select nothing.
    """
    work = tmp_path_factory.mktemp("alike")
    model = generate.build_model(40, 24)
    fleet = work / "fleet"
    generate.write_fleet(model, fleet)
    feasibility.write_with_compute(model, fleet)
    inventory = fleet / "inventory.yaml"
    text = inventory.read_text().replace("nodes: 6\n", "nodes: 1\n")
    inventory.write_text(text.replace("cpu: 3920m\n", "cpu: '1'\n"))
    return compile_fleet(Options(fleet=(fleet,), overlays=None, output=work / "out"), work)


def test_the_findings_are_those_of_each_cluster_alone(compiled: Compilation) -> None:
    kinds = {
        alike_key(cluster, [o for o in compiled.objects if o.cluster == name])
        for name, cluster in compiled.spec.clusters.items()
    }
    assert len(kinds) < 40  # some clusters are like another: their findings are replayed
    replayed = check_feasibility(compiled.spec.clusters, compiled.objects)
    alone = each_cluster_alone(compiled)
    assert replayed == alone  # the same findings, in the same order
    messages = [p.message for p in alone]
    at_entries = {p.location for p in alone if "node pool" in p.message and "allocate" in p.message}
    assert len(at_entries) == 40, messages[:3]  # each at its own cluster's entry
    assert any("matches no pod template" in m for m in messages)


def test_unlike_clusters_are_checked_on_their_own(compiled: Compilation) -> None:
    # Give one cluster pools large enough: it is no longer like the others.
    clusters = dict(compiled.spec.clusters)
    first = next(iter(clusters))
    compute = clusters[first].compute
    assert compute is not None
    pools = tuple(replace(p, nodes=100) for p in compute.node_pools)
    clusters[first] = replace(clusters[first], compute=replace(compute, node_pools=pools))
    replayed = check_feasibility(clusters, compiled.objects)
    overfull = [p for p in replayed if "allocate" in p.message]
    assert not any(p.message.startswith(f"cluster {first!r}") for p in overfull)
    assert len(overfull) == 39
