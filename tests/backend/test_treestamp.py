"""The tree digest: the one a cache computes from recorded stats equals the disk's, until anything changes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.backend import treestamp
from kfedgen.backend.treestamp import Listing, listing, signature_of, stat_of

# Path parts as kfedgen writes them (cluster, namespace, file) plus a few a user might add.
PART = st.sampled_from(["c001", "c002", "team-a", "_cluster", ".kfedgen", "a b", "x\nnl", "é"])
FILE = st.sampled_from(["manifest.json", "deployment.apps_web.yaml", "cm_x.yaml", "z"])
PATHS = st.lists(
    st.tuples(st.lists(PART, max_size=3), FILE).map(lambda t: "/".join([*t[0], t[1]])),
    min_size=1,
    max_size=12,
    unique=True,
)


def _write(root: Path, paths: list[str]) -> list[str]:
    """Write ``paths`` (a path that is also another's directory is left out); the files."""
    written: list[str] = []
    for path in sorted(paths, key=len):
        if any(path.startswith(f"{done}/") for done in written):
            continue
        if any(other.startswith(f"{path}/") for other in paths):
            continue
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.encode())
        written.append(path)
    return written


@contextlib.contextmanager
def _listed(paths: list[str]) -> Iterator[tuple[Path, list[str], Listing]]:
    """A scratch output tree of ``paths``: its root, its files and its listing."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch, "out")
        root.mkdir()
        files = _write(root, paths)
        found = listing(root)
        assert found is not None
        yield root, files, found


def _recorded(root: Path, files: list[str]) -> str:
    return signature_of((path, stat_of(os.lstat(root / path))) for path in files)


@settings(max_examples=60, deadline=None)
@given(PATHS)
def test_the_recorded_tree_and_the_disk_agree(paths: list[str]) -> None:
    with _listed(paths) as (root, files, found):
        signature, listed = found.signature, found.files
        assert sorted(listed) == sorted(files)
        assert signature == _recorded(root, files)


def _edit_same_size(root: Path, path: str) -> None:
    content = (root / path).read_bytes()
    (root / path).write_bytes(bytes(reversed(content)) + b"")
    before = os.lstat(root / path)
    os.utime(root / path, ns=(before.st_atime_ns, before.st_mtime_ns))


CHANGES: dict[str, Callable[[Path, str], None]] = {
    "a file edited in place, same size, mtime kept": _edit_same_size,
    "a file removed": lambda root, path: (root / path).unlink(),
    "a foreign file added beside it": lambda root, path: (root / path).with_name("new").touch(),
    "an empty directory added": lambda root, path: (root / path).with_name("empty").mkdir(),
    "a file replaced by a symlink to itself": lambda root, path: _symlink_over(root / path),
    "a file's mode changed": lambda root, path: (root / path).chmod(0o600),
    "a file renamed": lambda root, path: _rename(root / path),
}


def _rename(source: Path) -> None:
    source.rename(source.with_name("moved"))


def _symlink_over(target: Path) -> None:
    kept = target.with_name("kept")
    target.rename(kept)
    target.symlink_to(kept.name)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_to_the_tree_changes_the_digest(tmp_path: Path, change: str) -> None:
    root = tmp_path / "out"
    root.mkdir()
    files = _write(root, ["c001/team-a/cm_x.yaml", "c001/team-a/z", ".kfedgen/manifest.json"])
    recorded = _recorded(root, files)
    found = listing(root)
    assert found is not None and found.signature == recorded
    CHANGES[change](root, "c001/team-a/cm_x.yaml")
    found = listing(root)
    assert found is not None and found.signature != recorded


def test_a_tree_it_cannot_read_has_no_digest(tmp_path: Path) -> None:
    assert listing(tmp_path / "missing") is None
    (tmp_path / "file").write_bytes(b"")
    assert listing(tmp_path / "file") is None


def _prefix_free(paths: list[str]) -> list[str]:
    """``paths`` without those that are an earlier one's directory, or below it."""
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(f"{k}/") or k.startswith(f"{path}/") for k in kept):
            kept.append(path)
    return kept


@settings(max_examples=100, deadline=None)
@given(PATHS, PATHS, st.data())
def test_an_updated_digest_equals_the_one_of_the_changed_tree(
    paths: list[str], new: list[str], data: st.DataObject
) -> None:
    with _listed(paths) as (root, files, found):
        recorded = {path: stat_of(os.lstat(root / path)) for path in files}
    # Each file is kept, edited (a new stat) or removed; new paths are added where they fit.
    changes: dict[str, str | None] = {}
    for path in files:
        fate = data.draw(st.sampled_from(["kept", "edited", "removed"]))
        if fate != "kept":
            changes[path] = None if fate == "removed" else "1:2:3:4"
    remaining = [path for path in files if changes.get(path, "") is not None]
    for path in _prefix_free([*remaining, *new]):
        if path not in remaining:
            changes[path] = "5:6:7:8"
    final = {**recorded, **changes}
    expected = signature_of((path, text) for path, text in final.items() if text is not None)
    # In any order: a directory emptied by one change may be filled again by another.
    order = data.draw(st.permutations(sorted(changes)))
    assert found.updated({path: changes[path] for path in order}) == expected


def _many_clusters(root: Path) -> None:
    """More cluster directories than a child is forked for, with what a user may leave there."""
    for number in range(40):
        cluster = root / f"c{number:03d}"
        (cluster / "team-a").mkdir(parents=True)
        (cluster / "team-a" / "cm_x.yaml").write_bytes(b"x")
        (cluster / "manifest.json").write_bytes(b"{}")
    (root / "c005" / "empty").mkdir()
    (root / "c006" / "team-a" / "a b\nnl é").write_bytes(b"odd")
    (root / "c041").symlink_to("c001")
    (root / "top.txt").write_bytes(b"")
    if os.name == "posix":  # a name that is not UTF-8, as a user's tool may write
        (root / "c007" / os.fsdecode(b"\xff-latin")).touch()


def _listed_alone(root: Path) -> Listing:
    """:func:`_many_clusters` under ``root``, listed in this process alone."""
    _many_clusters(root)
    found = listing(root, processes=1)
    assert found is not None
    return found


def _same(one: Listing, other: Listing) -> None:
    assert one.signature == other.signature
    assert one.texts == other.texts and one.digests == other.digests
    assert sorted(one.files) == sorted(other.files)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="listing in a second process needs os.fork")
def test_two_processes_list_the_tree_one_lists(tmp_path: Path) -> None:
    _many_clusters(tmp_path)
    alone, shared = listing(tmp_path, processes=1), listing(tmp_path, processes=2)
    assert alone is not None and shared is not None
    _same(alone, shared)
    assert "c005/empty/" in alone.texts and "c007/\udcff-latin" in alone.files


@pytest.mark.skipif(not hasattr(os, "fork"), reason="listing in a second process needs os.fork")
def test_a_child_that_fails_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _listed_alone(tmp_path)
    parent = os.getpid()
    walk = treestamp._walk

    def failing_in_the_child(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            raise MemoryError("the child ran out of memory")
        return walk(*args, **kwargs)

    monkeypatch.setattr(treestamp, "_walk", failing_in_the_child)
    found = listing(tmp_path, processes=2)
    assert found is not None
    _same(found, expected)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="listing in a second process needs os.fork")
def test_a_mount_the_child_finds_means_no_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_clusters(tmp_path)
    parent = os.getpid()
    walk = treestamp._walk

    def finding_a_mount_in_the_child(*args: Any, **kwargs: Any) -> Any:
        return None if os.getpid() != parent else walk(*args, **kwargs)

    monkeypatch.setattr(treestamp, "_walk", finding_a_mount_in_the_child)
    assert listing(tmp_path, processes=2) is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="listing beside work needs os.fork")
@pytest.mark.parametrize("child", ["lists", "fails", "finds a mount", "cannot be forked"])
def test_a_listing_beside_work_is_the_listing(
    child: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _listed_alone(tmp_path)
    parent = os.getpid()
    walk = treestamp._walk

    def walking(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent and child == "fails":
            raise MemoryError("the child ran out of memory")
        if os.getpid() != parent and child == "finds a mount":
            return None
        return walk(*args, **kwargs)

    monkeypatch.setattr(treestamp, "_walk", walking)
    if child == "cannot be forked":
        monkeypatch.setattr(treestamp, "may_fork", lambda: False)
    found, done = treestamp.listing_beside(tmp_path, os.getpid)
    assert done == parent  # the work ran here, in this process
    if child == "finds a mount":
        assert found is None
    else:
        assert found is not None
        _same(found, expected)
