"""The diff from the stat cache alone equals the file-by-file comparison, or is not given."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.knowndiff import known_diff
from kfedgen.backend.statcache import StatCache, cache_dir, load_header
from kfedgen.backend.treestamp import listing
from kfedgen.backend.write import compare, write

BASE = {f"c{i}/ns/file{j}.yaml": f"{i}-{j}\n".encode() for i in range(3) for j in range(5)}


def tree(files: dict[str, bytes]) -> OutputTree:
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


@pytest.fixture
def output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KFEDGEN_CACHE_DIR", str(tmp_path / "caches"))
    output = tmp_path / "rendered"
    write(output, tree(BASE))
    # Past the racy window: the stat cache's reference is its own mtime.
    time.sleep(0.01)
    write(output, tree(BASE))
    (cache_dir(output) / "stat").touch()  # type: ignore[operator]
    return output


def stats_of(output: Path) -> StatCache:
    return StatCache.load(cache_dir(output), output)


def test_equals_the_full_comparison(output: Path) -> None:
    changed = {**BASE, "c0/ns/file0.yaml": b"new\n", "c7/ns/x.yaml": b"x\n"}
    del changed["c2/ns/file4.yaml"]
    known = known_diff(output, tree(changed).digests, stats_of(output))
    assert known is not None
    assert known == compare(output, tree(changed), stats_of(output))
    assert known.added == ["c7/ns/x.yaml"]
    assert known.stale == ["c2/ns/file4.yaml"]


@pytest.mark.parametrize("change", ["foreign file", "empty directory", "edit", "same-size edit"])
def test_any_change_on_disk_means_no_answer(output: Path, change: str) -> None:
    path = output / "c1" / "ns" / "file1.yaml"
    if change == "foreign file":
        (output / "c1" / "README.md").write_text("mine\n")
    elif change == "empty directory":
        (output / "c1" / "keep").mkdir()
    elif change == "edit":
        path.write_text("edited by hand\n")
    else:  # the same size and the mtime put back: the ctime still tells
        status = path.lstat()
        path.write_text("1-9\n")
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert known_diff(output, tree(BASE).digests, stats_of(output)) is None


def test_an_added_file_in_the_way_of_a_file_on_disk_means_no_answer(output: Path) -> None:
    blocked = {**BASE, "c0/ns/file0.yaml/below.yaml": b"x\n", "c0/ns": b"x\n"}
    assert known_diff(output, tree(blocked).digests, stats_of(output)) is None
    assert compare(output, tree(blocked), stats_of(output)).conflicts


def test_an_in_place_write_after_it_updates_the_tree_digest(
    output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kfedgen.backend import statcache  # noqa: PLC0415

    def never(*_: object) -> str:
        raise AssertionError("the header hashed every entry again")

    changed = {**BASE, "c0/ns/file0.yaml": b"new\n", "c7/ns/x.yaml": b"x\n"}
    del changed["c2/ns/file4.yaml"]
    with monkeypatch.context() as patched:
        # Only the directories the write touched are hashed: the header takes that digest.
        patched.setattr(statcache, "signature_of", never)
        write(output, tree(changed))
    header = load_header(cache_dir(output), output)
    found = listing(output)
    assert header is not None and found is not None
    assert header.signature == found.signature
    stats = stats_of(output)
    assert stats.complete_for == tree(changed).digests[MANIFEST_PATH]
    assert {p: e[:64] for p, e in stats.entries.items()} == tree(changed).digests
    # Over every file the cache holds, the manifest (written last) included.
    newest = max(os.lstat(output / path).st_mtime_ns for path in tree(changed).files)
    assert header.newest_ns == newest
