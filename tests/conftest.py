"""Shared fixtures: run the real CLI, compare and snapshot trees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kfedgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    # kfedgen's caches (kfedgen/backend/statcache.py) go to a directory of this run, not
    # to the user's ~/.cache: tests render into temporary directories outside any repository.
    if "KFEDGEN_CACHE_DIR" not in os.environ:
        os.environ["KFEDGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="kfedgen-test-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the expected trees of the golden tests instead of comparing.",
    )


@dataclass
class Result:
    code: int
    out: str
    err: str


RunCli = Callable[..., Result]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Iterator[RunCli]:
    """Run ``kfedgen ARGS`` in-process through the real entry point, in a directory."""

    def run(*args: str | Path, cwd: Path | None = None) -> Result:
        previous = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            capsys.readouterr()
            code = main([str(a) for a in args])
            captured = capsys.readouterr()
        finally:
            os.chdir(previous)
        return Result(code, captured.out, captured.err)

    yield run


def run_subprocess(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run ``python -m kfedgen ARGS`` as a separate process (real console entry point)."""
    completed = subprocess.run(
        [sys.executable, "-m", "kfedgen", *[str(a) for a in args]],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` with its bytes (relative POSIX paths)."""
    if not directory.exists():
        return {}
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def copy_fleet(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def kubectl_available() -> bool:
    return shutil.which("kubectl") is not None
