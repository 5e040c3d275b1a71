"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit.

Two ways: as a user installs them, where pre-commit installs kfedgen from a
commit of this project into an environment of its own (pip, from the package
index: once per test session, in a shared ``PRE_COMMIT_HOME``; skipped, saying
why, when no package index can be reached; marked ``network``); and as the same
hook definitions in a ``repo: local`` configuration running this checkout's
``kfedgen`` (``language: system``), which needs no network, for the scenarios
of what a commit holds.
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
from tests.gitutil import AUTHOR, FleetRepo, apps_yaml, invalid_apps_yaml, rendered_fleet

NETWORK = pytest.mark.network

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
    assert sorted(hooks) == ["kfedgen-check", "kfedgen-render", "kfedgen-validate"]
    # All judge the index: what the commit will hold.
    assert hooks["kfedgen-render"]["entry"] == "kfedgen render --staged --exit-code"
    assert hooks["kfedgen-check"]["entry"] == "kfedgen render --check --staged"
    assert hooks["kfedgen-validate"]["entry"] == "kfedgen validate --staged"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
    assert hooks["kfedgen-render"]["files"] == "^(fleet|overlays|rendered)/"
    assert hooks["kfedgen-check"]["files"] == "^(fleet|overlays|rendered)/"
    # Validation follows from the fleet alone.
    assert hooks["kfedgen-validate"]["files"] == "^(fleet|overlays)/"


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


@NETWORK
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


@NETWORK
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
    assert "run 'kfedgen render' and 'git add rendered'" in stale.stdout
    assert fleet.status() == ""  # the check wrote nothing


@NETWORK
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
    # The work tree is current now, but the index is not: the commit would be wrong.
    again = pre_commit(pre_commit_home, fleet.path, "run", "kfedgen-render", "--all-files")
    assert again.returncode == 1, again.stdout
    assert "rendered/east/web/deployment.apps_api.yaml: rendered but not staged" in again.stdout
    fleet.repo.git.add("rendered")
    staged = pre_commit(pre_commit_home, fleet.path, "run", "kfedgen-render", "--all-files")
    assert staged.returncode == 0, staged.stdout
    assert "Passed" in staged.stdout


@NETWORK
def test_hooks_skip_commits_that_touch_no_fleet_file(
    pre_commit_home: Path, fleet: FleetRepo
) -> None:
    fleet.write("fleet/apps.yaml", apps_yaml(replicas=4))  # stale, but not staged
    fleet.write("README.md", "edited\n")
    fleet.repo.git.add("README.md")
    result = pre_commit(pre_commit_home, fleet.path, "run")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("(no files to check)Skipped") == 2


@NETWORK
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


# --- The same hooks as `repo: local`, offline: what the commit holds -------------------

NEW_OBJECT = """\
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: extra
  namespace: web
spec:
  template:
    data: {added: "yes"}
  placement:
    clusterSelector: {}
"""
NEW_FILES = ("rendered/east/web/configmap_extra.yaml", "rendered/west/web/configmap_extra.yaml")


def local_config(*hook_ids: str, args: tuple[str, ...] = ()) -> str:
    """.pre-commit-config.yaml running the hooks of .pre-commit-hooks.yaml from this checkout.

    Each hook is the shipped definition with ``language: system`` and its entry's
    ``kfedgen`` replaced by this environment's, so pre-commit installs nothing;
    ``args`` go to every hook, as a user's ``args:`` would.
    """
    kfedgen = Path(sys.executable).parent / "kfedgen"
    if not kfedgen.exists():
        pytest.skip(f"no kfedgen executable beside {sys.executable} (pip install -e . first)")
    hooks = []
    for hook in hook_definitions():
        if hook["id"] in hook_ids:
            entry = hook["entry"].split(" ", 1)
            assert entry[0] == "kfedgen"
            local = {**hook, "language": "system", "entry": f"{kfedgen} {entry[1]}"}
            hooks.append({**local, "args": list(args)} if args else local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def local_fleet(
    path: Path, run_cli: RunCli, *hook_ids: str, args: tuple[str, ...] = ()
) -> FleetRepo:
    """A rendered, committed fleet with the local hooks installed as git's pre-commit hook."""
    repo = rendered_fleet(path, run_cli)
    repo.write(".pre-commit-config.yaml", local_config(*hook_ids, args=args))
    repo.commit("pre-commit")
    home = path.parent / "pre-commit-home"
    installed = pre_commit(home, repo.path, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo


def git_commit(repo: FleetRepo, message: str) -> subprocess.CompletedProcess[str]:
    """``git commit`` as a user runs it: git runs the installed pre-commit hook."""
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo.path,
        env=environment(repo.path.parent / "pre-commit-home"),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def committed_paths(repo: FleetRepo) -> set[str]:
    return set(str(repo.repo.git.ls_tree("-r", "--name-only", "HEAD")).splitlines())


def committed_kustomizations_are_whole(repo: FleetRepo) -> None:
    """Every file a committed kustomization.yaml lists is in the same commit."""
    paths = committed_paths(repo)
    for cluster in ("east", "west"):
        text = repo.repo.git.show(f"HEAD:rendered/{cluster}/kustomization.yaml")
        for resource in yaml.safe_load(text)["resources"]:
            assert f"rendered/{cluster}/{resource}" in paths, resource


@pytest.mark.parametrize("hook", ["kfedgen-check", "kfedgen-render"])
def test_an_untracked_rendered_file_stops_the_commit(
    tmp_path: Path, run_cli: RunCli, hook: str
) -> None:
    """The issue's scenario: new object, render, `git add fleet && git add -u`, commit."""
    repo = local_fleet(tmp_path / "repo", run_cli, hook)
    head = repo.repo.head.commit.hexsha
    repo.write("fleet/apps.yaml", apps_yaml() + NEW_OBJECT)
    assert run_cli("render", cwd=repo.path).code == 0
    repo.repo.git.add("fleet")
    repo.repo.git.add("-u")
    assert sorted(repo.repo.untracked_files) == list(NEW_FILES)
    stopped = git_commit(repo, "a new config map")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode == 1, output
    assert repo.repo.head.commit.hexsha == head  # nothing was committed
    for path in NEW_FILES:
        assert f"{path}: rendered but not staged; run 'git add {path}'" in output
    assert "git add rendered" in output
    assert sorted(repo.repo.untracked_files) == list(NEW_FILES)  # the hook staged nothing
    repo.repo.git.add("rendered")
    done = git_commit(repo, "a new config map")
    assert done.returncode == 0, done.stdout + done.stderr
    assert repo.status() == ""
    committed_kustomizations_are_whole(repo)


@pytest.mark.parametrize("hook", ["kfedgen-check", "kfedgen-render"])
def test_a_fleet_file_that_is_not_staged_is_not_rendered_into_the_commit(
    tmp_path: Path, run_cli: RunCli, hook: str
) -> None:
    """A new fleet file left out of the commit: its objects must not be committed either."""
    repo = local_fleet(tmp_path / "repo", run_cli, hook)
    head = repo.repo.head.commit.hexsha
    repo.write("fleet/extra.yaml", NEW_OBJECT)
    assert run_cli("render", cwd=repo.path).code == 0
    repo.repo.git.add("rendered")  # the rendered output, but not its fleet file
    stopped = git_commit(repo, "rendered objects without their source")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode == 1, output
    assert repo.repo.head.commit.hexsha == head
    assert "fleet/extra.yaml: not staged; using what is staged" in output
    repo.repo.git.add("fleet")
    if hook == "kfedgen-render":
        # The hook rendered the staged fleet (without extra.yaml) into the work
        # tree; with the fleet file staged, render again, as a user would.
        assert run_cli("render", cwd=repo.path).code == 0
        repo.repo.git.add("rendered")
    done = git_commit(repo, "the config map and its source")
    assert done.returncode == 0, done.stdout + done.stderr
    committed_kustomizations_are_whole(repo)
    assert "rendered/east/web/configmap_extra.yaml" in committed_paths(repo)


def test_unstaged_changes_to_tracked_files_are_the_index_s_business(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """A staged fleet change with its render staged commits, whatever the work tree holds."""
    repo = local_fleet(tmp_path / "repo", run_cli, "kfedgen-check", "kfedgen-render")
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4))
    assert run_cli("render", cwd=repo.path).code == 0
    repo.repo.git.add("fleet", "rendered")
    repo.write("fleet/apps.yaml", apps_yaml(replicas=9))  # unstaged, not for this commit
    done = git_commit(repo, "four replicas")
    assert done.returncode == 0, done.stdout + done.stderr
    committed = repo.repo.head.commit.tree / "rendered/east/web/deployment.apps_api.yaml"
    assert b"replicas: 4" in committed.data_stream.read()
    assert "replicas: 9" in (repo.path / "fleet/apps.yaml").read_text()  # restored by pre-commit


def test_the_validate_hook_stops_a_commit_an_api_server_would_reject(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """``kfedgen-validate`` with ``--kube-version``: the staged fleet's objects, checked."""
    repo = local_fleet(
        tmp_path / "repo", run_cli, "kfedgen-validate", args=("--kube-version", "1.30")
    )
    head = repo.repo.head.commit.hexsha
    repo.write("fleet/apps.yaml", invalid_apps_yaml())
    repo.repo.git.add("fleet")
    stopped = git_commit(repo, "a port by name")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode == 1, output
    assert repo.repo.head.commit.hexsha == head
    assert "kfedgen validate" in output and "Failed" in output
    assert "containerPort: expected an integer, got a string" in output
    # Fixed in the index; an unstaged bad edit in the work tree is not this commit's.
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4))
    repo.repo.git.add("fleet")
    repo.write("fleet/apps.yaml", invalid_apps_yaml())
    done = git_commit(repo, "four replicas")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kfedgen validate" in done.stderr and "Passed" in done.stderr
