"""Run kfedgen as an ordinary user, or in a private mount namespace, from the tests.

The tests run as root in CI containers and as a developer elsewhere; the
output-tree tests need both an unprivileged render (read-only directories,
owners it may not set) and real mounts (which need a mount namespace).  Both
are real processes: ``setpriv`` drops root, ``unshare`` makes a namespace whose
mounts vanish with it, so a failed test never leaves a mount behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOBODY = 65534
KFEDGEN = [sys.executable, "-m", "kfedgen"]


def _environment(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home)}


@contextlib.contextmanager
def shared_directory() -> Iterator[Path]:
    """A temporary directory an unprivileged user can reach (pytest's tmp_path is 0700)."""
    directory = Path(tempfile.mkdtemp(prefix="kfedgen-test-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        os.chown(directory, NOBODY, NOBODY)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def as_ordinary_user(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` as this user, or as ``nobody`` when the tests run as root."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv (util-linux) is missing to drop privileges")
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        probe = _run([*prefix, *KFEDGEN, "--version"], cwd)
        if probe.returncode != 0:
            pytest.skip(f"nobody cannot run this checkout's kfedgen: {probe.stderr[-300:]}")
    return _run([*prefix, *command], cwd)


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=_environment(cwd),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def in_mount_namespace(
    script: str, cwd: Path, ordinary_user: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a shell ``script`` in a private mount namespace (``$KFEDGEN`` runs kfedgen).

    As root the namespace is a plain ``unshare --mount``.  An ordinary user
    (this one, or ``nobody`` with ``ordinary_user`` when the tests run as root)
    gets one inside a user namespace (``--user --map-root-user``), where
    mounting a tmpfs or a bind mount needs no privileges on the host.  Skips
    with the reason when the kernel or the container forbids it.
    """
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed: cannot make a mount namespace")
    namespace = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0 or ordinary_user:
        namespace[1:1] = ["--user", "--map-root-user"]
    if os.geteuid() == 0 and ordinary_user:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv (util-linux) is missing to drop privileges")
        namespace[:0] = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    probe = _run([*namespace, "sh", "-c", "mount -t tmpfs kfedgen-probe /tmp"], cwd)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount in a private namespace here: {probe.stderr.strip()}")
    probe = _run([*namespace, *KFEDGEN, "--version"], cwd)
    if probe.returncode != 0:
        pytest.skip(f"this checkout's kfedgen cannot run in the namespace: {probe.stderr[-300:]}")
    kfedgen = " ".join(KFEDGEN)
    return _run([*namespace, "sh", "-c", f"set -u\nKFEDGEN='{kfedgen}'\n{script}"], cwd)
