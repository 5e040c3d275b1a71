"""Building the new tree: a forked child building half the clusters gives the tree one process gives."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from kfedgen.backend import beside, staging
from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.staging import build
from kfedgen.backend.treestamp import stat_of
from kfedgen.backend.write import compare, write
from kfedgen.errors import OutputError
from tests.backend.test_treestamp import PATHS, _write
from tests.conftest import snapshot

needs_fork = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="building in two processes needs os.fork"
)


def _tree(version: str) -> OutputTree:
    """40 clusters (more than a child is forked for), two namespaces each, and a root file."""
    files = {
        f"c{number:03d}/{namespace}/cm_{name}.yaml": f"{version} {number} {name}\n".encode()
        for number in range(40)
        for namespace in ("team-a", "team-b")
        for name in ("x", "y")
    }
    # Unchanged between versions: carried into the new tree by hard link.
    files.update(
        {f"c{number:03d}/namespace_team-a.yaml": b"kind: Namespace\n" for number in range(40)}
    )
    files["kustomization.yaml"] = f"# {version}\n".encode()
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


def _output_with_foreign_files(root: Path) -> tuple[Path, OutputTree]:
    """An output holding the old tree plus a user's files; and the new tree to build."""
    output = root / "rendered"
    write(output, _tree("old"))
    (output / "c003" / "README.md").write_bytes(b"mine\n")
    (output / "c004" / "notes").mkdir()  # an empty foreign directory
    (output / "top-level.txt").write_bytes(b"also mine\n")
    return output, _tree("new")


def _built(output: Path, new: OutputTree, name: str, processes: int) -> tuple[Path, dict[str, str]]:
    diff = compare(output, new)
    target = output.parent / name
    return target, build(target, output, new, diff, processes=processes)


def _built_alike(
    root: Path, breaking: Callable[[], object] = lambda: None
) -> tuple[Path, Path, dict[str, str]]:
    """Build the new tree in one process, then (after ``breaking``) in two: they must match.

    The output, the tree two processes built, and the stats of the files they created.
    """
    output, new = _output_with_foreign_files(root)
    alone, created_alone = _built(output, new, "alone", processes=1)
    breaking()
    shared, created_shared = _built(output, new, "shared", processes=2)
    assert snapshot(shared) == snapshot(alone)
    assert sorted(created_shared) == sorted(created_alone)
    # Every created file is in the stat cache's view as it is on disk.
    assert {path: stat_of(os.lstat(shared / path)) for path in created_shared} == created_shared
    return output, shared, created_shared


@needs_fork
def test_two_processes_build_the_tree_one_builds(tmp_path: Path) -> None:
    output, shared, created = _built_alike(tmp_path)
    assert (shared / "c004" / "notes").is_dir()
    # The carried files are links to the old tree's.
    old = {path: os.lstat(output / path).st_ino for path in snapshot(output)}
    carried = {path for path in snapshot(shared) if path not in created}
    assert carried == {
        *(f"c{n:03d}/namespace_team-a.yaml" for n in range(40)),
        "c003/README.md",
        "top-level.txt",
    }
    assert all(os.lstat(shared / path).st_ino == old[path] for path in carried)


@needs_fork
def test_a_child_that_fails_halfway_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent, create, written = os.getpid(), staging._create_file, [0]

    def failing_in_the_child(path: str, content: bytes) -> str:
        written[0] += 1
        if os.getpid() != parent and written[0] > 10:  # some of its files are on disk
            raise OSError(28, "No space left on device", path)
        return create(path, content)

    _built_alike(
        tmp_path, lambda: monkeypatch.setattr(staging, "_create_file", failing_in_the_child)
    )


@needs_fork
def test_a_child_that_cannot_be_forked_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process_to_spare() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    _built_alike(tmp_path, lambda: monkeypatch.setattr(os, "fork", no_process_to_spare))


@needs_fork
def test_a_failing_half_here_stops_the_child_first(tmp_path: Path) -> None:
    marker = tmp_path / "written by the child"

    def theirs() -> None:
        time.sleep(0.5)
        marker.write_bytes(b"too late\n")

    def ours() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        beside.in_halves(theirs, ours)
    time.sleep(1.0)  # long enough for a child left running to write its marker
    assert not marker.exists()


@needs_fork
def test_what_the_child_returns_comes_back() -> None:
    halves = beside.in_halves(lambda: {"pid": os.getpid(), "names": ["a", "b\udcff"]}, os.getpid)
    assert halves.done and halves.ours == os.getpid()
    theirs: Any = halves.theirs
    assert theirs["names"] == ["a", "b\udcff"] and theirs["pid"] != os.getpid()


@needs_fork
def test_a_child_that_dies_is_reported_not_raised() -> None:
    halves = beside.in_halves(lambda: os.kill(os.getpid(), 9), lambda: "mine")
    assert halves == beside.Halves("mine", None, False)


def test_few_clusters_are_built_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork(*_args: object) -> None:
        raise AssertionError("a tree of two clusters was built in two processes")

    monkeypatch.setattr(staging, "in_halves", no_fork)
    files = {"a/x.yaml": b"x\n", "b/y.yaml": b"y\n"}
    tree = OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})
    write(tmp_path / "rendered", tree)
    assert snapshot(tmp_path / "rendered") == tree.files


@needs_fork
@settings(max_examples=25, deadline=None)
@given(PATHS, PATHS)
def test_any_tree_is_built_alike_in_one_process_or_two(old: list[str], new: list[str]) -> None:
    import tempfile  # noqa: PLC0415 - a fresh directory per example, not per test

    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch, "rendered")
        output.mkdir()
        _write(output, old)  # on disk: foreign files, some where the new tree has files
        # The bytes _write gives: a path in both trees is adopted (carried as a link).
        files = {path: path.encode() for path in _write(Path(scratch, "plan"), new)}
        tree = OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})
        try:
            diff = compare(output, tree)
        except OutputError:  # a manifest of the user's own that is not one: never built
            return
        if diff.conflicts:
            return  # write refuses these before building anything
        built = {}
        for processes in (1, 2):
            target = Path(scratch, f"built-{processes}")
            created = build(target, output, tree, diff, processes=processes)
            built[processes] = (snapshot(target), sorted(created))
        assert built[1] == built[2]
