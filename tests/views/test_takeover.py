"""``diff`` warns when a new winning policy would not take an object from a running Karmada."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, RunCli
from tests.fleets import to_yaml
from tests.gitutil import FleetRepo
from tests.karmada._documents import KARMADA_INVENTORY, deployment, policy

OLD = policy("old", placement={"clusterAffinity": {"clusterNames": ["eu"]}}, priority=1)


def new(**spec: Any) -> dict[str, Any]:
    return policy("new", placement={"clusterAffinity": {"clusterNames": ["us"]}}, **spec)


@pytest.fixture
def repo(tmp_path: Path) -> FleetRepo:
    """Deployment app/web claimed by PropagationPolicy app/old, committed on main."""
    repo = FleetRepo.create(tmp_path / "repo")
    repo.write("fleet/inventory.yaml", KARMADA_INVENTORY)
    repo.write("fleet/web.yaml", to_yaml(deployment()))
    repo.write("fleet/old.yaml", to_yaml(OLD))
    repo.commit("web on eu")
    return repo


def diff(repo: FleetRepo, run_cli: RunCli) -> str:
    result = run_cli("diff", "--base", "main", cwd=repo.path)
    assert result.code == 1, result.err  # web moves from eu to us in the rendered tree
    sha = repo.repo.git.rev_parse("main", short=7)  # a one-shot git, no cat-file process left
    assert re.findall(r"at main \(([0-9a-f]{7})\)", result.err) in ([], [sha])
    return result.err.replace(f"main ({sha})", "main")


def test_a_higher_priority_policy_without_preemption_is_flagged(
    repo: FleetRepo, run_cli: RunCli
) -> None:
    repo.write("fleet/new.yaml", to_yaml(new(priority=5)))
    err = diff(repo, run_cli)
    readme = re.sub(r"main \([0-9a-f]{7}\)", "main", (ROOT / "README.md").read_text())
    assert f"$ kfedgen diff --base main\n{err}```" in readme
    assert err == (
        "fleet/new.yaml:6:1: spec: warning: Deployment/app/web moves from PropagationPolicy "
        "app/old (its policy at main) to PropagationPolicy app/new, but a running Karmada keeps "
        "the claim of PropagationPolicy app/old: PropagationPolicy app/new has preemption: "
        "Never, so it never takes claimed objects (karmada#4697); the rendered placement is not "
        "what the clusters get (set spec.preemption: Always on PropagationPolicy app/new (a "
        "PropagationPolicy needs a higher priority than another PropagationPolicy), or stop "
        "PropagationPolicy app/old selecting the object)\n"
    )


def test_preemption_with_too_low_a_priority_is_flagged_at_the_field(
    repo: FleetRepo, run_cli: RunCli
) -> None:
    # Karmada's winner needs a higher priority than the claim's; a tie goes to the name.
    repo.write(
        "fleet/old.yaml", to_yaml(policy("old", priority=1, placement=OLD["spec"]["placement"]))
    )
    repo.write("fleet/new.yaml", to_yaml(new(priority=1, preemption="Always")))
    err = diff(repo, run_cli)
    assert err.startswith("fleet/new.yaml:15:3: spec.preemption: warning: ")
    assert (
        "PropagationPolicy app/new's priority 1 is not higher than PropagationPolicy app/old's 1"
        in err
    )


@pytest.mark.parametrize(
    "change",
    ["preempts", "old policy deleted", "old policy no longer selects it"],
)
def test_no_warning_where_karmada_would_move_the_object(
    repo: FleetRepo, run_cli: RunCli, change: str
) -> None:
    if change == "preempts":
        repo.write("fleet/new.yaml", to_yaml(new(priority=5, preemption="Always")))
    else:
        repo.write("fleet/new.yaml", to_yaml(new(priority=5)))
        if change == "old policy deleted":
            (repo.path / "fleet/old.yaml").unlink()
        else:
            other = policy(
                "old",
                selectors=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": "db"}],
                placement=OLD["spec"]["placement"],
            )
            repo.write("fleet/old.yaml", to_yaml(other))
    assert diff(repo, run_cli) == ""
