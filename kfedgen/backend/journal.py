"""Small changes written in place, through a journal that the next command rolls forward.

Rebuilding the whole tree beside the output and swapping it in costs one
``link`` per file, so a render that changes 667 files of 52,860 paid for all
52,860.  When few files change, the new and changed files are instead written
as complete files into a staging directory beside the output (same file
system), then a **journal** — one checksummed file naming every rename and
unlink to perform and the digest of the new manifest — is renamed into place:
that rename is the commit.  The journal is then applied: each staged file is
renamed to its path, removed files are unlinked, directories they emptied are
removed, the ownership manifest is renamed last, and the journal is deleted.

A render killed before the journal is in place leaves the old tree (the
staging directory is removed by the next command); one killed after it leaves
a journal, and every kfedgen command that reads or writes the output applies
it first, under the output lock (:func:`kfedgen.backend.write.settle`).  Every
step of the application can be repeated: a staged file that is gone was
already renamed.  A journal whose checksum does not match was never committed
(it cannot be: it is written under another name and renamed) and means the old
tree: it is discarded with the staged files.

Which renders take this path is :func:`in_place`'s rule;
:mod:`kfedgen.backend.write` calls it under the output lock.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kfedgen.backend.outtree import MANIFEST_PATH, path_problem
from kfedgen.backend.ownership import TreeDiff
from kfedgen.backend.statcache import StatCache
from kfedgen.backend.treestamp import stat_of
from kfedgen.errors import OutputError
from kfedgen.interrupts import commit_point

_VERSION = 1
_PREFIX = "kfedgen-"
# At most this share of the new tree's files written or removed in place (see in_place).
IN_PLACE_FRACTION = 0.25


def journal_path(output: Path) -> Path:
    """Where the journal of ``output`` is, while one exists: beside the output directory."""
    return output.parent / f".{output.name}.{_PREFIX}journal"


def staging_path(output: Path) -> Path:
    """The staging directory of this process for ``output``."""
    return output.parent / f".{output.name}.{_PREFIX}stage-{os.getpid()}"


@dataclass(frozen=True)
class Journal:
    """What an in-place write does: staged file names to output paths, and paths to unlink.

    ``renames`` ends with the ownership manifest when it changes; ``manifest`` is the
    sha256 of the new manifest (what the tree on disk is, once applied).
    """

    staging: str  # the staging directory's name, beside the output
    renames: tuple[tuple[str, str], ...]
    unlinks: tuple[str, ...]
    manifest: str

    def encode(self) -> bytes:
        """The journal file's bytes: a checksum line, then the JSON body."""
        body = json.dumps(
            {
                "version": _VERSION,
                "staging": self.staging,
                "renames": [list(pair) for pair in self.renames],
                "unlinks": list(self.unlinks),
                "manifest": self.manifest,
            },
            separators=(",", ":"),
        ).encode("utf-8")
        return hashlib.sha256(body).hexdigest().encode() + b"\n" + body

    @classmethod
    def decode(cls, raw: bytes, output: Path) -> Journal | None:
        """The journal in ``raw``; None when torn, corrupt, another version or unsafe."""
        check, _, body = raw.partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != check:
            return None
        try:
            document = json.loads(body)
            if document["version"] != _VERSION:
                return None
            staging = str(document["staging"])
            renames = tuple((str(a), str(b)) for a, b in document["renames"])
            unlinks = tuple(str(path) for path in document["unlinks"])
            manifest = str(document["manifest"])
        except (ValueError, KeyError, TypeError):
            return None
        # A journal never names anything outside the output or its own staging directory.
        if not staging.startswith(f".{output.name}.{_PREFIX}stage-") or "/" in staging:
            return None
        paths = [target for _, target in renames] + list(unlinks)
        if any(path_problem(path) for path in paths) or any("/" in n for n, _ in renames):
            return None
        return cls(staging, renames, unlinks, manifest)


def in_place(output: Path, files: int, diff: TreeDiff) -> bool:
    """Whether ``diff`` is small enough to write in place, through a journal.

    In place, a reader that does not go through kfedgen (an editor, ``git add``)
    can see a mix of old and new files while the journal is applied, so the
    window must stay short: at most :data:`IN_PLACE_FRACTION` of the new tree's
    ``files`` are written or removed.  A missing manifest (first render, or a lost
    one) and directories this process may not write (read-only, sticky) take the
    full rebuild, which handles them.  A file that would become a directory, or
    the other way round, is a conflict (:func:`kfedgen.backend.ownership.compare`),
    refused either way.
    """
    if not diff.manifest_found or diff.conflicts:
        return False
    touched = len(diff.added) + len(diff.changed) + len(diff.stale)
    if touched > IN_PLACE_FRACTION * files:
        return False
    return can_apply(output, [*diff.added, *diff.changed, *diff.stale])


def update_stats(
    output: Path,
    digests: Mapping[str, str],
    diff: TreeDiff,
    stats: StatCache,
    written: Mapping[str, os.stat_result],
) -> None:
    """The stat cache after an in-place write: only the files it touched change.

    Unchanged files were not touched (no hard links, no swap), so their entries,
    recorded or verified by the comparison just before, still hold.  Adopted
    files are recorded as they are.  ``digests``: every file of the new tree, the
    manifest's included.
    """
    for path in diff.stale:
        stats.forget(path)
    changes: dict[str, str | None] = dict.fromkeys(diff.stale)
    for path, status in written.items():
        stat_text = changes[path] = stat_of(status)
        stats.record_text(path, stat_text, digests[path])
    for path in diff.adopted:
        with contextlib.suppress(OSError):
            stats.record(path, os.lstat(f"{os.fspath(output)}/{path}"), digests[path])
    manifest = digests[MANIFEST_PATH]
    listed, header = stats.listed, stats.header
    if listed is None or header is None or header.newest_ns is None or diff.adopted:
        stats.settle(digests, manifest)
        return
    # The diff came from the stat cache alone (kfedgen.backend.knowndiff): the entries were
    # exactly the tree on disk, and now hold exactly ``digests``, with the new stats.
    if len(stats.entries) != len(digests):
        stats.settle(digests, manifest)  # never expected; the full check decides
        return
    stats.complete_for = manifest
    newest = max([header.newest_ns, *(status.st_mtime_ns for status in written.values())])
    stats.vouch(listed.updated(changes), newest)


def write_in_place(
    output: Path,
    files: dict[str, bytes],
    writes: Sequence[str],
    removals: Sequence[str],
    manifest_digest: str,
) -> dict[str, os.stat_result]:
    """Write ``writes`` (paths in ``files``) and remove ``removals`` under ``output``, journaled.

    Returns the stat of every file written, taken after it was renamed into place
    (a rename changes the file's ctime).  Call under the output lock.
    """
    staging = staging_path(output)
    final = journal_path(output)
    temporary = final.with_name(f"{final.name}-{os.getpid()}.tmp")
    # The manifest last: until it is replaced, the tree is owned as before.
    ordered = sorted(writes, key=lambda path: path == MANIFEST_PATH)
    renames = [(str(index), path) for index, path in enumerate(ordered)]
    journal = Journal(staging.name, tuple(renames), tuple(removals), manifest_digest)
    staging.mkdir()
    try:
        for name, path in renames:
            _create(f"{staging}/{name}", files[path])
        _create(os.fspath(temporary), journal.encode())
        commit_point()  # the journal goes in: from here the new tree is what the output holds
        temporary.rename(final)
    except BaseException:
        # Not committed (a full disk, Ctrl-C): the old tree stands, the staged files go.
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        _discard(staging)
        raise
    apply(output, journal)
    finish(output, journal)
    root = os.fspath(output)
    return {path: os.lstat(f"{root}/{path}") for _, path in renames}


def roll_forward(output: Path) -> bool:
    """Apply or discard a journal an interrupted render left (call under the lock).

    True when there was one.  A journal that cannot be read back whole is one
    that was never committed: the old tree stands, and the caller removes the
    staged files with the other leftovers.
    """
    path = journal_path(output)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    journal = Journal.decode(raw, output)
    if journal is None or not output.is_dir() or output.is_symlink():
        # Torn or corrupt: never committed.  An output directory removed (or replaced)
        # since: nothing left to complete; the next render writes the tree whole.
        path.unlink()
        return True
    apply(output, journal)
    finish(output, journal)
    return True


def apply(output: Path, journal: Journal) -> None:
    """Perform ``journal``'s renames and unlinks; repeating it after a kill is harmless."""
    root = os.fspath(output)
    staging = os.fspath(output.parent / journal.staging)
    checked: set[str] = set()
    for name, path in journal.renames:
        source, target = f"{staging}/{name}", f"{root}/{path}"
        if not os.path.lexists(source):
            continue  # renamed before an interruption
        directory = path.rpartition("/")[0]
        _make_directories(root, directory, checked)
        # Plain os calls on strings here and below: this loop runs once per file.
        os.rename(source, target)  # noqa: PTH104
    for path in journal.unlinks:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{root}/{path}")  # noqa: PTH108
    _remove_emptied(root, journal.unlinks)


def finish(output: Path, journal: Journal) -> None:
    """Delete the journal, then the staging directory (now empty, unless interrupted oddly)."""
    journal_path(output).unlink()
    _discard(output.parent / journal.staging)


def _discard(staging: Path) -> None:
    """Remove a staging directory and the staged files in it (it holds nothing else)."""
    with contextlib.suppress(FileNotFoundError):
        for leftover in staging.iterdir():
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        staging.rmdir()


def _make_directories(root: str, directory: str, checked: set[str]) -> None:
    """Create ``directory`` under ``root`` if missing, refusing symlinks on the way.

    The tree was scanned for symlinks before this render, but a journal may be
    applied by a later command, after someone changed the tree: a rename through
    a symlinked directory would write outside the output.
    """
    if directory in checked or not directory:
        return
    parent = directory.rpartition("/")[0]
    _make_directories(root, parent, checked)
    full = f"{root}/{directory}"
    try:
        mode = os.lstat(full).st_mode
    except FileNotFoundError:
        Path(full).mkdir()
        mode = os.lstat(full).st_mode
    if not stat.S_ISDIR(mode):
        raise OutputError(
            f"{full} is not a directory (a symlink or a file was put there since kfedgen "
            "wrote the tree), so the interrupted render cannot be completed; remove it and "
            "run kfedgen again"
        )
    checked.add(directory)


def _remove_emptied(root: str, removed: Iterable[str]) -> None:
    """Remove the directories that removing ``removed`` left empty, deepest first.

    ``rmdir`` removes only empty directories, so nothing foreign (a file, or an
    empty directory of the user's) is ever removed with them.
    """
    directories = {path.rpartition("/")[0] for path in removed}
    for deepest in sorted(directories, key=lambda d: d.count("/"), reverse=True):
        directory = deepest
        while directory:
            try:
                Path(root, directory).rmdir()
            except FileNotFoundError:
                pass  # removed before an interruption: its parent may still be empty
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                break
            directory = directory.rpartition("/")[0]


def can_apply(output: Path, paths: Iterable[str]) -> bool:
    """Whether this process can rename and unlink ``paths`` under ``output`` in place.

    Checked before the journal is committed, so that applying it cannot fail for
    want of permission: the directory of each path (or its nearest existing
    ancestor, where the path's directory is to be created) must be a directory
    this process may write and search, and not sticky (where only a file's owner
    may replace it).  Otherwise the render rebuilds the tree beside it, which
    handles read-only directories.
    """
    root = os.fspath(output)
    seen: set[str] = set()
    for path in paths:
        directory = path.rpartition("/")[0]
        while directory not in seen:
            seen.add(directory)
            full = f"{root}/{directory}" if directory else root
            try:
                mode = os.lstat(full).st_mode
            except FileNotFoundError:
                directory = directory.rpartition("/")[0]
                continue
            if (
                not stat.S_ISDIR(mode)
                or mode & stat.S_ISVTX
                or not os.access(full, os.W_OK | os.X_OK)
            ):
                return False
            break
    return True


def _create(path: str, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)
