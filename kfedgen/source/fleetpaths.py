"""Symlinks inside a fleet directory: where they lead, and whether kfedgen follows them.

One rule for ``render`` reading a checkout (:mod:`kfedgen.source.load`) and for
``diff`` or ``render --staged`` reading git (:mod:`kfedgen.views.gitsource`): a
symlink is resolved as the kernel would, one path component at a time, but
the walk may never leave the fleet directory being read.  ``..`` above that
directory, or an absolute target that does not name a path under it, is
outside — whether or not anything exists there, and whatever it is — so the
verdict depends only on what is committed inside the fleet, never on the
machine it is read on (``fleet/etcdir -> /etc`` is refused everywhere, even
where git cannot tell that ``/etc`` is a directory).

The file system or the git tree is reached through an :data:`Inspect`
callback, so both readers share this code path.
"""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

# The kernel gives up on a chain of symlinks after 40 hops (ELOOP); so do we.
MAX_SYMLINK_HOPS = 40


class Kind(enum.Enum):
    """What a path that is not a symlink names."""

    DIRECTORY = "directory"
    FILE = "file"  # anything else that exists: a file, a FIFO, a submodule...
    MISSING = "missing"


Inspect = Callable[[str], "str | Kind"]
"""What is at a path inside the fleet ('' is the fleet directory itself): a
symlink's target, or the kind of anything else.  It is only asked about paths
whose parent components are directories (never symlinks)."""


# What a chain of more than MAX_SYMLINK_HOPS links is called, on disk and in git alike.
LOOP = "symlink loop: following it never reaches a file"


class Escape(enum.Enum):
    """Why a symlink cannot be followed."""

    OUTSIDE = "outside"
    LOOP = "loop"


@dataclass(frozen=True)
class Inside:
    """Where a symlink leads: a path inside the fleet ('' for the fleet itself)."""

    path: str
    kind: Kind


@dataclass(frozen=True)
class Verdict:
    """What a fleet reader does with one symlink."""

    target: str | None = None  # the file to read, a path inside the fleet
    problem: str = ""  # non-empty: the symlink is refused, and why


def resolve(path: str, inspect: Inspect, root: PurePath) -> Inside | Escape:
    """Follow ``path`` (inside the fleet) as the kernel would, never leaving the fleet.

    Every component is looked up and symlinks are followed wherever they
    stand, the last component included.  ``root`` is the absolute path of the
    fleet directory, symlinks resolved: an absolute target is inside only when
    it names a path under it.
    """
    resolved: list[str] = []
    pending = _parts(path)
    kind = Kind.DIRECTORY
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if not resolved:
                return Escape.OUTSIDE
            resolved.pop()
            kind = Kind.DIRECTORY
            continue
        found = inspect("/".join([*resolved, part]))
        if isinstance(found, str):
            hops += 1
            if hops > MAX_SYMLINK_HOPS:
                return Escape.LOOP
            if not found:  # git can hold an empty target; no file system can
                return Inside("/".join([*resolved, part]), Kind.MISSING)
            target = _relative_target(found, root)
            if target is None:
                return Escape.OUTSIDE
            if found.startswith("/"):
                resolved = []
            pending = target + pending
            kind = Kind.DIRECTORY  # where the target's components start from
            continue
        resolved.append(part)
        kind = found
        if pending and kind is not Kind.DIRECTORY:
            # A path through a file or through nothing: ENOTDIR or ENOENT.
            return Inside("/".join([*resolved, *pending]), Kind.MISSING)
    return Inside("/".join(resolved), kind)


def judge(link: str, readable: bool, inspect: Inspect, root: PurePath) -> Verdict:
    """Whether to read the symlink at ``link``, skip it, or refuse it.

    ``readable``: the link's own name is a fleet file's (``.yaml``/``.yml``).
    Every symlink that leads outside the fleet is refused, whatever its name
    or target; one that stays inside is read when it is named like a fleet
    file and leads to a file.  A symlink to a directory is never descended
    into (as ``os.walk`` does not), so nothing is read twice.
    """
    verb = "read" if readable else "follow"
    where = resolve(link, inspect, root)
    if where is Escape.OUTSIDE:
        return Verdict(problem=f"symlink points outside the fleet directory; refusing to {verb} it")
    if isinstance(where, Escape):
        # A loop reaches nothing, so it leaks nothing: only one named like a
        # fleet file, which the user meant kfedgen to read, is a problem.
        return Verdict(problem=f"{LOOP}; refusing to read it") if readable else Verdict()
    if not readable or where.kind is Kind.DIRECTORY:
        return Verdict()
    if where.kind is Kind.MISSING:
        # What reading a dangling symlink reports.
        return Verdict(problem="cannot read file: No such file or directory")
    return Verdict(target=where.path)


def disk_inspector(root: Path) -> Inspect:
    """:data:`Inspect` for a fleet directory on disk (``root`` with symlinks resolved)."""

    def inspect(path: str) -> str | Kind:
        full = root / path if path else root
        try:
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                return os.readlink(full)  # noqa: PTH115 - the target as stored; Path tidies it
        except OSError:
            return Kind.MISSING
        return Kind.DIRECTORY if stat.S_ISDIR(mode) else Kind.FILE

    return inspect


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part not in ("", ".")]


def _relative_target(target: str, root: PurePath) -> list[str] | None:
    """A link target's components, relative to the fleet for an absolute one (None: outside)."""
    parts = _parts(target)
    if not target.startswith("/"):
        return parts
    prefix = list(root.parts[1:])
    if parts[: len(prefix)] != prefix:
        return None
    return parts[len(prefix) :]
