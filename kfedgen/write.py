"""Stage 6: compare the output tree with disk, and replace it atomically.

A render builds the complete new tree in a sibling directory and swaps it in
with one atomic ``renameat2(RENAME_EXCHANGE)`` (two renames where the kernel
lacks it), so readers and crashes only ever see the old or the new tree.
Unchanged files are hard-linked from the old tree rather than rewritten, and a
render that changes nothing writes nothing.  Files the ownership manifest does
not list are foreign: they are carried over untouched and reported.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.emit import MANIFEST_PATH, OutputTree, path_problem
from kfedgen.errors import OutputError
from kfedgen.interrupts import commit_point

LOCK_TIMEOUT_SECONDS = 60.0


@dataclass
class TreeDiff:
    """How the output tree on disk differs from the one just rendered."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return not (self.added or self.changed or self.stale)


def overlap_problem(output: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``output`` cannot be written given the input paths (None when it can).

    An output inside the fleet would be read back as fleet documents on the
    next run; a fleet inside the output would be swapped away with it.
    """
    out = output.resolve()
    for path in inputs:
        source = path.resolve()
        if out == source or source in out.parents or out in source.parents:
            return (
                f"the output directory {output} overlaps the fleet path {path}; "
                "render into a directory of its own (-o)"
            )
    return None


def read_owned(output: Path) -> dict[str, str]:
    """Paths (and sha256) the last render wrote, from the ownership manifest."""
    try:
        document = json.loads((output / MANIFEST_PATH).read_text("utf-8"))
        files = document["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def list_files(output: Path) -> list[str]:
    """Every regular file under ``output`` (relative, POSIX); symlinks are refused."""
    if output.is_symlink():
        raise OutputError(f"{output} is a symlink; refusing to write through it")
    if not output.exists():
        return []
    if not output.is_dir():
        raise OutputError(f"{output} exists and is not a directory")
    found: list[str] = []
    # os.scandir reports each entry's type from the directory itself: no stat per
    # file, which at 50,000 files was most of a no-op render's listing time.
    pending = [(os.fspath(output), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = os.scandir(directory)
        except OSError as exc:
            raise OutputError(f"cannot read {directory}: {exc.strerror or exc}") from exc
        with entries:
            for entry in entries:
                if entry.is_symlink():
                    raise OutputError(
                        f"{Path(entry.path)} is a symlink inside the output tree; "
                        "kfedgen refuses to follow or replace it (remove it and render again)"
                    )
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    found.append(prefix + entry.name)
    return sorted(found)


def compare(output: Path, tree: OutputTree) -> TreeDiff:
    """Compare ``tree`` with what is on disk under ``output`` (reads, never writes)."""
    owned = read_owned(output)
    on_disk = set(list_files(output))
    diff = TreeDiff()
    root = os.fspath(output)
    for path in tree.paths():
        if path not in on_disk:
            diff.added.append(path)
            continue
        expected = tree.files[path]
        if _read_upto(f"{root}/{path}", len(expected) + 1) == expected:
            diff.unchanged.append(path)
        else:
            diff.changed.append(path)
    for path in sorted(on_disk - tree.files.keys()):
        (diff.stale if path in owned else diff.foreign).append(path)
    return diff


def _read_upto(path: str, limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``path`` (None if it cannot be read).

    One byte more than the expected content is enough to tell a longer file
    apart, so a huge hand-edited file is not read whole.  Plain ``os`` calls:
    ``Path.read_bytes`` costs several times more per file, which adds up over
    a fleet's tens of thousands of files.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block
    except OSError:
        return None
    try:
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(descriptor, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def write(output: Path, tree: OutputTree) -> TreeDiff:
    """Make ``output`` hold exactly ``tree`` (plus foreign files), atomically."""
    for path in tree.files:
        problem = path_problem(path)
        if problem:
            raise OutputError(f"refusing to write {path!r} under {output}: {problem}")
    try:
        with output_lock(output):
            recover(output)
            diff = compare(output, tree)
            if diff.is_current:
                return diff
            staging = _sibling(output, "new")
            try:
                _build(staging, output, tree, diff)
                commit_point()  # the new tree goes in: Ctrl-C can no longer abort
                _swap_in(staging, output)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            return diff
    except OSError as exc:
        # Full disk, read-only file system, a file where a directory should be:
        # the environment's fault, not a bug; the previous tree is untouched.
        where = exc.filename or output
        raise OutputError(f"cannot write {where}: {exc.strerror or exc}") from exc


def _sibling(output: Path, role: str) -> Path:
    return output.parent / f".{output.name}.kfedgen-{role}-{os.getpid()}"


def _build(staging: Path, output: Path, tree: OutputTree, diff: TreeDiff) -> None:
    carried = {*diff.unchanged, *diff.foreign}
    staging.mkdir(parents=True)
    new_root, old_root = os.fspath(staging), os.fspath(output)
    made = {""}
    for path in [*tree.paths(), *diff.foreign]:
        directory = path.rpartition("/")[0]
        if directory not in made:
            Path(new_root, directory).mkdir(parents=True, exist_ok=True)
            made.add(directory)
        if path in carried:
            _link_or_copy(f"{old_root}/{path}", f"{new_root}/{path}")
        else:
            _write_new(f"{new_root}/{path}", tree.files[path])


def _write_new(path: str, content: bytes) -> None:
    # Plain os calls: at tens of thousands of files, open()'s file objects cost
    # more than the writes.  O_EXCL: the staging directory is new, nothing to replace.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap_in(staging: Path, output: Path) -> None:
    if not output.exists():
        staging.rename(output)
        return
    if _exchange(staging, output):
        return  # staging now holds the old tree; the caller removes it
    old = _sibling(output, "old")
    output.rename(old)
    staging.rename(output)
    shutil.rmtree(old, ignore_errors=True)


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
    leftovers = sorted(p for p in output.parent.iterdir() if p.name.startswith(prefix))
    for path in leftovers:
        if path.name.startswith(prefix + "old-") and not output.exists():
            path.rename(output)
        elif path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


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
