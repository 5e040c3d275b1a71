"""Where kfedgen keeps its caches, and the stat cache of the output tree.

The stat cache makes a no-op render as cheap as ``git status``: for every file
kfedgen wrote or verified, it records the file's size, ``mtime_ns``,
``ctime_ns`` and inode with the sha256 of its bytes.  A file whose stat is
unchanged is taken to hold those bytes without being read; any edit changes
its mtime and ctime (and an editor that writes a new file and renames it, its
inode), so hand edits are still found.

**The racy-timestamp rule** (git's index has the same): a file modified in the
same clock tick as the cache was written could change again in that tick
without changing its stat.  So an entry is trusted only when the file's mtime
is strictly older than the cache file's own mtime; every other entry is
"racily clean" and the file is read.  Both timestamps come from the same
file system's clock (the cache must be on the output's device; elsewhere no
stat is trusted, see :func:`StatCache.load`), so the rule holds whatever the
file system's timestamp granularity.  As with git, an edit made while kfedgen
itself is reading that file, in the same clock tick, can go unseen once.

**Where the caches live** (never in the output tree, whose bytes are committed
and must not depend on the machine): inside the git directory of the
repository that holds the output (``.git/kfedgen/<output key>/``), which git
never commits, else in ``$XDG_CACHE_HOME/kfedgen/`` (``~/.cache/kfedgen``).
``KFEDGEN_CACHE_DIR`` names another directory; set to the empty string, it
turns caching off.  Losing a cache costs time, never correctness.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CACHE_ENV = "KFEDGEN_CACHE_DIR"
STAT_FILE = "stat"
_VERSION = 2


def stat_of(status: os.stat_result) -> str:
    """The fields of ``status`` that the stat cache compares: ``size:mtime:ctime:inode``.

    One string, compared whole: at 50,000 files, parsing and comparing tuples
    of numbers was a third of a no-op render.
    """
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


def cache_dir(output: Path) -> Path | None:
    """The directory of ``output``'s caches (not created); None when caching is off."""
    configured = os.environ.get(CACHE_ENV)
    absolute = output.absolute()  # not resolved: a symlinked output keeps its own key
    key = hashlib.sha256(os.fsencode(absolute)).hexdigest()[:24]
    if configured is not None:
        return Path(configured, key) if configured else None
    git = _git_dir(absolute.parent)
    if git is not None:
        return git / "kfedgen" / key
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base, "kfedgen", key)


def _git_dir(directory: Path) -> Path | None:
    """The git directory of the repository containing ``directory`` (worktrees included)."""
    for candidate in (directory, *directory.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                text = dot_git.read_text(encoding="utf-8").strip()
                if text.startswith("gitdir:"):
                    return candidate / text.removeprefix("gitdir:").strip()
            return None
    return None


@dataclass
class StatCache:
    """Path -> ``"<sha256> <stat_of>"`` of the output's files, as last written or read."""

    entries: dict[str, str] = field(default_factory=dict)
    # Entries whose mtime is not older than this are racily clean (None: trust none).
    reference_ns: int | None = None
    # The digest of the manifest whose files the entries are, all and only (else None):
    # then a no-op render need not parse the manifest.
    complete_for: str | None = None
    dirty: bool = False  # entries were added or dropped since the load

    @classmethod
    def load(cls, directory: Path | None, output: Path) -> StatCache:
        """The cache in ``directory`` for ``output``; empty when missing or unusable.

        A cache on another device than the output could use another clock
        granularity (or another machine's clock): no stat is trusted then, every
        file is read, and only the digests (what the compile cache needs) are used.
        """
        if directory is None:
            return cls()
        path = directory / STAT_FILE
        try:
            with path.open("rb") as stream:
                status = os.fstat(stream.fileno())
                raw = stream.read()
            same_clock = status.st_dev == os.lstat(output).st_dev
            document = json.loads(raw)
            entries, complete = document["files"], document["manifest"]
            if (
                document["version"] != _VERSION
                or not isinstance(entries, dict)
                or not all(isinstance(value, str) for value in entries.values())
                or not isinstance(complete, (str, type(None)))
            ):
                return cls()
            return cls(entries, status.st_mtime_ns if same_clock else None, complete)
        except (OSError, ValueError, KeyError, TypeError):  # missing or corrupt: read all
            return cls()

    def confirms(self, path: str, status: os.stat_result, digest: str) -> bool:
        """Whether the file at ``path`` with ``status`` holds bytes hashing to ``digest``."""
        return (
            self.reference_ns is not None
            and status.st_mtime_ns < self.reference_ns
            and self.entries.get(path) == f"{digest} {stat_of(status)}"
        )

    def recorded_size(self, path: str) -> int | None:
        """The size ``path`` had when recorded (None when it is not)."""
        entry = self.entries.get(path)
        with contextlib.suppress(ValueError, IndexError):
            return int(entry.split(" ")[1].split(":")[0]) if entry else None
        return None

    def digest(self, path: str) -> str:
        """The sha256 recorded for ``path``."""
        return self.entries[path].partition(" ")[0]

    def record(self, path: str, status: os.stat_result, digest: str) -> None:
        """Remember that ``path`` with ``status`` held bytes hashing to ``digest``."""
        entry = f"{digest} {stat_of(status)}"
        previous = self.entries.get(path)
        if previous != entry:
            if previous is None or not previous.startswith(digest):
                self.complete_for = None  # no longer the files of one manifest
            self.entries[path] = entry
            self.dirty = True

    def settle(self, digests: Mapping[str, str], manifest_digest: str) -> None:
        """After finding the output current with ``digests``: keep only their entries.

        When every file is then recorded with its digest, the cache is complete
        for the manifest ``manifest_digest``.
        """
        for path in [p for p in self.entries if p not in digests]:
            del self.entries[path]
            self.dirty = True
        complete = len(self.entries) == len(digests) and all(
            self.entries[path].startswith(digest) for path, digest in digests.items()
        )
        wanted = manifest_digest if complete else None
        if self.complete_for != wanted:
            self.complete_for = wanted
            self.dirty = True

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.clear()
        self.complete_for = None
        self.dirty = True

    def save(self, directory: Path | None) -> None:
        """Write the cache atomically; a failure only costs the next run time."""
        if directory is None:
            return
        document = {"version": _VERSION, "manifest": self.complete_for, "files": self.entries}
        with contextlib.suppress(OSError):
            write_atomically(directory / STAT_FILE, json.dumps(document).encode("utf-8"))
            self.dirty = False


def write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content``: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        temporary.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
