"""Run one child process and measure it: wall time, exit code, peak RSS, end of stderr.

Shared by the benchmark runner and the peers stage (``bench/peers/``).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

STDERR_TAIL_LINES: Final = 8


@dataclass
class ProcResult:
    """Outcome of one timed child process."""

    argv: list[str]
    returncode: int
    seconds: float
    maxrss_kib: int  # peak resident set of this child (Linux reports KiB)
    stderr_tail: str = ""
    # user + system CPU of the child and the descendants it waited for: steadier than the
    # wall time on a shared machine, and it counts every worker of a parallel tool
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the command exited 0."""
        return self.returncode == 0


def run_timed(
    argv: Sequence[str],
    cwd: Path,
    stdout: Path | None = None,
    timeout: float = 600.0,
) -> ProcResult:
    """Run ``argv`` and return its wall time, exit code and peak RSS.

    ``os.wait4`` gives the rusage of exactly this child; ``RUSAGE_CHILDREN`` would be the
    maximum over every child the runner ever reaped, which hides smaller later runs.
    A missing executable is reported as exit code 127, a timeout as -9 (killed).
    """
    out_target = stdout if stdout is not None else Path(os.devnull)
    with tempfile.TemporaryFile() as err, out_target.open("wb") as out:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err)
        except OSError as exc:
            return ProcResult(list(argv), 127, 0.0, 0, f"cannot start: {exc}")
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        killer = threading.Timer(timeout, kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # e.g. Ctrl-C: do not leave the child running
            proc.kill()
            proc.wait()
            raise
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        # Tell Popen the child is reaped, so it neither waits again nor warns on __del__.
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()[-STDERR_TAIL_LINES:]
    if timed_out.is_set():
        lines.append(f"timed out after {timeout:g} s and was killed")
    cpu = usage.ru_utime + usage.ru_stime
    return ProcResult(list(argv), proc.returncode, seconds, usage.ru_maxrss, "\n".join(lines), cpu)
