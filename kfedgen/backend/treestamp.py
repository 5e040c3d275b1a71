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

Both sides write a directory as ``<prefix> NUL <count> NUL <entries> NUL``, each
directory's entries sorted; an entry is ``<name> NUL /`` for a subdirectory and
``<name> NUL <stat>`` for anything else.  A name cannot hold NUL or ``/``, so the
encoding is unambiguous.  The digest is the sha256 of the directories' own
sha256 digests, in sorted order: a render that changed a few files finds the
digest of the new tree from the directories it touched alone
(:meth:`Listing.updated`), without hashing every file's stat again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from kfedgen.backend.beside import in_halves, may_fork, processes_for
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
    blocks = {f"{d}/" if d else "": entries for d, entries in directories.items()}
    return _signature({prefix: _block_digest(prefix, sorted(e)) for prefix, e in blocks.items()})


@dataclass(frozen=True)
class Listing:
    """A tree as :func:`listing` found it: its digest, and each directory's entries.

    A directory's entries are kept as its block's text (``NUL``-joined): that is
    what its digest hashes, and what a child process sends in one string
    (:func:`_listed_beside`).  A directory's list is made only when a change
    touches it (:meth:`updated`).
    """

    signature: str
    # Directory prefix ("" for the root, else "a/b/") -> its sorted entries, NUL-joined.
    texts: dict[str, str]
    digests: dict[str, bytes]  # directory prefix -> the sha256 of its block

    @property
    def files(self) -> list[str]:
        """The path of every file (anything not a directory), unsorted."""
        found: list[str] = []
        for prefix, text in self.texts.items():
            parts = text.split("\0") if text else []
            found.extend(prefix + name for name, kind in _pairs(parts) if kind != "/")
        return found

    def updated(self, changes: Mapping[str, str | None]) -> str:
        """The digest of this tree with ``changes``: path -> new :func:`stat_of` text, or None.

        None removes the file, and any directory that leaves without entries (a tree
        of files only has no empty directory, as :func:`signature_of` builds it); a
        new path creates its directories.  Only the directories touched are hashed.
        """
        touched: dict[str, dict[str, str]] = {}

        def block(prefix: str) -> dict[str, str]:
            found = touched.get(prefix)
            if found is None:
                entries = _entries(self.texts.get(prefix, ""))
                found = touched[prefix] = {entry.partition("\0")[0]: entry for entry in entries}
            if not found and prefix:  # new, or emptied by an earlier change: in its parent
                parent, _, name = prefix[:-1].rpartition("/")
                block(f"{parent}/" if parent else "")[name] = f"{name}\0/"
            return found

        for path, stat_text in changes.items():
            directory, _, name = path.rpartition("/")
            entries = block(f"{directory}/" if directory else "")
            if stat_text is not None:
                entries[name] = f"{name}\0{stat_text}"
                continue
            entries.pop(name, None)
            while not entries and directory:  # emptied: the directory goes too
                directory, _, name = directory.rpartition("/")
                entries = block(f"{directory}/" if directory else "")
                entries.pop(name, None)
        digests = dict(self.digests)
        for prefix, entries in touched.items():
            if entries or not prefix:
                digests[prefix] = _block_digest(prefix, sorted(entries.values()))
            else:
                digests.pop(prefix, None)
        return _signature(digests)


def listing(output: Path, processes: int | None = None) -> Listing | None:
    """The tree under ``output`` as it is now: its digest, its files and its directories.

    None when the tree cannot be the one a cache verified: a mount point or
    another device inside it, a directory that cannot be read, or a change
    while it is listed.  Anything else (symlinks, FIFOs, foreign files) only
    changes the digest.  One ``scandir`` per directory, one ``fstatat`` per
    entry through the directory's descriptor, no other work per file: this
    is what a no-op render of 50,000 files costs.

    ``processes``: 2 lists the root's subdirectories in two processes (a child
    takes every other one, :func:`_listed_beside`), 1 lists them here; None:
    as :func:`kfedgen.backend.beside.processes_for` decides for the root's
    subdirectories (the clusters).
    """
    root = os.fspath(output)
    try:
        if mounts_below(output):
            return None
        device = os.lstat(root).st_dev
        top = _walk([(root, "")], device, descend=False)
        if top is None:
            return None
        pending = top.pending
        if processes_for(len(pending), processes) > 1:
            parts = _listed_beside(pending[::2], pending[1::2], device)
        else:
            parts = [_walk(pending, device)]
    except OSError:
        return None
    for part in parts:
        if part is None:
            return None
        top.texts.update(part.texts)
        top.digests.update(part.digests)
    return Listing(_signature(top.digests), top.texts, top.digests)


Work = TypeVar("Work")


def listing_beside(output: Path, work: Callable[[], Work]) -> tuple[Listing | None, Work]:
    """:func:`listing` of ``output`` in a forked child while this process does ``work``.

    The listing is taken while ``work`` runs, so it shows the tree as it was at some
    moment during it: callers hold the output lock, and use it only for what a tree
    listed just before a write proves (:mod:`kfedgen.backend.write`).  A child that
    fails costs only time: the tree is listed here afterwards, as it is when
    :func:`kfedgen.backend.beside.may_fork` says no.
    """
    if not may_fork():
        done = work()
        return listing(output), done

    def listed() -> tuple[str, dict[str, str], dict[str, bytes]] | None:
        found = listing(output)  # itself in two processes where it may: the CPUs are shared
        return None if found is None else (found.signature, found.texts, found.digests)

    halves = in_halves(listed, work)
    if not halves.done:
        return listing(output), halves.ours
    if halves.theirs is None:
        return None, halves.ours
    signature, texts, digests = cast("tuple[str, dict[str, str], dict[str, bytes]]", halves.theirs)
    return Listing(signature, texts, digests), halves.ours


@dataclass
class _Part:
    """What :func:`_walk` found below some directories; ``pending``: those not entered."""

    texts: dict[str, str]  # as Listing.texts
    digests: dict[str, bytes]
    pending: list[tuple[str, str]]


def _walk(pending: list[tuple[str, str]], device: int, descend: bool = True) -> _Part | None:
    """List the (path, prefix) directories in ``pending`` and, with ``descend``, all below.

    None: a directory on another device (a mount) was found.  Raises ``OSError``
    when a directory cannot be listed.
    """
    texts: dict[str, str] = {}
    digests: dict[str, bytes] = {}
    below: list[tuple[str, str]] = []
    pending = list(pending)
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
                        below.append((f"{directory}/{name}", f"{prefix}{name}/"))
                    else:
                        # stat_of, inline: this line runs once per file.
                        entries.append(
                            f"{name}\0{status.st_size}:{status.st_mtime_ns}:"
                            f"{status.st_ctime_ns}:{status.st_ino}"
                        )
        finally:
            os.close(descriptor)
        entries.sort()
        text = texts[prefix] = "\0".join(entries)
        digests[prefix] = _text_digest(prefix, len(entries), text)
        if descend:
            pending.extend(below)
            below.clear()
    return _Part(texts, digests, below)


def _listed_beside(
    theirs: list[tuple[str, str]], ours: list[tuple[str, str]], device: int
) -> list[_Part | None]:
    """:func:`_walk` of ``theirs`` in a forked child while this process walks ``ours``."""

    def their_half() -> tuple[dict[str, str], dict[str, bytes]] | None:
        part = _walk(theirs, device)
        return None if part is None else (part.texts, part.digests)

    halves = in_halves(their_half, lambda: _walk(ours, device))
    if not halves.done:
        return [halves.ours, _walk(theirs, device)]
    if halves.theirs is None:
        return [halves.ours, None]
    texts, digests = cast("tuple[dict[str, str], dict[str, bytes]]", halves.theirs)
    return [halves.ours, _Part(texts, digests, [])]


def _block_digest(prefix: str, entries: list[str]) -> bytes:
    """The sha256 of one directory's block; ``entries`` sorted."""
    return _text_digest(prefix, len(entries), "\0".join(entries))


def _text_digest(prefix: str, count: int, text: str) -> bytes:
    """The sha256 of one directory's block: its ``count`` sorted entries joined as ``text``."""
    block = f"{prefix}\0{count}\0{text}\0"
    return hashlib.sha256(block.encode("utf-8", "surrogateescape")).digest()


def _entries(text: str) -> list[str]:
    """The entries of a directory's block text (none for an empty directory)."""
    if not text:
        return []
    return [f"{name}\0{kind}" for name, kind in _pairs(text.split("\0"))]


def _pairs(parts: list[str]) -> Iterable[tuple[str, str]]:
    """(name, kind) of each entry in a block text split at NUL: a name, then ``/`` or a stat."""
    return zip(parts[::2], parts[1::2], strict=True)


def _signature(digests: Mapping[str, bytes]) -> str:
    """The tree's digest from its directories' (each names its own prefix)."""
    return hashlib.sha256(b"".join(digests[prefix] for prefix in sorted(digests))).hexdigest()
