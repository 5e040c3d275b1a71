"""``--staged``: the fleet and the output tree as git's index holds them."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path

from kfedgen.errors import Problems
from kfedgen.pipeline import Options, read_sources
from kfedgen.source.gitobjects import IndexSnapshot
from kfedgen.views.gitsource import TreeReader, open_repository
from tests.conftest import RunCli
from tests.gitutil import FleetRepo, apps_yaml, invalid_apps_yaml, rendered_fleet


def test_the_index_reads_like_the_disk_when_everything_is_staged(tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    repo.write_fleet()
    repo.write("fleet/sub/notes.txt", "not yaml\n")
    (repo.path / "fleet" / "alias.yaml").symlink_to("apps.yaml")
    (repo.path / "fleet" / "etcdir").symlink_to("/etc")
    repo.repo.git.add(A=True)
    with contextlib.chdir(repo.path), open_repository(repo.path) as opened:
        problems, disk_problems = Problems(), Problems()
        staged = TreeReader(opened, IndexSnapshot.read_index(opened), repo.path)
        from_index = staged.read_fleet(Options(), problems)
        from_disk = read_sources(Options(), repo.path, disk_problems)
    assert from_index == from_disk
    assert [str(p) for p in problems.sorted()] == [str(p) for p in disk_problems.sorted()]
    assert [str(p) for p in problems.sorted()] == [
        "fleet/etcdir: symlink points outside the fleet directory; refusing to follow it"
    ]


def test_check_staged_json_names_the_unstaged_files(tmp_path: Path, run_cli: RunCli) -> None:
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4))
    assert run_cli("render", cwd=repo.path).code == 0
    repo.repo.git.add("fleet")
    result = run_cli("render", "--check", "--staged", "--format", "json", cwd=repo.path)
    assert result.code == 1, result.err
    document = json.loads(result.out)
    # west overrides its replicas: only east's Deployment changes.
    assert document["changed"] == [".kfedgen/manifest.json", "east/web/deployment.apps_api.yaml"]
    assert document["unstaged"] == document["changed"]
    # The work tree alone is current: the plain check passes.
    assert run_cli("render", "--check", cwd=repo.path).code == 0


def test_verbose_diff_is_against_the_staged_content(tmp_path: Path, run_cli: RunCli) -> None:
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4))
    repo.repo.git.add("fleet")
    (repo.path / "rendered/east/web/deployment.apps_api.yaml").write_text("hand edit\n")
    result = run_cli("render", "--check", "--staged", "-v", cwd=repo.path)
    assert result.code == 1
    assert "-  replicas: 2\n+  replicas: 4\n" in result.out
    assert "hand edit" not in result.out
    assert "run 'kfedgen render' and 'git add rendered'" in result.err


def test_render_staged_renders_what_is_staged(tmp_path: Path, run_cli: RunCli) -> None:
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4))
    repo.repo.git.add("fleet")
    repo.write("fleet/apps.yaml", apps_yaml(replicas=9))  # not staged
    result = run_cli("render", "--staged", "--exit-code", cwd=repo.path)
    assert result.code == 1, result.err
    deployment = (repo.path / "rendered/east/web/deployment.apps_api.yaml").read_text()
    assert "replicas: 4" in deployment
    assert "fleet/apps.yaml: has unstaged changes; using what is staged" in result.err
    assert "stage the rendered files: git add rendered" in result.err
    repo.repo.git.add("rendered")
    again = run_cli("render", "--staged", "--exit-code", cwd=repo.path)
    assert again.code == 0, again.err


def test_staged_needs_a_repository_and_a_merged_index(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "plain" / "fleet").mkdir(parents=True)
    outside = run_cli("render", "--check", "--staged", cwd=tmp_path / "plain")
    assert outside.code == 2
    assert "is not inside a git repository" in outside.err
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    git_cli = repo.repo.git
    git_cli.checkout("-b", "other")
    repo.write("fleet/apps.yaml", apps_yaml(replicas=5))
    repo.commit("five")
    git_cli.checkout("main")
    repo.write("fleet/apps.yaml", apps_yaml(replicas=6))
    repo.commit("six")
    merge = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "merge", "other"],
        cwd=repo.path,
        capture_output=True,
        check=False,
    )
    assert merge.returncode != 0  # a conflict
    conflicted = run_cli("render", "--check", "--staged", cwd=repo.path)
    assert conflicted.code == 2
    assert "unresolved merge conflicts (fleet/apps.yaml)" in conflicted.err


def test_a_symlink_staged_in_the_output_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    (repo.path / "rendered" / "east" / "link.yaml").symlink_to("/etc/passwd")
    repo.repo.git.add("rendered")
    result = run_cli("render", "--check", "--staged", cwd=repo.path)
    assert result.code == 2
    assert "rendered/east/link.yaml is staged as a symlink" in result.err


def test_validate_staged_judges_the_staged_fleet(tmp_path: Path, run_cli: RunCli) -> None:
    """``validate --staged`` reads the fleet from the index, whatever the work tree holds."""
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    repo.write("fleet/apps.yaml", invalid_apps_yaml())
    repo.repo.git.add("fleet")
    repo.write("fleet/apps.yaml", apps_yaml())  # the work tree is fixed, the index is not
    validate = ("validate", "--kube-version", "1.30")
    assert run_cli(*validate, cwd=repo.path).code == 0
    staged = run_cli(*validate, "--staged", cwd=repo.path)
    assert staged.code == 2, staged.err
    assert staged.err.count("containerPort: expected an integer, got a string") == 2
    repo.repo.git.add("fleet")
    assert run_cli(*validate, "--staged", cwd=repo.path).code == 0
    repo.write("fleet/apps.yaml", invalid_apps_yaml())  # not staged: not this commit's
    assert run_cli(*validate, "--staged", cwd=repo.path).code == 0
    assert run_cli(*validate, cwd=repo.path).code == 2


def test_validate_staged_outside_a_repository(tmp_path: Path, run_cli: RunCli) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    result = run_cli("validate", "--staged", cwd=plain)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "git" in result.err
