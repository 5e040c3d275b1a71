"""Shared fixtures: run the real CLI, compare and snapshot trees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kfedgen.cli import main
from kfedgen.errors import InvalidInput
from kfedgen.load import SourceFile
from kfedgen.pipeline import Compilation, Options, compile_sources

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared"


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


INVENTORY = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
metadata: {name: test}
spec:
  clusters:
    - {name: east, labels: {region: us-east-1, env: prod}}
    - {name: west, labels: {region: us-west-2, env: prod, tier: edge}}
    - {name: lab, labels: {region: eu-central-1, env: dev}}
"""


def sources(**files: str) -> list[SourceFile]:
    """In-memory fleet files (``name_yaml="..."`` becomes ``name.yaml``), sorted like the loader."""
    return [
        SourceFile(f"fleet/{name.replace('_yaml', '.yaml')}", text.encode())
        for name, text in sorted(files.items())
    ]


def compile_text(**files: str) -> Compilation:
    """Compile in-memory fleet files; ``inventory_yaml`` defaults to :data:`INVENTORY`."""
    files.setdefault("inventory_yaml", INVENTORY)
    return compile_sources(sources(**files), Options())


def compile_problems(**files: str) -> list[str]:
    """The messages of an invalid fleet (``file:line:col: path: message``)."""
    with pytest.raises(InvalidInput) as caught:
        compile_text(**files)
    return [str(p) for p in caught.value.problems if p.is_error]
