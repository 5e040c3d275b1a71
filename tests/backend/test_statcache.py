"""The stat cache: unchanged files are not read, hand edits are still found (racy rule)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.ownership import compare
from kfedgen.backend.statcache import (
    CACHE_ENV,
    STAT_FILE,
    Header,
    StatCache,
    cache_dir,
    load_header,
)
from kfedgen.backend.write import write
from tests.conftest import RunCli
from tests.fleets import write_versioned_fleet


def tree(files: dict[str, bytes]) -> OutputTree:
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


def _lie(output: Path, path: str, rendered: OutputTree, reference_ns: int) -> StatCache:
    """A stat cache saying the file at ``path``, as it is now, holds what ``rendered`` has.

    That is exactly the state an edit in the same clock tick as the cache leaves:
    the stat the cache recorded, other bytes.
    """
    stats = StatCache(reference_ns=reference_ns)
    stats.record(path, os.lstat(output / path), rendered.digests[path])
    return stats


def _edited(tmp_path: Path) -> tuple[Path, OutputTree, int]:
    """An output whose a/x.yaml was edited (same size) after the render; its mtime."""
    output = tmp_path / "rendered"
    rendered = tree({"a/x.yaml": b"x: 1\n"})
    write(output, rendered)
    (output / "a/x.yaml").write_bytes(b"x: 2\n")
    return output, rendered, os.lstat(output / "a/x.yaml").st_mtime_ns


def test_a_confirmed_file_is_not_read(tmp_path: Path) -> None:
    output, rendered, mtime = _edited(tmp_path)
    # The cache vouches for the file's current stat: compare believes it, unread.
    stats = _lie(output, "a/x.yaml", rendered, reference_ns=mtime + 1)
    assert "a/x.yaml" in compare(output, rendered, stats).unchanged


def test_racily_clean_files_are_read(tmp_path: Path) -> None:
    """git's rule: a file not older than the cache itself may have changed unseen."""
    output, rendered, mtime = _edited(tmp_path)
    for reference in (mtime, mtime - 1):
        stats = _lie(output, "a/x.yaml", rendered, reference_ns=reference)
        assert compare(output, rendered, stats).changed == ["a/x.yaml"]


def test_racy_rule_end_to_end(tmp_path: Path, run_cli: RunCli) -> None:
    """The cache file's own mtime is the reference, as the index's is for git."""
    fleet = write_versioned_fleet(tmp_path / "fleet", "v1", clusters=2, objects=2)
    output = tmp_path / "rendered"
    assert run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path).code == 0
    victim = next(output.glob("c000/shop/*.yaml"))
    relative = victim.relative_to(output).as_posix()
    expected = victim.read_bytes()
    # A same-size edit whose stat the cache records (as an edit in the cache's tick would be).
    victim.write_bytes(expected.replace(b"v1", b"v9"))
    directory = cache_dir(output)
    assert directory is not None
    stats = StatCache.load(directory, output)
    stats.record(relative, os.lstat(victim), stats.digest(relative))
    stats.save(directory)
    mtime = os.lstat(victim).st_mtime_ns
    os.utime(directory / STAT_FILE, ns=(mtime, mtime))  # written in the same tick
    result = run_cli("render", "--check", "-f", fleet, "-o", output, cwd=tmp_path)
    assert result.code == 1
    assert f"changed: {output.as_posix()}/{relative}" in result.out


@pytest.mark.parametrize("how", ["in place", "new file renamed over it"])
def test_same_size_hand_edit_in_the_same_second_is_found(
    tmp_path: Path, run_cli: RunCli, how: str
) -> None:
    fleet = write_versioned_fleet(tmp_path / "fleet", "v1", clusters=2, objects=2)
    output = tmp_path / "rendered"
    assert run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path).code == 0
    assert run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path).code == 0  # cache warm
    victim = next(output.glob("c001/shop/*.yaml"))
    before = os.lstat(victim)
    edited = victim.read_bytes().replace(b"v1", b"v2")
    if how == "in place":
        with victim.open("r+b") as stream:
            stream.write(edited)
    else:
        (victim.parent / "tmp").write_bytes(edited)
        (victim.parent / "tmp").rename(victim)
    # Same size, and the mtime put back: only ctime (and the inode) tell.
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.lstat(victim).st_size == before.st_size
    relative = victim.relative_to(output).as_posix()
    result = run_cli("render", "--check", "-f", fleet, "-o", output, cwd=tmp_path)
    assert (result.code, result.out) == (1, f"changed: {output.as_posix()}/{relative}\n")
    result = run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path)
    assert "1 changed" in result.err
    assert b"v2" not in victim.read_bytes()


def test_corrupt_stat_cache_only_costs_time(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = write_versioned_fleet(tmp_path / "fleet", "v1", clusters=2, objects=2)
    output = tmp_path / "rendered"
    assert run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path).code == 0
    directory = cache_dir(output)
    assert directory is not None
    victim = next(output.glob("c000/shop/*.yaml"))
    victim.write_bytes(victim.read_bytes().replace(b"v1", b"v3"))
    for garbage in (b"", b'{"version": 2, "manifest": null, "files": []}', b"\xff\xfe"):
        (directory / STAT_FILE).write_bytes(garbage)
        assert StatCache.load(directory, output).entries == {}
        result = run_cli("render", "--check", "-f", fleet, "-o", output, cwd=tmp_path)
        assert result.code == 1


def test_cache_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    plain = cache_dir(tmp_path / "rendered")
    assert plain is not None and plain.parent == tmp_path / "xdg" / "kfedgen"
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    inside = cache_dir(repo / "rendered")
    assert inside is not None and inside.parent == repo / ".git" / "kfedgen"
    # A worktree's .git is a file naming its git directory.
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {repo}/.git/worktrees/wt\n")
    worktree = cache_dir(tmp_path / "wt" / "rendered")
    assert worktree is not None and worktree.parent == repo / ".git" / "worktrees/wt/kfedgen"
    assert cache_dir(repo / "other") != inside, "one cache per output directory"
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir(repo / "rendered") is None


def test_caches_in_a_repository_are_never_committed(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write_versioned_fleet(repo / "fleet", "v1", clusters=2, objects=2)
    assert run_cli("render", "-f", "fleet", "-o", "rendered", cwd=repo).code == 0
    assert sorted(p.name for p in (repo / ".git" / "kfedgen").iterdir())
    assert not (repo / "rendered" / ".kfedgen" / STAT_FILE).exists()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "kfedgen/" not in status.replace("rendered/.kfedgen/manifest.json", "")


@pytest.fixture
def shm_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache directory on another file system than ``tmp_path`` (tmpfs), as KFEDGEN_CACHE_DIR."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.lstat(shm).st_dev == os.lstat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system")
    elsewhere = Path(tempfile.mkdtemp(dir=shm))
    monkeypatch.setenv(CACHE_ENV, str(elsewhere))
    try:
        yield elsewhere
    finally:
        shutil.rmtree(elsewhere)


def test_a_cache_on_another_device_trusts_no_stat(tmp_path: Path, shm_cache: Path) -> None:
    """Without an output clock (a cache saved by --check, never stamped by a render)."""
    output, rendered, mtime = _edited(tmp_path)
    directory = tmp_path / "cache"
    _lie(output, "a/x.yaml", rendered, reference_ns=mtime + 1).save(directory)
    assert StatCache.load(directory, output).reference_ns is not None  # same device here
    _lie(output, "a/x.yaml", rendered, reference_ns=mtime + 1).save(shm_cache)
    stats = StatCache.load(shm_cache, output)
    assert stats.reference_ns is None and stats.entries
    assert compare(output, rendered, stats).changed == ["a/x.yaml"]


def test_a_render_gives_a_cache_on_another_device_the_output_clock(
    tmp_path: Path, run_cli: RunCli, shm_cache: Path
) -> None:
    """The output directory's ctime, set by the render, is the reference: stats are trusted."""
    fleet = write_versioned_fleet(tmp_path / "fleet", "v1", clusters=2, objects=2)
    output = tmp_path / "rendered"
    assert run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path).code == 0
    before = os.lstat(output)
    assert run_cli("render", "-f", fleet, "-o", output, cwd=tmp_path).code == 0
    after = os.lstat(output)
    assert (after.st_mtime_ns, after.st_mode) == (before.st_mtime_ns, before.st_mode)
    directory = cache_dir(output)
    assert directory is not None and directory.parent == shm_cache
    stats = StatCache.load(directory, output)
    assert stats.clock == (after.st_dev, after.st_ctime_ns)
    assert stats.reference_ns == after.st_ctime_ns
    header = load_header(directory, output)
    assert header is not None and header.vouches_for(stats.complete_for or "") is not None
    # Trusted stats still see a same-size edit whose mtime was put back (ctime changed).
    victim = next(output.glob("c001/shop/*.yaml"))
    status = os.lstat(victim)
    victim.write_bytes(victim.read_bytes().replace(b"v1", b"v7"))
    os.utime(victim, ns=(status.st_atime_ns, status.st_mtime_ns))
    result = run_cli("render", "--check", "-f", fleet, "-o", output, cwd=tmp_path)
    assert (result.code, result.out) == (1, f"changed: {victim.as_posix()}\n")


def test_an_output_clock_of_another_device_is_not_trusted(tmp_path: Path, shm_cache: Path) -> None:
    output, rendered, mtime = _edited(tmp_path)
    device = os.lstat(output).st_dev
    for clock, trusted in (((device, mtime + 1), True), ((device + 1, mtime + 1), False)):
        stats = _lie(output, "a/x.yaml", rendered, reference_ns=0)
        stats.clock = clock
        stats.save(shm_cache)  # no stamp: --check keeps the clock it loaded
        loaded = StatCache.load(shm_cache, output)
        assert loaded.reference_ns == (mtime + 1 if trusted else None)
        assert (compare(output, rendered, loaded).changed == []) is trusted


def test_the_header_vouches_only_for_a_complete_cache_older_than_its_reference() -> None:
    digest = "d" * 64
    good = Header(complete_for=digest, signature="s", newest_ns=10, reference_ns=11)
    assert good.vouches_for(digest) == "s"
    assert good.vouches_for("e" * 64) is None  # another manifest
    for racy in (10, 9):  # the newest file is not older than the reference
        assert dataclasses.replace(good, reference_ns=racy).vouches_for(digest) is None
    assert dataclasses.replace(good, reference_ns=None).vouches_for(digest) is None
    assert dataclasses.replace(good, complete_for=None).vouches_for(digest) is None


def test_a_corrupt_header_is_not_believed(tmp_path: Path) -> None:
    output, rendered, mtime = _edited(tmp_path)
    directory = tmp_path / "cache"
    _lie(output, "a/x.yaml", rendered, reference_ns=mtime + 1).save(directory)
    header, _, body = (directory / STAT_FILE).read_bytes().partition(b"\n")
    assert load_header(directory, output) is not None
    flipped = header.replace(b'"newest": null', b'"newest": 1')
    assert flipped != header
    (directory / STAT_FILE).write_bytes(flipped + b"\n" + body)
    assert load_header(directory, output) is None
    assert StatCache.load(directory, output).entries == {}


def _bases(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(f"{STAT_FILE}."))


def _stats_of(count: int) -> StatCache:
    stats = StatCache(reference_ns=1)
    for index in range(count):
        stats.record_text(f"c{index}/x.yaml", f"{index}:1:2:{index}", f"{index:064x}")
    return stats


def test_a_small_change_writes_only_the_changes(tmp_path: Path) -> None:
    output, directory = tmp_path / "rendered", tmp_path / "cache"
    output.mkdir()
    _stats_of(3000).save(directory)
    [base] = _bases(directory)
    before = base.lstat()
    stats = StatCache.load(directory, output)
    stats.record_text("c1/x.yaml", "9:9:9:9", "f" * 64)
    stats.forget("c2/x.yaml")
    stats.record_text("new/x.yaml", "8:8:8:8", "e" * 64)
    expected = dict(stats.entries)
    stats.save(directory)
    # The base file is untouched (the same inode and mtime): only the stat file changed.
    assert _bases(directory) == [base]
    assert (base.lstat().st_ino, base.lstat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert StatCache.load(directory, output).entries == expected
    # Changes accumulate against the same base, until they are many: then a new base.
    again = StatCache.load(directory, output)
    for index in range(3, 3000, 3):
        again.record_text(f"c{index}/x.yaml", "7:7:7:7", "d" * 64)
    again.save(directory)
    [rebased] = _bases(directory)
    assert rebased != base
    assert StatCache.load(directory, output).entries == again.entries


@pytest.mark.parametrize("damage", ["base flipped", "base missing", "changes flipped"])
def test_a_damaged_part_of_the_cache_empties_it(tmp_path: Path, damage: str) -> None:
    output, directory = tmp_path / "rendered", tmp_path / "cache"
    output.mkdir()
    _stats_of(10).save(directory)
    stats = StatCache.load(directory, output)
    stats.record_text("c1/x.yaml", "9:9:9:9", "f" * 64)
    stats.save(directory)
    [base] = _bases(directory)
    if damage == "base missing":
        base.unlink()
    elif damage == "base flipped":
        content = bytearray(base.read_bytes())
        content[len(content) // 2] ^= 1
        base.write_bytes(bytes(content))
    else:
        raw = (directory / STAT_FILE).read_bytes()
        (directory / STAT_FILE).write_bytes(raw.replace(b"9:9:9:9", b"9:9:9:8"))
    assert load_header(directory, output) is not None  # the no-op's first line still reads
    assert StatCache.load(directory, output).entries == {}
