"""Tests for the per-stage profile (bench/profile.py) and the runner's --profile, on real kfedgen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import generate, run
from bench import profile as stage_profile
from tests.conftest import snapshot

PROFILER = Path(stage_profile.__file__)


def _profile(fleet: Path, out: Path, *extra: str) -> dict[str, float]:
    report = out.parent / f"{out.name}-profile.json"
    argv = [sys.executable, str(PROFILER), "--fleet", str(fleet), "--out", str(out), *extra]
    subprocess.run([*argv, "--json", str(report)], check=True, cwd=fleet.parent)
    seconds: dict[str, float] = json.loads(report.read_text(encoding="utf-8"))
    return seconds


def test_profile_times_each_stage_of_a_real_render(tmp_path: Path) -> None:
    gen = generate.generate(4, 9, tmp_path / "g", seed=1)
    out = tmp_path / "g" / "rendered"
    full = _profile(gen.fleet_dir, out)
    # The profiled render is a real one: the same tree the CLI writes.
    cli_out = tmp_path / "g" / "cli-rendered"
    subprocess.run(
        [sys.executable, "-m", "kfedgen", "render", "-f", str(gen.fleet_dir), "-o", str(cli_out)],
        check=True,
        capture_output=True,
        cwd=tmp_path / "g",
    )
    assert snapshot(out) == snapshot(cli_out)

    for stage in ("parse YAML", "validate, build spec", "materialize", "emit", "write new tree"):
        assert full[stage] > 0, stage
    top_level = [v for k, v in full.items() if not k.startswith(" ") and k != stage_profile.TOTAL]
    assert sum(top_level) == pytest.approx(full[stage_profile.TOTAL])

    noop = _profile(gen.fleet_dir, out)
    assert "write new tree" not in noop  # nothing to write
    # Nothing changed: the compile cache and the stat cache answer, nothing is compiled.
    assert noop["confirm the tree from the caches"] > 0
    assert "parse YAML" not in noop
    check = _profile(gen.fleet_dir, out, "--check")
    assert check["confirm the tree from the caches"] > 0
    (gen.fleet_dir / "extra.yaml").write_text("# a new input file: compile again\n")
    check = _profile(gen.fleet_dir, out, "--check")
    assert check["compare with disk"] > 0
    assert set(stage_profile.ordered_labels()) >= full.keys() | check.keys()


def test_runner_profile_and_fresh_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "results.json"
    argv = ["--sizes", "3", "--objects", "6", "--no-kustomize", "--repeat", "2", "--profile"]
    argv += ["--workdir", "work", "--json", str(results)]  # relative to where the runner runs
    assert run.main(argv) == 0
    payload: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    (result,) = payload["results"]
    assert result["errors"] == []
    assert set(result["profile"]) == {"full", "no-op", "check"}
    assert result["profile"]["full"]["emit"] > 0
    assert result["fs_create_us"] > 0
    # Each full render went into a directory of its own; none was deleted in between.
    work = tmp_path / "work" / "3x6"
    assert snapshot(work / "rendered-2").keys() == snapshot(work / "rendered").keys()
    # The profiled full render (after the one-object change) matches the CLI's.
    assert snapshot(work / "rendered-profile") == snapshot(work / "rendered")
    out = capsys.readouterr().out
    assert "[3x6] time per stage, ms" in out
    assert "validate, build spec" in out
    assert "file system: µs to create a file" in out
    assert len(list((work / "fs-probe").iterdir())) == run.FS_PROBE_FILES


def test_warm_up_lets_python_write_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    record = tmp_path / "env.txt"
    code = f"import os; open({str(record)!r}, 'w').write(os.environ.get('PYTHONDONTWRITEBYTECODE', '-'))"
    run.warm_up([sys.executable, "-c", code], tmp_path)
    assert record.read_text() == "-"
    run.warm_up([str(tmp_path / "no-such-kfedgen")], tmp_path)  # best effort: no exception


def test_profile_of_a_one_object_change_accounts_for_the_diff(tmp_path: Path) -> None:
    gen = generate.generate(4, 9, tmp_path / "g", seed=1)
    out = tmp_path / "g" / "rendered"
    _profile(gen.fleet_dir, out)
    model = generate.build_model(4, 9, seed=1)
    run.change_one_object(gen.fleet_dir, run.pick_changed_object(model))
    changed = _profile(gen.fleet_dir, out)
    # The stat cache answers the diff, and its time is a stage of its own, not "other".
    assert changed["diff from the stat cache"] > 0
    assert changed["write in place (journal)"] > 0
    top_level = [
        v for k, v in changed.items() if not k.startswith(" ") and k != stage_profile.TOTAL
    ]
    assert sum(top_level) == pytest.approx(changed[stage_profile.TOTAL])


def test_profile_lets_python_write_bytecode(tmp_path: Path) -> None:
    # A shell that forbids bytecode would make every profiled import compile from source.
    gen = generate.generate(2, 3, tmp_path / "g", seed=1)
    argv = [sys.executable, str(PROFILER), "--fleet", str(gen.fleet_dir), "--out", "rendered"]
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pyc"),
    }
    subprocess.run(argv, check=True, cwd=gen.fleet_dir.parent, env=env, capture_output=True)
    assert list((tmp_path / "pyc").rglob("cli.*.pyc")), "kfedgen.cli was not written as bytecode"
