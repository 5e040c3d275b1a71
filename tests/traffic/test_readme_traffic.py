"""The README's "Traffic follows the plan" examples are real output of tests/golden/traffic."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import GOLDEN, ROOT, RunCli
from tests.gitutil import FleetRepo

SECTION = (
    (ROOT / "README.md").read_text().split("## Traffic follows the plan\n", 1)[1].split("\n## ")[0]
)
SHA = re.compile(r"main \([0-9a-f]{7}\)")


def test_readme_shows_the_real_plan(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(GOLDEN / "traffic" / "fleet", tmp_path / "fleet")
    result = run_cli("plan", cwd=tmp_path)
    assert result.code == 0, result.err
    assert f"$ kfedgen plan\n{result.out}```" in SECTION


def test_readme_shows_the_real_drain_diff(run_cli: RunCli, tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    shutil.copytree(GOLDEN / "traffic" / "fleet", repo.path / "fleet")
    assert run_cli("render", cwd=repo.path).code == 0
    repo.commit("the traffic example")
    shutil.copy(GOLDEN / "traffic-drained" / "fleet" / "fleet.yaml", repo.path / "fleet")
    result = run_cli("diff", "--base", "main", cwd=repo.path)
    assert result.code == 1, result.err
    prompt = "$ kfedgen diff --base main | sed -n '/^Summary/,$p'\n"
    shown = SECTION.split(prompt, 1)[1].split("```", 1)[0]
    summary = result.out[result.out.index("Summary of ") :]
    assert SHA.sub("main", summary) == SHA.sub("main", shown)


def test_the_drained_example_differs_from_the_example_by_the_drain_only() -> None:
    before = (GOLDEN / "traffic" / "fleet" / "fleet.yaml").read_text().splitlines()
    after = (GOLDEN / "traffic-drained" / "fleet" / "fleet.yaml").read_text().splitlines()
    added = [line for line in after if line not in before]
    assert [line.split("#")[0].strip() for line in added if not line.startswith("#")] == [
        "schedulable: false"
    ]
    assert (GOLDEN / "traffic" / "fleet" / "web.yaml").read_bytes() == (
        GOLDEN / "traffic-drained" / "fleet" / "web.yaml"
    ).read_bytes()
