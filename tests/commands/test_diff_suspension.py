"""``diff`` renders the head over the base's tree: a suspended cluster keeps the base's file.

Karmada stops updating a cluster whose dispatching is suspended; what the base revision
rendered there is what the cluster holds, so the diff shows no change there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import RunCli
from tests.fleets import inventory, to_yaml
from tests.gitutil import FleetRepo
from tests.karmada._documents import CLUSTERS, deployment, policy


def write_fleet(repo: FleetRepo, replicas: int, **spec: Any) -> None:
    placement = {"clusterAffinity": {"clusterNames": ["eu", "us"]}}
    repo.write("fleet/fleet.yaml", inventory(*CLUSTERS))
    repo.write(
        "fleet/app.yaml",
        to_yaml(deployment(replicas=replicas), policy(placement=placement, **spec)),
    )


def test_a_suspended_cluster_does_not_change_in_the_diff(run_cli: RunCli, tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    write_fleet(repo, 2)
    assert run_cli("render", cwd=repo.path).code == 0
    repo.commit("v1")
    write_fleet(repo, 5, suspension={"dispatchingOnClusters": {"clusterNames": ["us"]}})
    repo.commit("scale up, us suspended")
    for head in (("--head", "HEAD"), ()):  # a revision, and the work tree
        result = run_cli("diff", "--base", "HEAD~1", *head, cwd=repo.path)
        assert result.code == 1, result.err
        assert "=== eu: 1 changed ===\n" in result.out
        assert "=== us" not in result.out
        assert "  eu: Deployment app/web 2 -> 5\n" in result.out
