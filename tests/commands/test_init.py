"""``kfedgen init``: a scaffold that renders, passes the tools each of its files is for,
and is never written over existing files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kfedgen import __version__
from kfedgen.commands.init import scaffold
from tests.conftest import RunCli

REPO_ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def repo(tmp_path: Path, run_cli: RunCli) -> Path:
    """A scaffolded repository, rendered."""
    result = run_cli("init", "demo", cwd=tmp_path)
    assert result.code == 0, result.err
    rendered = run_cli("render", "--strict", cwd=tmp_path / "demo")
    assert rendered.code == 0, rendered.err
    return tmp_path / "demo"


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed (pip install -e '.[test]' brings it)")
        return found
    return str(path)


def test_init_writes_a_whole_repository(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("init", "demo", cwd=tmp_path)
    assert result.code == 0, result.err
    written = sorted(
        p.relative_to(tmp_path / "demo").as_posix()
        for p in (tmp_path / "demo").rglob("*")
        if p.is_file()
    )
    assert written == [
        ".github/workflows/kfedgen.yml",
        ".pre-commit-config.yaml",
        ".yamllint",
        "README.md",
        "fleet/fleet.yaml",
        "fleet/hello.yaml",
        "fleet/namespace.yaml",
        "overlays/west-annotations.yaml",
    ]
    assert result.err.splitlines()[0] == "created demo/.github/workflows/kfedgen.yml"
    assert "{{version}}" not in "".join(scaffold().values())


def test_scaffold_renders_with_its_overlay(repo: Path) -> None:
    west = yaml.safe_load((repo / "rendered/west/hello/deployment.apps_hello.yaml").read_text())
    east = yaml.safe_load((repo / "rendered/east/hello/deployment.apps_hello.yaml").read_text())
    assert west["spec"]["replicas"] == 3  # the KubeFed override
    assert west["metadata"]["annotations"] == {"example.com/region": "us-west-2"}  # the overlay
    assert east["spec"]["replicas"] == 2
    assert "annotations" not in east["metadata"]


def test_pre_commit_config_is_valid_and_uses_kfedgens_hooks(repo: Path) -> None:
    config = repo / ".pre-commit-config.yaml"
    checked = subprocess.run(
        [tool("pre-commit"), "validate-config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (entry,) = yaml.safe_load(config.read_text())["repos"]
    assert entry["repo"] == "https://github.com/kfedgen/kfedgen"
    assert entry["rev"] == f"v{__version__}"
    ours = {
        hook["id"] for hook in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    assert {hook["id"] for hook in entry["hooks"]} <= ours
    (validate,) = [hook for hook in entry["hooks"] if hook["id"] == "kfedgen-validate"]
    assert validate["args"] == ["--kube-version", "1.30"]


def test_the_scaffold_is_valid_for_the_kubernetes_version_it_names(
    repo: Path, run_cli: RunCli
) -> None:
    result = run_cli("validate", "--kube-version", "1.30", cwd=repo)
    assert result.code == 0, result.err
    assert "against Kubernetes 1.30: 0 problems" in result.err


def test_workflow_is_valid_and_uses_this_release_of_the_action(repo: Path) -> None:
    workflow = repo / ".github/workflows/kfedgen.yml"
    checked = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    steps = yaml.safe_load(workflow.read_text())["jobs"]["kfedgen"]["steps"]
    action = {"uses": f"kfedgen/kfedgen@v{__version__}", "with": {"kube-version": "1.30"}}
    assert action in steps
    # The action has the input the scaffold sets.
    assert set(action["with"]) <= set(
        yaml.safe_load((REPO_ROOT / "action.yml").read_text())["inputs"]
    )


def test_yamllint_accepts_the_fleet_and_kfedgens_output(repo: Path) -> None:
    linted = subprocess.run(
        [tool("yamllint"), "--strict", "--format", "parsable", "."],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert (repo / "rendered/_argocd/root.yaml").exists()  # the output was linted too


def test_yamllint_config_still_finds_real_problems(repo: Path) -> None:
    (repo / "fleet/broken.yaml").write_text("a: 1\na: 2\nb:   [x,y]\n")
    linted = subprocess.run(
        [tool("yamllint"), "--format", "parsable", "fleet/broken.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 1
    assert "(key-duplicates)" in linted.stdout
    assert "(commas)" in linted.stdout


def test_init_refuses_to_overwrite(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text("mine\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 2
    assert "fleet/fleet.yaml already exists; kfedgen init does not overwrite files" in result.err
    assert (tmp_path / "fleet" / "fleet.yaml").read_text() == "mine\n"
    assert not (tmp_path / ".pre-commit-config.yaml").exists()  # nothing written at all
