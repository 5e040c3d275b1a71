"""Spread constraints end to end: the ``karmada-spread`` golden fleet through the CLI.

``render`` writes what the golden tree holds (``tests/test_golden.py``); here ``plan`` shows
each cluster's replicas and ``explain`` says, for every cluster, why the spread constraints
selected it or left it out.  Missing capacity is a located input error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import InvalidInput
from tests.conftest import GOLDEN, ROOT, RunCli, snapshot
from tests.fleets import compile_fleet, inventory, warnings_of
from tests.karmada._documents import deployment, policy, replicas

FLEET = GOLDEN / "karmada-spread" / "fleet"


def _fleet(tmp_path: Path) -> Path:
    shutil.copytree(FLEET, tmp_path / "fleet")
    return tmp_path


def test_plan_shows_the_clusters_the_spread_constraints_chose(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("plan", "--format", "json", cwd=_fleet(tmp_path))
    assert result.code == 0, result.err
    rows = [(r["object"], r["cluster"], r["replicas"]) for r in json.loads(result.out)["rows"]]
    assert rows == [
        ("Deployment/shop/batch", "ap-1", 16),
        ("Deployment/shop/batch", "eu-1", 9),
        ("Deployment/shop/cache", "eu-1", 3),
        ("Deployment/shop/web", "eu-1", 9),
        ("Deployment/shop/web", "us-1", 8),
        ("Deployment/shop/web", "us-2", 7),
    ]


def test_explain_says_why_each_cluster_was_selected_or_left_out(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("explain", "Deployment/shop/web", cwd=_fleet(tmp_path))
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.out.splitlines()]
    head = "spreadConstraints[0] (region, minGroups 2, maxGroups 2)"
    pair = "regions eu-west-1 + us-east-1 (score 24000, 4 clusters) are the preferred combination"
    assert [line for line in lines if line.startswith("spreadConstraints")] == [
        f"{head} leaves out its region ap-northeast-1 (score 12000, 1 cluster): {pair} of 2 to 2 "
        "regions with at least 3 clusters (highest total score, then most clusters, then first "
        "found)",
        f"{head} selects its region eu-west-1: {pair}; it is the best cluster of its region",
        f"{head} selects its region eu-west-1, but the cluster maxGroups 3 is filled by clusters "
        "ahead of it (available replicas, then name)",
        f"{head} selects its region us-east-1: {pair}; it is the best cluster of its region",
        f"{head} selects its region us-east-1: {pair}; it is a further cluster of a selected "
        "region, by available replicas, then name",
    ]
    assert "ap-1: not placed" in lines
    assert "us-2: placed -> rendered/us-2/shop/deployment.apps_web.yaml" in lines


def test_explain_of_a_cluster_spread_names_each_clusters_rank(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("explain", "Deployment/shop/batch", "--cluster", "us-1", cwd=_fleet(tmp_path))
    assert result.code == 0, result.err
    assert result.out.splitlines()[2:] == [
        "us-1: not placed",
        "  selected by PropagationPolicy shop/batch (priority 0, name match)",
        "  no clusterAffinity: every cluster is a candidate",
        "  spreadConstraints[0] (cluster, maxGroups 2) leaves it out: rank 3 of 5 (available "
        "10); the first 2 by available replicas, then name, are kept (they hold 32 of the 25 "
        "replicas needed)",
        "  available replicas: 10 from kfedgen.io/available-replicas (manual override)",
    ]


def test_a_cluster_without_declared_capacity_is_an_error_and_nothing_is_written(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = _fleet(tmp_path)
    clusters = directory / "fleet" / "clusters.yaml"
    text = clusters.read_text()
    clusters.write_text(text.replace('    kfedgen.io/available-replicas: "9"\n', "    {}\n", 1))
    result = run_cli("render", cwd=directory)
    assert result.code == 2
    assert snapshot(directory / "rendered") == {}
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if "declare it for" in line]
    assert errors == [
        "fleet/shop.yaml:71:5: spec.placement.spreadConstraints: spreadConstraints with Divided "
        "replicas select clusters by each cluster's capacity, which Karmada estimates live; "
        "declare it for us-2 (in the Fleet, compute.nodePools with allocatable or "
        "availableReplicas; on a Karmada Cluster, status.resourceSummary or the "
        "kfedgen.io/available-replicas annotation)",
        "fleet/shop.yaml:105:5: spec.placement.spreadConstraints: spreadConstraints with Divided "
        "replicas select clusters by each cluster's capacity, which Karmada estimates live; "
        "declare it for us-2 (in the Fleet, compute.nodePools with allocatable or "
        "availableReplicas; on a Karmada Cluster, status.resourceSummary or the "
        "kfedgen.io/available-replicas annotation)",
    ]


def test_the_readme_shows_real_spread_output(run_cli: RunCli, tmp_path: Path) -> None:
    directory = _fleet(tmp_path)
    section = (ROOT / "README.md").read_text().split("## Karmada policies\n", 1)[1]
    for args in (("plan",), ("explain", "Deployment/shop/web", "--cluster", "ap-1")):
        result = run_cli(*args, cwd=directory)
        assert result.code == 0, result.err
        assert f"$ kfedgen {' '.join(args)}\n{result.out}" in section


_SCHEDULING = {
    "Duplicated": {"replicaSchedulingType": "Duplicated"},
    "DynamicWeight": {
        "replicaSchedulingType": "Divided",
        "weightPreference": {"dynamicWeight": "AvailableReplicas"},
    },
    "Aggregated": {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"},
}


@st.composite
def _fleets(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any], str, int]:
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=1, unique=True))
    clusters = []
    for name in names:
        cluster: dict[str, Any] = {"name": name, "labels": {"env": "prod"}}
        region = draw(st.sampled_from(["", "r1", "r2", "r3"]))
        if region:
            cluster["region"] = region
        capacity = draw(st.none() | st.integers(0, 30))
        if capacity is not None:
            cluster["availableReplicas"] = capacity
        clusters.append(cluster)
    constraints: list[dict[str, Any]] = []
    low = draw(st.integers(1, 3))
    cluster_spread: dict[str, Any] = {"spreadByField": "cluster", "minGroups": low}
    if draw(st.booleans()):
        cluster_spread["maxGroups"] = draw(st.integers(low, 6))
    constraints.append(cluster_spread)
    if draw(st.booleans()):
        region_low = draw(st.integers(1, 3))
        constraints.append(
            {
                "spreadByField": "region",
                "minGroups": region_low,
                "maxGroups": draw(st.integers(region_low, 4)),
            }
        )
    strategy = draw(st.sampled_from(sorted(_SCHEDULING)))
    placement = {"spreadConstraints": constraints, "replicaScheduling": _SCHEDULING[strategy]}
    return clusters, placement, strategy, draw(st.integers(1, 40))


@settings(max_examples=60, deadline=None)
@given(_fleets())
def test_random_inventories_schedule_within_the_constraints_or_say_why(
    fleet: tuple[list[dict[str, Any]], dict[str, Any], str, int],
) -> None:
    clusters, placement, strategy, count = fleet
    docs = [deployment(replicas=count), policy(placement=placement)]
    try:
        compilation = compile_fleet(inventory(*clusters), docs)
    except InvalidInput as exc:
        # The only input error a valid policy can meet is capacity it needs and lacks.
        errors = [p.message for p in exc.problems if p.is_error]
        assert errors, exc.problems
        assert all("declare it for" in message for message in errors), errors
        assert strategy != "Duplicated"
        return
    got = replicas(compilation)
    if not got:
        assert any("is not scheduled by" in w for w in warnings_of(compilation))
        return
    spread = {c["spreadByField"]: c for c in placement["spreadConstraints"]}
    cluster = spread["cluster"]
    regions = {c["name"]: c.get("region", "") for c in clusters}
    if "region" in spread:
        chosen_regions = {regions[name] for name in got}
        assert "" not in chosen_regions
        assert len(chosen_regions) <= spread["region"]["maxGroups"]
        if strategy == "Duplicated":
            assert spread["region"]["minGroups"] <= len(chosen_regions)
    else:
        assert len(got) <= cluster.get("maxGroups", 0)
        # Divisions drop clusters left with 0 replicas (and Aggregated packs), so only
        # Duplicated keeps every selected cluster.
        if strategy == "Duplicated":
            assert cluster["minGroups"] <= len(got)
    if strategy == "Duplicated":
        assert set(got.values()) == {count}
    else:
        assert sum(got.values()) == count
        # Clusters without a region are no candidates of a region spread, so only the chosen
        # ones need a declared capacity.
        capacity = {c["name"]: c.get("availableReplicas") for c in clusters}
        assert all(capacity[name] is not None for name in got), (got, capacity)
        assert all(
            got[name] <= (capacity[name] or 0) or strategy == "DynamicWeight" for name in got
        )
