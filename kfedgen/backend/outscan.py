"""Read the output tree on disk: its files, its directories, and the file systems it holds.

kfedgen replaces the output directory as a whole (see :mod:`kfedgen.backend.write`),
so the scan refuses, before anything is touched, every entry the swap could
not carry safely: symlinks, and other file systems — a mount point (found in
the kernel's mount table, which also shows bind mounts of the same file
system) or any directory whose ``st_dev`` differs from the output's (found
without the mount table, for systems without ``/proc`` and for btrfs
subvolumes, which are not mounts).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.errors import InvalidInput, Location, OutputError, Problem

MOUNT_TABLE = "/proc/self/mountinfo"
# The mount table escapes space, tab, newline and backslash in paths as \ooo.
_OCTAL = re.compile(rb"\\([0-7]{3})")
# O_NOFOLLOW: a directory swapped for a symlink since it was listed is not entered.
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class OutputProblems(InvalidInput):
    """Paths of the output tree that keep kfedgen from writing it; each is a problem."""

    def __init__(self, problems: Sequence[Problem], summary: str) -> None:
        super().__init__(problems)
        self.args = (summary,)


@dataclass(frozen=True)
class DiskTree:
    """What the output directory holds (paths relative to it, POSIX)."""

    files: frozenset[str]  # every entry that is not a directory
    directories: frozenset[str]  # every directory below the output
    empty: tuple[str, ...]  # the directories with no entries, sorted
    # With ``scan(..., stats=True)``: the lstat of every file (a file that vanished: none).
    stats: dict[str, os.stat_result] = field(default_factory=dict)


def scan(output: Path, stats: bool = False) -> DiskTree:
    """Every file and directory under ``output``; raise on symlinks and other file systems.

    With ``stats``, every file is also stat'ed, relative to its directory's
    descriptor: cheaper than an ``lstat`` of each full path.
    """
    if output.is_symlink():
        raise OutputError(f"{output} is a symlink; refusing to write through it")
    if not output.exists():
        return DiskTree(frozenset(), frozenset(), ())
    if not output.is_dir():
        raise OutputError(f"{output} exists and is not a directory")
    mounted = mounts_below(output)
    problems = [_mount_problem(output, path) for path in sorted(mounted)]
    device = os.lstat(output).st_dev
    files: set[str] = set()
    directories: set[str] = set()
    empty: list[str] = []
    found: dict[str, os.stat_result] = {}
    # os.scandir reports each entry's type from the directory itself: no stat per
    # file, which at 50,000 files was most of a no-op render's listing time.
    # Directories are stat'ed (for st_dev), and there are few of them.
    pending = [(os.fspath(output), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            descriptor = os.open(
                directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            )
        except OSError as exc:
            raise OutputError(f"cannot read {directory}: {exc.strerror or exc}") from exc
        seen = False
        # scandir on a descriptor: each entry's stat is an fstatat relative to it.
        try:
            with os.scandir(descriptor) as entries:
                for entry in entries:
                    seen = True
                    relative = prefix + entry.name
                    if entry.is_symlink():
                        raise OutputError(
                            f"{directory}/{entry.name} is a symlink inside the output tree; "
                            "kfedgen refuses to follow or replace it (remove it and render again)"
                        )
                    if not entry.is_dir(follow_symlinks=False):
                        files.add(relative)
                        if stats:
                            with contextlib.suppress(OSError):
                                found[relative] = entry.stat(follow_symlinks=False)
                    elif relative in mounted:
                        continue  # reported above; never descend into another file system
                    elif entry.stat(follow_symlinks=False).st_dev != device:
                        problems.append(_device_problem(output, relative))
                    else:
                        directories.add(relative)
                        pending.append((f"{directory}/{entry.name}", relative + "/"))
        finally:
            os.close(descriptor)
        if not seen and prefix:
            empty.append(prefix[:-1])
    if problems:
        noun = "file system" if len(problems) == 1 else "file systems"
        raise OutputProblems(
            problems, f"{output} holds {len(problems)} other {noun}; refusing to touch the tree"
        )
    return DiskTree(frozenset(files), frozenset(directories), tuple(sorted(empty)), found)


def _mount_problem(output: Path, relative: str) -> Problem:
    return Problem(
        Location(f"{output}/{relative}"),
        (),
        "a file system is mounted here, inside the output tree; refusing to touch the tree",
        hint=_BOUNDARY_HINT.format(output=output),
    )


def _device_problem(output: Path, relative: str) -> Problem:
    return Problem(
        Location(f"{output}/{relative}"),
        (),
        f"this directory is on another device than {output} (another file system inside "
        "the output tree); refusing to touch the tree",
        hint=_BOUNDARY_HINT.format(output=output),
    )


_BOUNDARY_HINT = (
    "kfedgen replaces the output directory as a whole and would carry it away with the old "
    "tree: unmount it, or move it outside {output}"
)


def mount_points() -> list[str] | None:
    """Every mount point of this process's mount namespace; None without a mount table."""
    try:
        text = Path(MOUNT_TABLE).read_bytes()
    except OSError:
        return None
    points = []
    for line in text.splitlines():
        fields = line.split(b" ")
        if len(fields) > 4:
            raw = _OCTAL.sub(lambda match: bytes([int(match[1], 8)]), fields[4])
            points.append(os.fsdecode(raw))
    return points


def mounts_below(directory: Path) -> set[str]:
    """The mount points strictly inside ``directory``, relative to it."""
    real = os.path.realpath(directory)
    prefix = real.rstrip("/") + "/"
    return {p[len(prefix) :] for p in mount_points() or () if p.startswith(prefix) and p != prefix}


def is_mount_point(directory: Path) -> bool:
    """Whether ``directory`` is a mount point (a bind mount of its own file system too)."""
    return os.path.ismount(directory) or os.path.realpath(directory) in (mount_points() or ())
