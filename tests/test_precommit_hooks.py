"""The hooks of .pre-commit-hooks.yaml, installed and run by the real pre-commit.

pre-commit installs kfedgen from a commit of this project into an environment of
its own (pip, from the package index): that happens once per test session, in
a shared ``PRE_COMMIT_HOME``, and the tests are skipped, saying why, when no
package index can be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from tests.conftest import ROOT, RunCli
from tests.gitutil import AUTHOR, FleetRepo, apps_yaml, rendered_fleet

pytestmark = pytest.mark.network

# What pip says when it cannot reach a package index.
OFFLINE_SIGNS = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No matching distribution found",
    "Could not find a version that satisfies",
    "ProxyError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
)


def hook_definitions() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(loaded, list)
    return loaded


def test_hook_definitions() -> None:
    hooks = {hook["id"]: hook for hook in hook_definitions()}
    assert sorted(hooks) == ["kfedgen-check", "kfedgen-render"]
    assert hooks["kfedgen-render"]["entry"] == "kfedgen render --exit-code"
    assert hooks["kfedgen-check"]["entry"] == "kfedgen render --check"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["files"] == "^(fleet|overlays|rendered)/"


def environment(home: Path) -> dict[str, str]:
    # GIT_DIR and friends leak in when the suite itself runs from a git hook;
    # they would point pre-commit at the wrong repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
        GIT_AUTHOR_NAME=AUTHOR.name or "",
        GIT_AUTHOR_EMAIL=AUTHOR.email or "",
        GIT_COMMITTER_NAME=AUTHOR.name or "",
        GIT_COMMITTER_EMAIL=AUTHOR.email or "",
    )
    return env


def pre_commit(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=environment(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This project as it is now, committed into a repository pre-commit can install from."""
    target = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "kfedgen", target / "kfedgen", ignore=shutil.ignore_patterns("__pycache__")
    )
    with git.Repo.init(target) as repo:
        repo.git.add(A=True)
        repo.index.commit("hooks", author=AUTHOR, committer=AUTHOR)
    return str(target)


def config_for(hook_repo: str) -> str:
    """A user's .pre-commit-config.yaml using both hooks from ``hook_repo``'s HEAD."""
    with git.Repo(hook_repo) as hooks:
        rev = hooks.head.commit.hexsha
    return (
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: kfedgen-render\n      - id: kfedgen-check\n"
    )


def with_log(home: Path, result: subprocess.CompletedProcess[str]) -> str:
    log = home / "pre-commit.log"
    return result.stdout + result.stderr + (log.read_text(errors="replace") if log.exists() else "")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory, hook_repo: str) -> Path:
    """One pre-commit cache for the session, with kfedgen's hook environment installed.

    (``try-repo`` installs into a throw-away cache of its own each time; a
    configuration run through ``pre-commit run`` uses this one.)
    """
    home = tmp_path_factory.mktemp("pre-commit-home")
    warmup = FleetRepo.create(tmp_path_factory.mktemp("warmup") / "repo")
    warmup.write(".pre-commit-config.yaml", config_for(hook_repo))
    warmup.commit("config")
    result = pre_commit(home, warmup.path, "install-hooks")
    if result.returncode != 0:
        output = with_log(home, result)
        if any(sign in output for sign in OFFLINE_SIGNS):
            pytest.skip(
                "pre-commit could not install kfedgen's hook environment: no package index "
                "reachable (pip needs PyPI for kfedgen's dependencies)"
            )
        pytest.fail(f"pre-commit failed to install the hooks:\n{output}")
    return home


@pytest.fixture
def fleet(tmp_path: Path, run_cli: RunCli, hook_repo: str) -> FleetRepo:
    """A rendered fleet whose .pre-commit-config.yaml uses this project's hooks."""
    repo = rendered_fleet(tmp_path / "fleet-repo", run_cli)
    repo.write("README.md", "a fleet\n")
    repo.write(".pre-commit-config.yaml", config_for(hook_repo))
    repo.commit("pre-commit")
    return repo


def test_try_repo(pre_commit_home: Path, hook_repo: str, fleet: FleetRepo) -> None:
    """What a hook author runs: ``pre-commit try-repo <repo> kfedgen-check --all-files``."""
    fleet.write("fleet/apps.yaml", apps_yaml(replicas=4))
    fleet.commit("four replicas, not rendered")
    result = pre_commit(
        pre_commit_home, fleet.path, "try-repo", hook_repo, "kfedgen-check", "--all-files"
    )
    if result.returncode not in (0, 1):
        output = with_log(pre_commit_home, result)
        if any(sign in output for sign in OFFLINE_SIGNS):
            pytest.skip("pre-commit try-repo could not install its environment: no package index")
        pytest.fail(output)
    assert result.returncode == 1, result.stdout
    assert "kfedgen render --check" in result.stdout
    assert "Failed" in result.stdout
    assert "changed: rendered/east/web/deployment.apps_api.yaml" in result.stdout


def test_check_hook(pre_commit_home: Path, fleet: FleetRepo) -> None:
    current = pre_commit(pre_commit_home, fleet.path, "run", "kfedgen-check", "--all-files")
    assert current.returncode == 0, current.stdout + current.stderr
    assert "kfedgen render --check" in current.stdout
    assert "Passed" in current.stdout
    fleet.write("fleet/apps.yaml", apps_yaml(replicas=4))
    fleet.commit("four replicas, not rendered")
    stale = pre_commit(pre_commit_home, fleet.path, "run", "kfedgen-check", "--all-files")
    assert stale.returncode == 1
    assert "Failed" in stale.stdout
    assert "changed: rendered/east/web/deployment.apps_api.yaml" in stale.stdout
    assert "run 'kfedgen render'" in stale.stdout
    assert fleet.status() == ""  # the check wrote nothing


def test_render_hook(pre_commit_home: Path, fleet: FleetRepo) -> None:
    fleet.write("fleet/apps.yaml", apps_yaml(replicas=4))
    fleet.commit("four replicas, not rendered")
    first = pre_commit(pre_commit_home, fleet.path, "run", "kfedgen-render", "--all-files")
    assert first.returncode == 1
    assert "Failed" in first.stdout
    assert "files were modified by this hook" in first.stdout
    deployment = fleet.path / "rendered/east/web/deployment.apps_api.yaml"
    assert "replicas: 4" in deployment.read_text()
    assert fleet.status().splitlines() == [
        " M rendered/.kfedgen/manifest.json",
        " M rendered/east/web/deployment.apps_api.yaml",
    ]
    again = pre_commit(pre_commit_home, fleet.path, "run", "kfedgen-render", "--all-files")
    assert again.returncode == 0, again.stdout
    assert "Passed" in again.stdout


def test_hooks_skip_commits_that_touch_no_fleet_file(
    pre_commit_home: Path, fleet: FleetRepo
) -> None:
    fleet.write("fleet/apps.yaml", apps_yaml(replicas=4))  # stale, but not staged
    fleet.write("README.md", "edited\n")
    fleet.repo.git.add("README.md")
    result = pre_commit(pre_commit_home, fleet.path, "run")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("(no files to check)Skipped") == 2


def test_the_daily_loop_with_an_installed_hook(pre_commit_home: Path, fleet: FleetRepo) -> None:
    """Edit the fleet, commit: the hook renders and stops the commit; stage rendered/, commit."""
    installed = pre_commit(pre_commit_home, fleet.path, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    env = environment(pre_commit_home)

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-m", message],
            cwd=fleet.path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    head = fleet.repo.head.commit.hexsha
    fleet.write("fleet/apps.yaml", apps_yaml(west_replicas=6))
    fleet.repo.git.add("fleet")
    stopped = commit("six replicas in west")
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "files were modified by this hook" in stopped.stdout + stopped.stderr
    assert fleet.repo.head.commit.hexsha == head  # nothing was committed
    fleet.repo.git.add("fleet", "rendered")
    done = commit("six replicas in west")
    assert done.returncode == 0, done.stdout + done.stderr
    assert fleet.status() == ""
    committed = fleet.repo.head.commit.tree / "rendered/west/web/deployment.apps_api.yaml"
    assert b"replicas: 6" in committed.data_stream.read()
