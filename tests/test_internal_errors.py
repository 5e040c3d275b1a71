"""Exit code 3: an internal error is a short message and where to report it, never a dump."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kfedgen.pipeline
from kfedgen.cli import BUG_URL, EXIT_INTERNAL
from tests.conftest import ROOT, RunCli, snapshot


def broken_build_spec(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the spec builder fell over")


@pytest.fixture
def workdir(tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example fleet, rendered once, then a pipeline stage that crashes."""
    shutil.copytree(ROOT / "fleet", tmp_path / "fleet")
    assert run_cli("render", cwd=tmp_path).code == 0
    monkeypatch.setattr(kfedgen.pipeline, "build_spec", broken_build_spec)
    # The crash is patched in memory, where the compile cache (keyed by kfedgen's files
    # on disk) cannot see it: without caches, the stage runs and fails.
    monkeypatch.setenv("KFEDGEN_CACHE_DIR", "")
    return tmp_path


@pytest.mark.parametrize("command", [["render"], ["render", "--check"], ["validate"]])
def test_internal_error_is_short_and_says_where_to_report(
    command: list[str], workdir: Path, run_cli: RunCli
) -> None:
    before = snapshot(workdir / "rendered")
    result = run_cli(*command, cwd=workdir)
    assert result.code == EXIT_INTERNAL == 3
    assert "Traceback" not in result.err
    assert "kfedgen: internal error: RuntimeError: the spec builder fell over" in result.err
    assert BUG_URL in result.err
    assert "--debug" in result.err
    assert len(result.err.splitlines()) <= 3
    assert result.out == ""
    assert snapshot(workdir / "rendered") == before


def test_debug_shows_the_traceback(workdir: Path, run_cli: RunCli) -> None:
    result = run_cli("--debug", "render", cwd=workdir)
    assert result.code == 3
    assert "Traceback (most recent call last)" in result.err
    assert "in broken_build_spec" in result.err
    assert BUG_URL in result.err


def test_debug_does_not_stick_to_later_runs(workdir: Path, run_cli: RunCli) -> None:
    assert "Traceback" in run_cli("--debug", "render", cwd=workdir).err
    assert "Traceback" not in run_cli("render", cwd=workdir).err


def test_invalid_input_is_not_an_internal_error(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text("kind: [\n")
    result = run_cli("--debug", "render", cwd=tmp_path)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
