"""Crash safety: a render killed at any moment leaves the old tree or the new one, never a mix.

A fleet of 200 clusters x 20 objects (4,401 files) is rendered in two versions
into separate directories first: those are the only two trees the output may
ever hold.  Renders are then SIGKILLed after seeded random delays; after each
kill the output must equal one snapshot exactly, and the next render must
succeed on its own and leave no ``.<output>.kfedgen-*`` directories behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kfedgen.backend.write import output_lock, recover
from kfedgen.errors import OutputError
from tests.conftest import snapshot
from tests.fleets import write_versioned_fleet

CLUSTERS = 200
OBJECTS = 20
KILLS = 5
SEED = 20240607


def render_command(workdir: Path, fleet: Path) -> list[str]:
    return [sys.executable, "-m", "kfedgen", "-C", str(workdir), "render", "-f", str(fleet)]


def render(workdir: Path, fleet: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        render_command(workdir, fleet), capture_output=True, text=True, check=False, timeout=120
    )


def leftovers(workdir: Path) -> list[str]:
    return sorted(p.name for p in workdir.iterdir() if ".kfedgen-" in p.name)


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, bytes]]]:
    """Fleet version -> (fleet directory, the exact tree it renders to)."""
    base = tmp_path_factory.mktemp("crash")
    result = {}
    for version in ("old", "new"):
        fleet = write_versioned_fleet(base / f"fleet-{version}", version, CLUSTERS, OBJECTS)
        snap = base / f"snapshot-{version}"
        snap.mkdir()
        completed = render(snap, fleet)
        assert completed.returncode == 0, completed.stderr
        result[version] = (fleet, snapshot(snap / "rendered"))
    assert len(result["old"][1]) == CLUSTERS * (OBJECTS + 2) + 1
    assert result["old"][1] != result["new"][1]
    return result


def test_sigkill_leaves_old_or_new_tree(
    versions: dict[str, tuple[Path, dict[str, bytes]]], tmp_path: Path
) -> None:
    trees = {version: tree for version, (_, tree) in versions.items()}
    workdir = tmp_path / "repo"
    workdir.mkdir()
    assert render(workdir, versions["old"][0]).returncode == 0
    started = time.monotonic()
    assert render(workdir, versions["new"][0]).returncode == 0
    # A render that replaces every file of a tree, start-up included: the
    # kills fall anywhere in it (or just after it).
    duration = time.monotonic() - started
    current = "new"
    rng = random.Random(SEED)
    for _ in range(KILLS):
        target = "new" if current == "old" else "old"
        process = subprocess.Popen(
            render_command(workdir, versions[target][0]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.0, duration * 1.1))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        on_disk = snapshot(workdir / "rendered")
        assert on_disk in trees.values(), (
            f"a killed render left a tree that is neither old nor new ({len(on_disk)} files)"
        )
        # The next render recovers by itself: stale staging is removed, the tree completed.
        completed = render(workdir, versions[target][0])
        assert completed.returncode == 0, completed.stderr
        assert snapshot(workdir / "rendered") == trees[target]
        assert leftovers(workdir) == []
        current = target


def test_concurrent_renders_are_serialised(
    versions: dict[str, tuple[Path, dict[str, bytes]]], tmp_path: Path
) -> None:
    workdir = tmp_path / "repo"
    workdir.mkdir()
    trees = [tree for _, tree in versions.values()]
    for _ in range(1):
        processes = [
            subprocess.Popen(
                render_command(workdir, fleet),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for fleet, _ in versions.values()
        ]
        for process in processes:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        assert snapshot(workdir / "rendered") in trees
        assert leftovers(workdir) == []


def test_a_render_waits_for_the_lock(
    versions: dict[str, tuple[Path, dict[str, bytes]]], tmp_path: Path
) -> None:
    """Another process holding the output lock delays a render; it never writes alongside."""
    workdir = tmp_path / "repo"
    workdir.mkdir()
    hold = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from kfedgen.backend.write import output_lock\n"
        "with output_lock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(1.5)\n"
    )
    command = [sys.executable, "-c", hold, str(workdir / "rendered")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with (
            pytest.raises(OutputError, match=r"another kfedgen is rendering into .*rendered"),
            output_lock(workdir / "rendered", timeout=0.2),
        ):
            pass  # pragma: no cover - the lock is held
        started = time.monotonic()
        completed = render(workdir, versions["old"][0])
        assert completed.returncode == 0, completed.stderr
        waited = time.monotonic() - started
        assert holder.wait(timeout=30) == 0
    assert waited > 0.5
    assert snapshot(workdir / "rendered") == versions["old"][1]


def test_recover_restores_the_old_tree_after_a_half_done_fallback_swap(tmp_path: Path) -> None:
    """Without renameat2 the swap is two renames; a kill between them leaves only '-old-'."""
    output = tmp_path / "rendered"
    old = tmp_path / ".rendered.kfedgen-old-4242"
    (old / "c1").mkdir(parents=True)
    (old / "c1" / "kustomization.yaml").write_text("old\n")
    staging = tmp_path / ".rendered.kfedgen-new-4242"
    (staging / "c1").mkdir(parents=True)
    (staging / "c1" / "kustomization.yaml").write_text("new, but maybe incomplete\n")
    with output_lock(output):
        recover(output)
    assert snapshot(output) == {"c1/kustomization.yaml": b"old\n"}
    assert leftovers(tmp_path) == []
