"""Stage 6: replace the output tree atomically, keeping everything kfedgen does not own.

A small change (see :func:`in_place`) is written in place through a journal
that the next kfedgen command rolls forward (:mod:`kfedgen.backend.journal`,
:func:`settle`).  Any other render builds the complete new tree in a sibling
directory and swaps it in with one atomic ``renameat2(RENAME_EXCHANGE)`` (two
renames where the kernel lacks it).  Either way, kfedgen's readers and crashes
only ever see the old or the new tree.  Unchanged and foreign files are never
rewritten (the swap hard-links them), and a render that changes nothing writes
nothing.  Every directory
that existed keeps its mode, owner, group and extended attributes (ACLs), the
output directory's own included.  What kfedgen owns, and what it refuses to
touch, is decided before anything is written (:mod:`kfedgen.backend.ownership`,
:mod:`kfedgen.backend.outscan`).  After a write, every file's stat goes into the
stat cache (:mod:`kfedgen.backend.statcache`), so the next render reads only the
files whose stat changed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol, TypeVar

from kfedgen.backend import journal
from kfedgen.backend.knowndiff import known_diff
from kfedgen.backend.outscan import is_mount_point, mounts_below
from kfedgen.backend.outtree import (
    MANIFEST_PATH,
    OutputTree,
    first_path_problem,
    manifest_of,
    patched_manifest,
    sha256,
)
from kfedgen.backend.ownership import TreeDiff, compare, confirm_current, conflicts_error
from kfedgen.backend.staging import build
from kfedgen.backend.statcache import StatCache, cache_dir, load_header
from kfedgen.backend.treestamp import listing, listing_beside
from kfedgen.errors import KfedgenError, OutputError
from kfedgen.interrupts import commit_point

# TreeDiff and compare are part of this stage's interface (pipeline, commands).
__all__ = [
    "TreeDiff",
    "compare",
    "confirm",
    "output_lock",
    "overlap_problem",
    "recover",
    "settle",
    "write",
    "write_changes",
]

LOCK_TIMEOUT_SECONDS = 60.0


def overlap_problem(output: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``output`` cannot be written given the input paths (None when it can).

    An output inside the fleet would be read back as fleet documents on the
    next run; a fleet inside the output would be swapped away with it.
    """
    out = output.resolve()
    for path in inputs:
        try:
            source = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop: the loader reports it
            continue
        if out == source or source in out.parents or out in source.parents:
            return (
                f"the output directory {output} overlaps the fleet path {path}; "
                "render into a directory of its own (-o)"
            )
    return None


def write(output: Path, tree: OutputTree) -> TreeDiff:
    """Make ``output`` hold exactly ``tree`` (plus foreign files), atomically.

    Raises, with nothing written, on conflicts (a foreign file where the tree
    has one), other file systems inside the output, and an output directory
    that is itself a mount point.
    """
    refused = first_path_problem(tree.files.keys())
    if refused is not None:
        raise OutputError(f"refusing to write {refused[0]!r} under {output}: {refused[1]}")
    if output.is_dir() and not output.is_symlink() and is_mount_point(output):
        raise OutputError(
            f"{output} is a mount point: kfedgen replaces the output directory by renaming "
            "it, which cannot move a mount point; render into a directory inside it "
            f"(-o {output}/NAME), or mount its parent directory instead"
        )
    try:
        with output_lock(output):
            recover(output)
            caches = cache_dir(output)
            stats = StatCache.load(caches, output)
            diff = known_diff(output, tree.digests, stats) or compare(output, tree, stats)
            if diff.conflicts:
                raise conflicts_error(output, diff)
            if diff.is_current:
                stats.settle(tree.digests, tree.digests[MANIFEST_PATH])
                if stats.dirty:  # files read because their stat changed: not again
                    stats.save(caches, stamp=output)
                return diff
            if journal.in_place(output, len(tree.files), diff):
                writes = [*diff.added, *diff.changed]
                done = journal.write_in_place(
                    output, tree.files, writes, diff.stale, tree.digests[MANIFEST_PATH]
                )
                journal.update_stats(output, tree.digests, diff, stats, done)
                stats.save(caches, stamp=output)
                return diff
            staging = _sibling(output, "new")
            try:
                created = build(staging, output, tree, diff)
                commit_point()  # the new tree goes in: Ctrl-C can no longer abort
                _swap_in(staging, output)
            finally:
                remove_tree(staging)
            record_stats(output, tree, stats, created)
            stats.save(caches, stamp=output)
            return diff
    except OSError as exc:
        raise _cannot_write(output, exc) from exc


def _cannot_write(output: Path, exc: OSError) -> OutputError:
    """The user's message for a failed write.

    Full disk, read-only file system, a file where a directory should be: the
    environment's fault, not a bug; the previous tree is untouched.
    """
    return OutputError(f"cannot write {exc.filename or output}: {exc.strerror or exc}")


def record_stats(
    output: Path,
    tree: OutputTree,
    stats: StatCache,
    created: Mapping[str, str] | None = None,
) -> None:
    """Put every file of ``tree``, as now on disk under ``output``, in the stat cache.

    ``created`` holds the stats (as :func:`stat_of` text) of files this render created,
    taken when they were written: nothing else links or writes them, so they are still
    exact.  Every other
    file is stat'ed now, after the old tree's names were removed (which changed the
    ctime of the files it shared by hard link).
    """
    root = os.fspath(output)
    digests = tree.digests
    created = created or {}
    stats.clear()
    complete = True
    for path in tree.files:
        try:
            known = created.get(path)
            if known is None:
                stats.record(path, os.lstat(f"{root}/{path}"), digests[path])
            else:
                stats.record_text(path, known, digests[path])
        except OSError:
            complete = False
    stats.complete_for = digests[MANIFEST_PATH] if complete else None


def confirm(output: Path, manifest_digest: str, lock: bool = True) -> TreeDiff | None:
    """The diff of ``output`` if it is current with the manifest ``manifest_digest``, else None.

    What a render whose compile the cache skipped does instead of writing: under
    the lock, after recovering an interrupted render (``lock=False``, for
    ``--check``: read only).  None means "not confirmed": compile and write.
    """
    caches = cache_dir(output)
    if caches is None or not output.is_dir() or output.is_symlink():
        return None
    try:
        with output_lock(output) if lock else contextlib.nullcontext():
            if lock:
                recover(output)
            header = load_header(caches, output)
            signature = header.vouches_for(manifest_digest) if header else None
            if signature is not None:
                # The common case: nothing changed since the cache was written.
                found = listing(output)
                if found is not None and found.signature == signature:
                    # Not sorted (8 ms at 50,000 files): a current tree's diff is only counted.
                    return TreeDiff(unchanged=found.files)
            stats = StatCache.load(caches, output)
            diff = confirm_current(output, manifest_digest, stats)
            if diff is not None and stats.dirty:
                stats.save(caches, stamp=output if lock else None)
            return diff
    except (OSError, KfedgenError):
        return None  # the full render says what is wrong, with its usual messages


class Changes(Protocol):
    """What a partial compile gives the writer: each changed file's bytes and sha256."""

    @property
    def contents(self) -> Mapping[str, bytes]: ...

    @property
    def digests(self) -> Mapping[str, str]: ...


CompiledChanges = TypeVar("CompiledChanges", bound=Changes)


def write_changes(
    output: Path, previous: str, compile_changes: Callable[[], CompiledChanges | None]
) -> tuple[TreeDiff, str, CompiledChanges] | None:
    """Replace some files of the tree of manifest ``previous``; None when that is not sure.

    ``compile_changes`` returns the files that replace files of the same paths (None:
    it cannot tell, and nothing is written); every other file keeps the bytes that
    manifest lists, and the new manifest says so.  Only when the stat cache is
    complete for ``previous`` and proves the tree on disk is exactly that one
    (:func:`kfedgen.backend.knowndiff.known_diff`), and the change is small enough to
    write in place through the journal, is anything written: the caller compiles the
    whole fleet otherwise.  Returns the diff, the new manifest's sha256 and what
    ``compile_changes`` returned.

    The tree is listed, under the lock, while ``compile_changes`` runs (in a forked
    child, :func:`kfedgen.backend.treestamp.listing_beside`), not after it as
    :func:`write` lists it: this write adds and removes no path, so what a listing a
    moment earlier proves is what a later one would (a file edited meanwhile by
    something other than kfedgen changes its stat, and the next command's listing
    finds it, as it would after any write).
    """
    caches = cache_dir(output)
    if caches is None or not output.is_dir() or output.is_symlink():
        return None
    try:
        with output_lock(output):
            recover(output)
            header = load_header(caches, output)
            if header is None or header.complete_for != previous:
                return None

            def loaded_and_compiled() -> tuple[StatCache, CompiledChanges | None]:
                return StatCache.load(caches, output), compile_changes()

            found, (stats, changes) = listing_beside(output, loaded_and_compiled)
            if found is None or changes is None or stats.complete_for != previous:
                return None
            tree = {path: entry[:64] for path, entry in stats.entries.items()}
            tree.update(changes.digests)
            patched = _manifest_after(output, previous, changes.digests)
            manifest = patched or manifest_of(tree, tree)
            tree[MANIFEST_PATH] = sha256(manifest)
            # A path the old tree lacks shows as added: refused with the rest.
            diff = known_diff(output, tree, stats, found)
            if diff is None or diff.added or diff.stale or diff.conflicts:
                return None
            if diff.is_current:  # the objects changed, their files did not
                return diff, tree[MANIFEST_PATH], changes
            writes = [path for path in diff.changed if path != MANIFEST_PATH]
            if not journal.in_place(output, len(tree), diff):
                return None
            files = {**{path: changes.contents[path] for path in writes}, MANIFEST_PATH: manifest}
            done = journal.write_in_place(output, files, diff.changed, (), tree[MANIFEST_PATH])
            journal.update_stats(output, tree, diff, stats, done)
            stats.save(caches, stamp=output)
            return diff, tree[MANIFEST_PATH], changes
    except OSError as exc:
        raise _cannot_write(output, exc) from exc


def _manifest_after(output: Path, previous: str, digests: Mapping[str, str]) -> bytes | None:
    """The manifest on disk, when it is ``previous``, with ``digests`` in it; else None."""
    try:
        manifest = (output / MANIFEST_PATH).read_bytes()
    except OSError:
        return None
    return patched_manifest(manifest, digests) if sha256(manifest) == previous else None


def _sibling(output: Path, role: str) -> Path:
    return output.parent / f".{output.name}.kfedgen-{role}-{os.getpid()}"


def _swap_in(staging: Path, output: Path) -> None:
    if not output.exists():
        staging.rename(output)
        return
    if _exchange(staging, output):
        return  # staging now holds the old tree; the caller removes it
    old = _sibling(output, "old")
    output.rename(old)
    staging.rename(output)
    remove_tree(old)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    # ctypes (and the subprocess module it imports) is loaded only when a tree is
    # swapped: a no-op render or a --check never needs it.
    import ctypes  # noqa: PLC0415
    import ctypes.util  # noqa: PLC0415

    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def recover(output: Path) -> None:
    """Clean what an interrupted render left beside ``output`` (call under the lock).

    A render killed between the two renames of the fallback swap leaves the
    previous tree in an ``-old-`` directory and no output: it is put back.
    Any staging directory is incomplete by definition and is removed.
    """
    prefix = f".{output.name}.kfedgen-"
    if not output.parent.exists():
        return
    # First the journal: a render that committed one has replaced the tree.
    journal.roll_forward(output)
    leftovers = sorted(p for p in output.parent.iterdir() if p.name.startswith(prefix))
    for path in leftovers:
        if path.name.startswith(prefix + "old-") and not output.exists():
            path.rename(output)
        elif path.is_dir() and not path.is_symlink():
            remove_tree(path)
        elif path.name.startswith(prefix + "journal-") and path.name.endswith(".tmp"):
            path.unlink()  # a journal being written when its render was killed


def settle(output: Path) -> None:
    """Complete an interrupted in-place write of ``output``, if one was committed.

    Every kfedgen command that reads or writes the output calls this first, so
    that it (and anything it reads for the user) sees the old tree or the new
    one, never a journal half applied.  Costs one ``lstat`` when there is no
    journal; the lock is taken only when there is one.
    """
    if not os.path.lexists(journal.journal_path(output)):
        return
    try:
        with output_lock(output):
            recover(output)
    except OSError as exc:
        where = exc.filename or output
        raise OutputError(
            f"cannot complete the interrupted render of {output} ({where}: "
            f"{exc.strerror or exc}); fix that and run kfedgen again"
        ) from exc


def remove_tree(root: Path) -> bool:
    """Remove ``root`` and all below it on its own file system; True when all is gone.

    Unlike ``shutil.rmtree`` this never descends into a mount point or another
    device (it is left in place, and the removal is incomplete), and it makes
    directories it must empty writable first: a foreign read-only directory
    copied into the new tree leaves its old copy read-only too.  Only
    directories are changed, never files, which the new tree may share.
    Iterative, one directory open at a time: foreign trees may be deep.
    """
    try:
        top = root.lstat()
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(top.st_mode):
        root.unlink()
        return True
    mounted = mounts_below(root)
    complete = True
    pending: list[tuple[Path, str, bool]] = [(root, "", False)]
    while pending:
        directory, relative, emptied = pending.pop()
        if emptied:
            try:
                directory.rmdir()
            except OSError:
                complete = False
            continue
        pending.append((directory, relative, True))
        try:
            subdirectories = _empty_directory(directory, top.st_dev)
        except OSError:
            complete = False
            continue
        for name in subdirectories:
            if relative + name in mounted:
                complete = False  # another file system: never emptied
            else:
                pending.append((directory / name, f"{relative}{name}/", False))
    return complete


def _empty_directory(directory: Path, device: int) -> list[str]:
    """Unlink every non-directory in ``directory`` (on ``device``); return its subdirectories."""
    if not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
        directory.chmod(stat.S_IMODE(directory.lstat().st_mode) | stat.S_IRWXU)
    # O_NOFOLLOW and the device check on the open descriptor: a directory
    # swapped for a symlink, or for another file system, is not entered.
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if os.fstat(descriptor).st_dev != device:
            raise OSError(errno.EXDEV, "another file system", os.fspath(directory))
        subdirectories = []
        with os.scandir(descriptor) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    subdirectories.append(entry.name)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.name, dir_fd=descriptor)
        return subdirectories
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def output_lock(output: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Serialise renders into one output directory.

    The lock is an ``flock`` on the output's parent directory: it needs no lock
    file in the user's repository, survives the swap of the output directory,
    and the kernel releases it when a render is killed.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(output.parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"another kfedgen is rendering into {output} and did not finish within "
                        f"{timeout:.0f}s; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(descriptor)
