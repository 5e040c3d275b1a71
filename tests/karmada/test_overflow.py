"""``clusterAffinities[].overflowAffinities`` emulated as a first schedule, through the CLI.

Karmada's ClusterAffinity filter admits the overflow groups' clusters for a workload
(``cluster_affinity.go`` ``Filter``), ``getClusterOverflowOrder`` puts each in its tier, and
``assignWorkloadReplicas`` (``pkg/scheduler/core/common.go``) gives each tier in turn at
most its available replicas.  The inventory's clusters: ap 8, eu 6, us 10 available.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kfedgen.karmada.dynamicdivision import NotEnoughReplicas, divide_in_tiers
from tests.conftest import RunCli, snapshot
from tests.fleets import to_yaml
from tests.karmada._documents import KARMADA_INVENTORY, configmap, deployment, policy, selector

AGGREGATED = {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
DYNAMIC = {
    "replicaSchedulingType": "Divided",
    "weightPreference": {"dynamicWeight": "AvailableReplicas"},
}
TERMS = [
    {
        "affinityName": "primary",
        "clusterNames": ["eu"],
        "overflowAffinities": [
            {"affinityName": "burst", "clusterNames": ["us"]},
            {"affinityName": "last", "clusterNames": ["ap", "us"]},
        ],
    }
]


def _fleet(
    tmp_path: Path,
    replicas: int,
    scheduling: dict[str, Any],
    *extra: Any,
    terms: list[dict[str, Any]] = TERMS,
    **more: Any,
) -> Path:
    placement = {"clusterAffinities": terms, "replicaScheduling": scheduling, **more}
    selectors = [selector(), selector("ConfigMap", "settings")]
    docs = [deployment(replicas=replicas), *extra, policy(placement=placement, selectors=selectors)]
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "inventory.yaml").write_text(KARMADA_INVENTORY)
    (tmp_path / "fleet" / "web.yaml").write_text(to_yaml(*docs))
    return tmp_path


def _rows(run_cli: RunCli, directory: Path) -> list[tuple[str, str, int | None]]:
    result = run_cli("plan", "--format", "json", cwd=directory)
    assert result.code == 0, result.err
    return [(r["object"], r["cluster"], r["replicas"]) for r in json.loads(result.out)["rows"]]


def test_the_primary_group_fills_first_then_each_overflow_tier(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # 20 replicas: eu (tier 0) holds 6, us (tier 1) 10, and ap (tier 2; us is already in
    # tier 1) the last 4.
    directory = _fleet(tmp_path, 20, AGGREGATED)
    assert _rows(run_cli, directory) == [
        ("Deployment/app/web", "ap", 4),
        ("Deployment/app/web", "eu", 6),
        ("Deployment/app/web", "us", 10),
    ]
    result = run_cli("explain", "Deployment/app/web", "--cluster", "ap", cwd=directory)
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.out.splitlines()]
    assert (
        "clusterAffinities[0] (primary) overflowAffinities[1] (last) selects it (clusterNames "
        "[ap, us]): overflow tier 2"
    ) in lines
    assert "available 8, overflow tier 2 (last) → 4 replicas (spec.replicas = 4)" in lines


def test_a_tier_not_needed_gets_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    directory = _fleet(tmp_path, 9, DYNAMIC)
    assert _rows(run_cli, directory) == [
        ("Deployment/app/web", "eu", 6),
        ("Deployment/app/web", "us", 3),
    ]
    result = run_cli("explain", "Deployment/app/web", "--cluster", "ap", cwd=directory)
    assert result.out.splitlines()[2:] == [
        "ap: not placed",
        "  selected by PropagationPolicy app/spread (priority 0, kind match)",
        "  clusterAffinities[0] (primary) overflowAffinities[1] (last) selects it (clusterNames "
        "[ap, us]): overflow tier 2",
        "  overflow tier 2 (last) is not needed: the tiers before it hold every replica",
        "  available replicas: 8 from availableReplicas (manual override)",
    ]
    capacity = json.loads(run_cli("plan", "--format", "json", cwd=directory).out)
    # Only the clusters that passed the filters are estimated (lab is tainted).
    assert [r["cluster"] for r in capacity["schedulerCapacity"]] == ["ap", "eu", "us"]


def test_spread_selection_ranks_clusters_by_tier_first(run_cli: RunCli, tmp_path: Path) -> None:
    # maxGroups 2 keeps eu (tier 0) and us (tier 1), not the two largest (us 10, ap 8).
    spread = [{"spreadByField": "cluster", "minGroups": 1, "maxGroups": 2}]
    directory = _fleet(tmp_path, 12, AGGREGATED, spreadConstraints=spread)
    assert _rows(run_cli, directory) == [
        ("Deployment/app/web", "eu", 6),
        ("Deployment/app/web", "us", 6),
    ]


def test_non_workloads_stay_in_the_primary_group(run_cli: RunCli, tmp_path: Path) -> None:
    directory = _fleet(tmp_path, 20, AGGREGATED, configmap())
    result = run_cli("render", cwd=directory)
    assert result.code == 0, result.err
    files = snapshot(directory / "rendered")
    assert sorted(p for p in files if "configmap" in p) == ["eu/app/configmap_settings.yaml"]


def test_more_replicas_than_every_tier_holds_is_not_scheduled(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = _fleet(tmp_path, 25, AGGREGATED)
    result = run_cli("render", cwd=directory)
    assert result.code == 0, result.err
    assert "clusters' available replicas 24 are not enough for 25" in result.err
    assert not any("deployment" in p for p in snapshot(directory / "rendered"))


def test_overflow_needs_dynamic_or_aggregated_scheduling(run_cli: RunCli, tmp_path: Path) -> None:
    directory = _fleet(tmp_path, 6, {"replicaSchedulingType": "Duplicated"})
    result = run_cli("render", cwd=directory)
    assert result.code == 2
    assert (
        "spec.placement.clusterAffinities[0].overflowAffinities: overflowAffinities can only be "
        "used together with dynamic weight or aggregated scheduling"
    ) in result.err
    assert "Traceback" not in result.err


def test_overflow_names_must_be_unique(run_cli: RunCli, tmp_path: Path) -> None:
    overflow = [{"affinityName": "burst", "clusterNames": ["us"]}, {"affinityName": "primary"}]
    terms = [{**TERMS[0], "overflowAffinities": overflow}]
    result = run_cli("render", cwd=_fleet(tmp_path, 6, AGGREGATED, terms=terms))
    assert result.code == 2
    assert (
        "overflowAffinities[1].affinityName: overflow affinity name 'primary' must be unique"
        in (result.err)
    )


_TIER = st.lists(st.integers(0, 20), min_size=0, max_size=4)


@given(st.integers(1, 60), st.lists(_TIER, min_size=1, max_size=4), st.booleans())
def test_tiers_fill_in_order_and_never_exceed_availability(
    target: int, sizes: list[list[int]], aggregated: bool
) -> None:
    tiers = [
        sorted(((f"t{t}c{i}", a) for i, a in enumerate(tier)), key=lambda c: -c[1])
        for t, tier in enumerate(sizes)
    ]
    total = sum(sum(tier) for tier in sizes)
    try:
        results = divide_in_tiers(target, tiers, aggregated)
    except NotEnoughReplicas:
        assert total < target
        return
    assert total >= target
    available = {name: a for tier in tiers for name, a in tier}
    given_out = [sum(assigned.values()) for _, assigned in results]
    assert sum(given_out) == target
    assert all(n <= available[c] for _, assigned in results for c, n in assigned.items())
    # Every tier reached but the last is full: a later tier gets replicas only when the
    # earlier ones have none left.
    reached = [tier for tier in tiers if tier][: len(results)]
    for tier, got in zip(reached[:-1], given_out[:-1], strict=True):
        assert got == sum(a for _, a in tier)
