"""Build a new output tree in a staging directory, in two processes where that pays.

:func:`build` creates the files the render wrote and hard-links the ones it
kept (unchanged, adopted and foreign files) into a new directory beside the
output, which :mod:`kfedgen.backend.write` then swaps in.  Creating tens of
thousands of files is system calls on separate cluster directories, so on two
CPUs a forked child (:mod:`kfedgen.backend.beside`) builds every other cluster
directory while this process builds the rest: a render killed meanwhile leaves
only an incomplete staging directory, which the next command removes, as it
always has.  A child whose parent is gone stops at its next cluster directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterable, Mapping, Set
from itertools import chain
from pathlib import Path
from typing import cast

from kfedgen.backend.beside import in_halves, processes_for
from kfedgen.backend.outtree import OutputTree
from kfedgen.backend.ownership import TreeDiff
from kfedgen.backend.treestamp import stat_of


def build(
    staging: Path,
    output: Path,
    tree: OutputTree,
    diff: TreeDiff,
    processes: int | None = None,
) -> dict[str, str]:
    """Build the new tree in ``staging``; the stats of the files it created, by path.

    ``processes``: 2 builds every other top-level directory in a forked child,
    1 builds everything here; None: as :func:`kfedgen.backend.beside.processes_for`
    decides for the tree's top-level directories (the clusters).
    """
    staging.mkdir(parents=True)
    work = _Work(os.fspath(staging), os.fspath(output), tree.files, diff)
    at_root, by_top = _by_top_directory([*tree.paths(), *diff.foreign])
    if processes_for(len(by_top), processes) == 1:
        created, made = work.fill([*at_root, *chain.from_iterable(by_top.values())])
    else:
        tops = sorted(by_top)
        theirs = list(chain.from_iterable(by_top[top] for top in tops[::2]))
        ours = [*at_root, *chain.from_iterable(by_top[top] for top in tops[1::2])]
        parent = os.getpid()
        halves = in_halves(lambda: work.fill(theirs, parent), lambda: work.fill(ours))
        created, made = halves.ours
        if halves.done:
            their_created, their_made = cast("tuple[dict[str, str], list[str]]", halves.theirs)
        else:  # the child failed: start its directories again, here
            for top in tops[::2]:
                shutil.rmtree(f"{work.new_root}/{top}", ignore_errors=True)
            their_created, their_made = work.fill(theirs)
        created.update(their_created)
        made.extend(their_made)
    # Children before parents: a parent made read-only (or unsearchable) first
    # would keep an ordinary user from changing its children.
    for directory in sorted(_with_ancestors(made), reverse=True):
        suffix = f"/{directory}" if directory else ""
        keep_metadata(work.old_root + suffix, work.new_root + suffix)
    return created


def _by_top_directory(paths: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """``paths`` directly under the root, and the others by their top-level directory."""
    at_root: list[str] = []
    by_top: dict[str, list[str]] = {}
    for path in paths:
        top, slash, _ = path.partition("/")
        if slash:
            by_top.setdefault(top, []).append(path)
        else:
            at_root.append(path)
    return at_root, by_top


class _Work:
    """What building any part of the new tree needs: where, from where, and which files."""

    def __init__(
        self, new_root: str, old_root: str, files: Mapping[str, bytes], diff: TreeDiff
    ) -> None:
        self.new_root, self.old_root, self.files = new_root, old_root, files
        self.carried: Set[str] = {*diff.unchanged, *diff.adopted, *diff.foreign}

    def fill(
        self, paths: Iterable[str], parent: int | None = None
    ) -> tuple[dict[str, str], list[str]]:
        """Create or link ``paths`` in the new tree; their stats and the directories made.

        ``parent``: the pid of the process that forked this one; when this process
        has been given to another parent (its own was killed), it stops.
        """
        created: dict[str, str] = {}
        made = {""}
        new_root, old_root = self.new_root, self.old_root
        for path in paths:
            if path.endswith("/"):  # an empty foreign directory
                Path(new_root, path).mkdir(parents=True, exist_ok=True)
                made.add(path[:-1])
                continue
            directory = path.rpartition("/")[0]
            if directory not in made:
                if parent is not None and os.getppid() != parent:
                    raise SystemExit(1)  # orphaned: nobody will swap this tree in
                Path(new_root, directory).mkdir(parents=True, exist_ok=True)
                made.add(directory)
            if path in self.carried:
                _link_or_copy(f"{old_root}/{path}", f"{new_root}/{path}")
            else:
                created[path] = _create_file(f"{new_root}/{path}", self.files[path])
        return created, sorted(made)


def _with_ancestors(directories: Iterable[str]) -> set[str]:
    found = {""}
    for directory in directories:
        path = directory
        while path not in found:
            found.add(path)
            path = path.rpartition("/")[0]
    return found


def keep_metadata(old: str, new: str) -> None:
    """Give directory ``new`` the mode, owner, group and xattrs of ``old``, if it exists.

    Owner and group are set where the process may (root may; an ordinary user
    may choose among its own groups); an ACL is an extended attribute, so it
    comes along with them.
    """
    try:
        before = os.lstat(old)
    except (FileNotFoundError, NotADirectoryError):
        return  # a directory this render creates: the umask decides
    if not stat.S_ISDIR(before.st_mode):
        return
    now = os.lstat(new)
    if (now.st_uid, now.st_gid) != (before.st_uid, before.st_gid):
        _chown(new, before.st_uid, before.st_gid)
    _copy_xattrs(old, new)
    if stat.S_IMODE(now.st_mode) != stat.S_IMODE(before.st_mode):
        Path(new).chmod(stat.S_IMODE(before.st_mode))


def _chown(path: str, uid: int, gid: int) -> None:
    for owner in ((uid, gid), (-1, gid)):
        with contextlib.suppress(PermissionError):
            os.chown(path, *owner, follow_symlinks=False)
            return


def _copy_xattrs(old: str, new: str) -> None:
    try:
        names = os.listxattr(old, follow_symlinks=False)
    except OSError:
        return  # no extended attributes on this file system
    for name in names:
        # Attributes this process may not set (trusted.*, security.* as a user) stay behind.
        with contextlib.suppress(OSError):
            os.setxattr(new, name, os.getxattr(old, name, follow_symlinks=False))


def write_new_file(path: str, content: bytes) -> None:
    """Create the file ``path`` (which must not exist) holding ``content``."""
    # Plain os calls: at tens of thousands of files, open()'s file objects cost
    # more than the writes.  O_EXCL: the staging directory is new, nothing to replace.
    descriptor = _open_new(path)
    try:
        _write_all(descriptor, content)
    finally:
        os.close(descriptor)


def _create_file(path: str, content: bytes) -> str:
    """:func:`write_new_file`, returning the file's stat once written (an ``fstat`` of the
    open descriptor: cheaper than looking the path up again for the stat cache).

    Only the :func:`stat_of` text is kept: a whole ``stat_result`` per file is about
    400 bytes, 200 MiB of peak memory at 10,000 clusters.
    """
    descriptor = _open_new(path)
    try:
        _write_all(descriptor, content)
        return stat_of(os.fstat(descriptor))
    finally:
        os.close(descriptor)


def _open_new(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)


def _write_all(descriptor: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(descriptor, view) :]


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
        status = os.lstat(source)
        _chown(target, status.st_uid, status.st_gid)
