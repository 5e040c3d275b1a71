"""bench/feasibility.py: both fleets render, to the same tree, and the ratios are printed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench import feasibility


def test_it_renders_both_fleets_and_prints_the_ratios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--clusters", "3", "--objects", "4", "--repeat", "1", "--workdir", str(tmp_path)]
    assert feasibility.main(args) == 0
    out = capsys.readouterr().out
    assert "3 clusters x 4 objects, 1 renders each" in out
    assert "rendered trees identical: yes" in out
    assert out.count("ratio") == 2
    inventory = yaml.safe_load((tmp_path / "compute" / "fleet" / "inventory.yaml").read_text())
    entry = inventory["spec"]["clusters"][0]
    assert set(entry) >= {"kubernetesVersion", "apis", "provides", "compute"}
    assert [p["name"] for p in entry["compute"]["nodePools"]] == ["general", "gpu"]
    plain = yaml.safe_load((tmp_path / "plain" / "fleet" / "inventory.yaml").read_text())
    assert "compute" not in plain["spec"]["clusters"][0]


def test_a_ratio_above_the_limit_fails(tmp_path: Path) -> None:
    args = ["--clusters", "2", "--objects", "2", "--workdir", str(tmp_path)]
    assert feasibility.main([*args, "--repeat", "1", "--max-ratio", "0.01"]) == 1
