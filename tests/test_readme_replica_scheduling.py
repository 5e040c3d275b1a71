"""The README's "Replica scheduling" examples are real output of the example fleet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunCli

SECTION = (ROOT / "README.md").read_text().split("## Replica scheduling\n", 1)[1].split("\n## ")[0]


def example_fleet(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "fleet", tmp_path / "fleet")
    shutil.copytree(ROOT / "overlays", tmp_path / "overlays")
    shutil.copytree(ROOT / "rendered", tmp_path / "rendered")
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("plan",),
        ("explain", "FederatedDeployment/shop/checkout"),
        ("explain", "Deployment/shop/nginx", "--cluster", "cluster1"),
    ],
)
def test_readme_shows_real_output(run_cli: RunCli, tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli(*args, cwd=example_fleet(tmp_path))
    assert result.code == 0, result.err
    assert f"$ kfedgen {' '.join(args)}\n{result.out}" in SECTION


def test_readme_shows_the_unknown_object_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("explain", "FederatedDeployment/shop/checkot", cwd=example_fleet(tmp_path))
    assert result.code == 2
    assert f"$ kfedgen explain FederatedDeployment/shop/checkot\n{result.err}" in SECTION


def test_readme_drain_walkthrough(run_cli: RunCli, tmp_path: Path) -> None:
    directory = example_fleet(tmp_path)
    fleet = directory / "fleet" / "fleet.yaml"
    server = "      server: https://F6E5D4C3B2A1.yl4.ap-northeast-1.eks.amazonaws.com\n"
    assert f" {server[1:]}+      schedulable: false\n" in SECTION
    fleet.write_text(fleet.read_text().replace(server, server + "      schedulable: false\n"))
    check = run_cli("render", "--check", cwd=directory)
    assert check.code == 1
    plan = run_cli("plan", cwd=directory)
    assert f"$ kfedgen render --check\n{check.out}{check.err}$ kfedgen plan\n{plan.out}" in SECTION


def test_readme_json_row_is_the_first_row_of_the_plan(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", "--format", "json", cwd=example_fleet(tmp_path))
    first = json.loads(result.out)["rows"][0]
    shown = SECTION.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(shown) == first
    assert list(json.loads(shown)) == list(first)
