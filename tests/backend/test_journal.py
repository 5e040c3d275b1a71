"""The in-place write: which changes take it, what it leaves, and the caches after it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.journal import Journal, in_place, journal_path
from kfedgen.backend.statcache import StatCache, cache_dir, load_header
from kfedgen.backend.treestamp import listing
from kfedgen.backend.write import compare, settle, write
from kfedgen.errors import OutputError
from tests.conftest import snapshot

BASE = {f"c{i}/ns/file{j}.yaml": f"{i}-{j}\n".encode() for i in range(4) for j in range(10)}


def tree(files: dict[str, bytes]) -> OutputTree:
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


@pytest.fixture(autouse=True)
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KFEDGEN_CACHE_DIR", str(tmp_path / "caches"))
    return tmp_path / "caches"


def test_a_small_change_is_written_in_place(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    inodes = {path: (output / path).lstat().st_ino for path in BASE}
    changed = {**BASE, "c0/ns/file0.yaml": b"new\n", "c9/new/x.yaml": b"x\n"}
    del changed["c3/ns/file9.yaml"]
    assert in_place(output, len(tree(changed).files), compare(output, tree(changed)))
    diff = write(output, tree(changed))
    assert diff.added == ["c9/new/x.yaml"]
    assert diff.stale == ["c3/ns/file9.yaml"]
    assert snapshot(output) == tree(changed).files
    # Only the changed file has a new inode: nothing else was relinked or rewritten.
    kept = {p: (output / p).lstat().st_ino for p in BASE if p in changed}
    assert {p for p in kept if kept[p] != inodes[p]} == {"c0/ns/file0.yaml"}
    assert not journal_path(output).exists()


def test_the_stat_cache_is_complete_and_exact_after_an_in_place_write(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    changed = {**BASE, "c1/ns/file1.yaml": b"changed\n"}
    del changed["c2/ns/file2.yaml"]
    write(output, tree(changed))
    directory = cache_dir(output)
    stats = StatCache.load(directory, output)
    new = tree(changed)
    assert stats.complete_for == new.digests[MANIFEST_PATH]
    assert set(stats.entries) == set(new.files)
    for path, digest in new.digests.items():
        status = (output / path).lstat()
        # The rename changed the ctime of the renamed file: the entry is taken after it.
        assert stats.entries[path].startswith(digest)
        assert stats.recorded_size(path) == status.st_size
        assert stats.confirms(path, status, digest) or status.st_mtime_ns >= (
            stats.reference_ns or 0
        )
    # The tree digest equals the disk's: a no-op render need not read any file.
    header = load_header(directory, output)
    found = listing(output)
    assert header is not None and found is not None
    assert header.signature == found.signature


def test_a_large_change_rebuilds_the_tree(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    inode = output.lstat().st_ino
    everything = dict.fromkeys(BASE, b"other\n")
    assert not in_place(output, len(tree(everything).files), compare(output, tree(everything)))
    write(output, tree(everything))
    assert snapshot(output) == tree(everything).files
    assert output.lstat().st_ino != inode  # swapped in whole


def test_a_lost_manifest_rebuilds_the_tree(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    (output / MANIFEST_PATH).unlink()
    changed = {**BASE, "c0/ns/file0.yaml": b"new\n"}
    assert not in_place(output, len(tree(changed).files), compare(output, tree(changed)))


def test_a_read_only_directory_takes_the_rebuild(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write any directory; os.access says so")
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    (output / "c0" / "ns").chmod(0o555)
    changed = {**BASE, "c0/ns/file0.yaml": b"new\n"}
    try:
        assert not in_place(output, len(tree(changed).files), compare(output, tree(changed)))
        write(output, tree(changed))
        assert snapshot(output) == tree(changed).files
        assert (output / "c0" / "ns").stat().st_mode & 0o777 == 0o555
    finally:
        (output / "c0" / "ns").chmod(0o755)


def test_settle_refuses_a_journal_that_would_write_through_a_symlink(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    outside = tmp_path / "outside"
    outside.mkdir()
    (output / "c7").symlink_to(outside)
    staging = tmp_path / ".rendered.kfedgen-stage-1"
    staging.mkdir()
    (staging / "0").write_bytes(b"x\n")
    journal_path(output).write_bytes(Journal(staging.name, (("0", "c7/x.yaml"),), (), "").encode())
    with pytest.raises(OutputError, match=r"c7 is not a directory"):
        settle(output)
    assert list(outside.iterdir()) == []
    assert journal_path(output).exists()  # kept: the render is completed once the link is gone
    (output / "c7").unlink()
    settle(output)
    assert (output / "c7" / "x.yaml").read_bytes() == b"x\n"
    assert not staging.exists()


def test_a_journal_for_an_output_removed_since_is_discarded(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    staging = tmp_path / ".rendered.kfedgen-stage-1"
    staging.mkdir()
    (staging / "0").write_bytes(b"x\n")
    journal_path(output).write_bytes(Journal(staging.name, (("0", "c0/x.yaml"),), (), "").encode())
    shutil.rmtree(output)
    settle(output)
    assert not output.exists()
    assert not journal_path(output).exists()
    assert not staging.exists()
    write(output, tree(BASE))
    assert snapshot(output) == tree(BASE).files
