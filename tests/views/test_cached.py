"""A render or check the caches answer imports no compile stage; a miss compiles as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fleets import write_versioned_fleet

# Modules only a compile needs: the pipeline and the stages it runs.
COMPILE_MODULES = ("kfedgen.pipeline", "kfedgen.frontends.spec", "kfedgen.backend.emit")


def _kfedgen(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the real entry point; what it printed, and every kfedgen module it imported."""
    command = [sys.executable, "-X", "importtime", "-m", "kfedgen", *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    imported = {
        line.rpartition("|")[2].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return result, {name for name in imported if name.startswith("kfedgen")}


def test_a_cache_hit_imports_no_compile_stage(tmp_path: Path) -> None:
    fleet = write_versioned_fleet(tmp_path / "fleet", "v1", clusters=3, objects=2)
    args = ("-f", str(fleet), "-o", "rendered")
    first, imported = _kfedgen(tmp_path, "render", *args)
    assert first.returncode == 0, first.stderr
    assert set(COMPILE_MODULES) <= imported
    for command in (("render", *args), ("render", "--check", *args)):
        again, imported = _kfedgen(tmp_path, *command)
        assert again.returncode == 0, again.stderr
        assert "rendered is up to date" in again.stderr
        assert imported.isdisjoint(COMPILE_MODULES)
    # An edited output file is a miss: compiled and compared, and reported as before.
    victim = next((tmp_path / "rendered").glob("c001/shop/*.yaml"))
    victim.write_bytes(victim.read_bytes() + b"# edited\n")
    check, imported = _kfedgen(tmp_path, "render", "--check", *args)
    relative = victim.relative_to(tmp_path).as_posix()
    assert (check.returncode, check.stdout) == (1, f"changed: {relative}\n")
    assert "kfedgen.pipeline" in imported
