"""One digest of an output tree's listing and of every file's stat, as git's index would see it.

A no-op render must find any change to the output tree: a file edited, added,
removed, replaced by a symlink or a directory.  Each of those changes either a
directory's listing or a file's ``lstat`` (size, ``mtime_ns``, ``ctime_ns``,
inode).  So the stat cache keeps one sha256 over every directory's sorted
names and every file's stat, computed from the stats it verified
(:func:`signature_of`), and a no-op render computes the same digest from the
disk (:func:`listing`): equal digests mean the tree is exactly the one the cache
verified, without parsing the cache's per-file entries or the manifest.  The
racy-timestamp rule still applies, to the newest mtime (see
:mod:`kfedgen.backend.statcache`).

Both sides write a directory as ``<prefix> NUL <count> NUL <entries> NUL``, the
directories in sorted order, each directory's entries sorted; an entry is
``<name> NUL /`` for a subdirectory and ``<name> NUL <stat>`` for anything else.
A name cannot hold NUL or ``/``, so the encoding is unambiguous.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from kfedgen.backend.outscan import mounts_below

# O_NOFOLLOW: a directory swapped for a symlink since it was listed is not entered.
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def stat_of(status: os.stat_result) -> str:
    """The fields of ``status`` that the stat cache compares: ``size:mtime:ctime:inode``.

    One string, compared whole: at 50,000 files, parsing and comparing tuples
    of numbers was a third of a no-op render.
    """
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


def mtime_of(stat_text: str) -> int:
    """The ``mtime_ns`` recorded in a :func:`stat_of` string."""
    return int(stat_text.split(":", 2)[1])


def signature_of(files: Iterable[tuple[str, str]]) -> str:
    """The digest :func:`listing` gives for a tree of exactly ``files`` (path, stat_of)."""
    directories: dict[str, list[str]] = {"": []}

    def listing_of(directory: str) -> list[str]:
        found = directories.get(directory)
        if found is None:
            parent, _, name = directory.rpartition("/")
            listing_of(parent).append(f"{name}\0/")
            found = directories[directory] = []
        return found

    for path, stat_text in files:
        directory, _, name = path.rpartition("/")
        listing_of(directory).append(f"{name}\0{stat_text}")
    return _digest((f"{d}/" if d else "", entries) for d, entries in directories.items())


def listing(output: Path) -> tuple[str, list[str]] | None:
    """The digest of the tree under ``output`` as it is now, and its files (unsorted).

    None when the tree cannot be the one a cache verified: a mount point or
    another device inside it, a directory that cannot be read, or a change
    while it is listed.  Anything else (symlinks, FIFOs, foreign files) only
    changes the digest.  One ``scandir`` per directory, one ``fstatat`` per
    entry through the directory's descriptor, no other work per file: this
    is what a no-op render of 50,000 files costs.
    """
    root = os.fspath(output)
    try:
        if mounts_below(output):
            return None
        device = os.lstat(root).st_dev
        blocks: list[tuple[str, list[str]]] = []
        files: list[str] = []
        pending = [(root, "")]
        while pending:
            directory, prefix = pending.pop()
            entries: list[str] = []
            descriptor = os.open(directory, _DIRECTORY_FLAGS)
            try:
                with os.scandir(descriptor) as found:
                    for entry in found:
                        name = entry.name
                        status = entry.stat(follow_symlinks=False)
                        if entry.is_dir(follow_symlinks=False):
                            if status.st_dev != device:
                                return None
                            entries.append(f"{name}\0/")
                            pending.append((f"{directory}/{name}", f"{prefix}{name}/"))
                        else:
                            # stat_of, inline: this line runs once per file.
                            entries.append(
                                f"{name}\0{status.st_size}:{status.st_mtime_ns}:"
                                f"{status.st_ctime_ns}:{status.st_ino}"
                            )
                            files.append(prefix + name)
            finally:
                os.close(descriptor)
            blocks.append((prefix, entries))
    except OSError:
        return None
    return _digest(blocks), files


def _digest(blocks: Iterable[tuple[str, list[str]]]) -> str:
    digest = hashlib.sha256()
    for prefix, entries in sorted(blocks):
        entries.sort()
        text = f"{prefix}\0{len(entries)}\0{chr(0).join(entries)}\0"
        digest.update(text.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
