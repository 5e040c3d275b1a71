"""Where kfedgen keeps its caches, and the stat cache of the output tree.

The stat cache makes a no-op render as cheap as ``git status``: for every file
kfedgen wrote or verified, it records the file's size, ``mtime_ns``,
``ctime_ns`` and inode with the sha256 of its bytes.  A file whose stat is
unchanged is taken to hold those bytes without being read; any edit changes
its mtime and ctime (and an editor that writes a new file and renames it, its
inode), so hand edits are still found.

**The racy-timestamp rule** (git's index has the same): a file modified in the
same clock tick as its stat was recorded could change again in that tick
without changing its stat.  So an entry is trusted only when the file's mtime
is strictly older than a reference timestamp taken after the stats were
recorded; every other entry is "racily clean" and the file is read.  The
reference must come from the output's own clock (granularity differs between
file systems, a network file system has the server's): the cache file's own
mtime when the cache is on the output's device, else the output directory's
ctime, which a render sets to now before it saves the cache (see
:meth:`StatCache.save`) and which counts only while the output is on the
device recorded with it; without either, no stat is trusted.  As with git, an
edit made while kfedgen itself is reading that file, in the same clock tick,
can go unseen once.  The first line of the file (:class:`Header`) also holds
the digest of the whole tree (:mod:`kfedgen.backend.treestamp`), so a no-op
render need not parse the entries.

**Two files**, so that a render that changed few files writes few entries: a
base (``stat.<digest>``, every entry as one marshalled dict, never changed once
written) and the stat file (the header, then the entries changed since the
base, as JSON), renamed into place last.  The header holds the sha256 of both.

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
import marshal
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from kfedgen.backend.treestamp import Listing, mtime_of, signature_of, stat_of
from kfedgen.cachefiles import write_atomically

CACHE_ENV = "KFEDGEN_CACHE_DIR"
STAT_FILE = "stat"
_VERSION = 4
# The entries of the last full save: "stat.<16 hex digits of their sha256>" (see save).
_BASE_NAME = re.compile(rf"{STAT_FILE}\.[0-9a-f]{{16}}")
# A save writes only the changes since the base while they are at most this share of
# the entries (or this many): a one-object change rewrites 1,000 entries of 52,860.
_DELTA_FRACTION = 0.125
_DELTA_MINIMUM = 256

T = TypeVar("T")


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


@dataclass(frozen=True)
class Header:
    """The first line of the stat cache: what a no-op render needs, without the entries."""

    complete_for: str | None  # see StatCache.complete_for
    signature: str | None  # treestamp.signature_of the entries, when complete
    newest_ns: int | None  # the newest mtime among the entries, when complete
    reference_ns: int | None  # StatCache.reference_ns

    def vouches_for(self, manifest_digest: str) -> str | None:
        """The tree signature that proves the output current with ``manifest_digest``.

        None when the cache cannot: it is not complete for that manifest, no
        stat is trusted, or the newest file is racily clean (not older than
        the reference).
        """
        if (
            self.complete_for != manifest_digest
            or self.reference_ns is None
            or self.newest_ns is None
            or self.newest_ns >= self.reference_ns
        ):
            return None
        return self.signature


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
    # (st_dev, ctime_ns) of the output directory, stamped by a render when the cache
    # is on another file system: a timestamp of the output's own clock (see save).
    clock: tuple[int, int] | None = None
    # The header as loaded (None for a new cache): what it vouched for when read.
    header: Header | None = None
    # The output as listed when that listing was found to be exactly the entries'
    # tree (kfedgen.backend.knowndiff): an in-place write updates its digest instead
    # of hashing every entry again (see vouch).
    listed: Listing | None = None
    changes: int = 0  # how many times the entries changed since the load
    # (signature, newest mtime, changes) given by vouch: good while changes is the same.
    vouched: tuple[str, int, int] | None = None
    # (file name, sha256) of the base file the entries were loaded from or last saved
    # to, and every entry changed (None: removed) since: what a small save writes.
    base: tuple[str, str] | None = None
    delta: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None, output: Path) -> StatCache:
        """The cache in ``directory`` for ``output``; empty when missing or unusable."""
        found = _read(directory, output, body=True)
        if found is None or directory is None:
            return cls()
        header, clock, body, base = found
        entries = _read_base(directory, base) if base is not None else None
        try:
            delta = json.loads(body)
        except ValueError:
            return cls()
        if entries is None or not isinstance(delta, dict):
            return cls()
        for path, entry in delta.items():
            if entry is None:
                entries.pop(path, None)
            elif isinstance(entry, str):
                entries[path] = entry
            else:
                return cls()
        return cls(
            entries,
            header.reference_ns,
            header.complete_for,
            clock=clock,
            header=header,
            base=base,
            delta=delta,
        )

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
        """Remember that ``path`` with ``status`` held bytes hashing to ``digest``.

        Marks the cache for saving even when the entry is unchanged: a file
        read because it was racily clean becomes trusted once the cache is
        written after that read (git's index refresh does the same).
        """
        self.record_text(path, stat_of(status), digest)

    def record_text(self, path: str, stat_text: str, digest: str) -> None:
        """:meth:`record` with the stat already reduced to its :func:`stat_of` text."""
        entry = f"{digest} {stat_text}"
        previous = self.entries.get(path)
        if previous != entry:
            if previous is None or not previous.startswith(digest):
                self.complete_for = None  # no longer the files of one manifest
            self.entries[path] = entry
            if self.base is not None:  # else the next save writes every entry anyway
                self.delta[path] = entry
            self.changes += 1
        self.dirty = True

    def forget(self, path: str) -> None:
        """Drop the entry of ``path`` (a file removed), if there is one."""
        if self.entries.pop(path, None) is not None:
            if self.base is not None:
                self.delta[path] = None
            self.complete_for = None
            self.changes += 1
            self.dirty = True

    def vouch(self, signature: str, newest_ns: int) -> None:
        """The tree digest and newest mtime of the entries as they are now.

        The caller computed them from a listing of the output that equalled the
        entries' tree before it changed both the same way
        (:meth:`kfedgen.backend.treestamp.Listing.updated`); the next save
        writes them instead of hashing every entry, unless the entries change
        again before it.  ``newest_ns`` may be larger than the newest mtime
        (one of a file since removed): that only makes the racy rule stricter.
        """
        self.vouched = (signature, newest_ns, self.changes)

    def settle(self, digests: Mapping[str, str], manifest_digest: str) -> None:
        """After finding the output current with ``digests``: keep only their entries.

        When every file is then recorded with its digest, the cache is complete
        for the manifest ``manifest_digest``.
        """
        for path in [p for p in self.entries if p not in digests]:
            self.forget(path)
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
        self.listed = None
        self.base = None  # every entry new: the next save writes a base
        self.delta.clear()
        self.changes += 1
        self.dirty = True

    def save(self, directory: Path | None, stamp: Path | None = None) -> None:
        """Write the cache atomically; a failure only costs the next run time.

        The cache is two files: a base (``stat.<digest>``, the entries as a
        marshalled dict, never changed once written) and the stat file (the
        header, then the entries changed since the base, as JSON), renamed into
        place last: that rename is the save.  While the changes are few, only
        the stat file is written; otherwise a new base, and the old one goes.
        The header holds the sha256 of both: a damaged cache is an empty one.

        ``stamp`` is the output directory, given by a render (which may touch
        it): when the cache is on another file system than the output, the
        output directory's ctime is set to now (its times and bytes stay as
        they are) and recorded as the reference, a timestamp of the output's
        own clock taken after every stat the entries hold.
        """
        if directory is None:
            return
        with contextlib.suppress(OSError):
            directory.mkdir(parents=True, exist_ok=True)
            if stamp is not None:
                self.clock = _stamp(stamp, os.lstat(directory).st_dev)
            limit = max(_DELTA_MINIMUM, _DELTA_FRACTION * len(self.entries))
            rebased = None
            if self.base is None or len(self.delta) > limit:
                rebased = self.base = _write_base(directory, self.entries)
                self.delta = {}
            delta = json.dumps(self.delta).encode()
            write_atomically(directory / STAT_FILE, self._header(delta), delta)
            if rebased is not None:
                _remove_other_bases(directory, rebased[0])
            self.dirty = False

    def _header(self, delta: bytes) -> bytes:
        signature = newest = None
        if self.complete_for is not None and self.vouched and self.vouched[2] == self.changes:
            signature, newest, _ = self.vouched
        elif self.complete_for is not None:
            # entry[65:]: the stat_of part, after the sha256 and a space.
            entries = self.entries.items()
            signature = signature_of((path, entry[65:]) for path, entry in entries)
            newest = max((mtime_of(entry[65:]) for entry in self.entries.values()), default=0)
        fields = {
            "version": _VERSION,
            "manifest": self.complete_for,
            "signature": signature,
            "newest": newest,
            "clock": list(self.clock) if self.clock else None,
            "base": list(self.base) if self.base else None,
            "delta": hashlib.sha256(delta).hexdigest(),
            "marshal": marshal.version,
        }
        return f"{json.dumps({**fields, 'check': _checksum(fields)})}\n".encode()


def _write_base(directory: Path, entries: dict[str, str]) -> tuple[str, str]:
    """Write ``entries`` as a base file in ``directory``; its name and sha256."""
    content = marshal.dumps(entries)
    digest = hashlib.sha256(content).hexdigest()
    name = f"{STAT_FILE}.{digest[:16]}"
    write_atomically(directory / name, content)
    return name, digest


def _read_base(directory: Path, base: tuple[str, str]) -> dict[str, str] | None:
    """The entries of the base file ``base`` (name, sha256); None when it is not that file.

    Checked before it is unmarshalled: marshal is safe only on the bytes it wrote.
    """
    name, digest = base
    if not _BASE_NAME.fullmatch(name):
        return None
    try:
        content = (directory / name).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(content).hexdigest() != digest:
        return None
    try:
        # Only bytes this module wrote get here (their sha256 is in the checked header),
        # from the user's own cache directory, as with the parse cache's pickles.
        entries = marshal.loads(content)  # noqa: S302
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(entries, dict) or not all(
        isinstance(path, str) and isinstance(entry, str) for path, entry in entries.items()
    ):
        return None
    return entries


def _remove_other_bases(directory: Path, kept: str) -> None:
    """Remove the base files of earlier saves (the stat file no longer names them)."""
    for path in directory.iterdir():
        if path.name != kept and _BASE_NAME.fullmatch(path.name):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def load_header(directory: Path | None, output: Path) -> Header | None:
    """The first line of ``output``'s stat cache (None when missing or unusable)."""
    found = _read(directory, output, body=False)
    return found[0] if found is not None else None


def _read(
    directory: Path | None, output: Path, body: bool
) -> tuple[Header, tuple[int, int] | None, bytes, tuple[str, str] | None] | None:
    """The header, the output clock, (with ``body``) the changes' JSON and the base file.

    The reference for the racy rule is the cache file's own mtime when it is on
    the output's device (git's rule), else the output clock a render recorded,
    if the output is still on that device; else no stat is trusted, every file
    is read, and only the digests (what the compile cache needs) are used.
    """
    if directory is None:
        return None
    try:
        with (directory / STAT_FILE).open("rb") as stream:
            status = os.fstat(stream.fileno())
            line = stream.readline()
            rest = stream.read() if body else b""
        fields = json.loads(line)
        check = fields.pop("check")
        if fields.get("version") != _VERSION or check != _checksum(fields):
            return None  # another version, or corrupt (truncated, bit flip)
        if body and (
            fields["marshal"] != marshal.version
            or hashlib.sha256(rest).hexdigest() != fields["delta"]
        ):
            return None  # another Python's marshal format, or changes torn or damaged
        base = fields["base"]
        if not (base is None or (len(base) == 2 and all(isinstance(n, str) for n in base))):
            return None
        output_device = os.lstat(output).st_dev
        clock = tuple(fields["clock"]) if fields["clock"] is not None else None
        if not (clock is None or (len(clock) == 2 and all(isinstance(n, int) for n in clock))):
            return None
        if status.st_dev == output_device:
            reference: int | None = status.st_mtime_ns
        else:
            reference = clock[1] if clock is not None and clock[0] == output_device else None
        header = Header(
            _optional(fields["manifest"], str),
            _optional(fields["signature"], str),
            _optional(fields["newest"], int),
            reference,
        )
        clock_pair = (clock[0], clock[1]) if clock else None
        return header, clock_pair, rest, (base[0], base[1]) if base else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or corrupt: read all


def _optional(value: object, kind: type[T]) -> T | None:
    if value is None or isinstance(value, kind):
        return value
    raise TypeError(f"expected {kind.__name__}")


def _checksum(fields: Mapping[str, object]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _stamp(output: Path, cache_device: int) -> tuple[int, int] | None:
    """Set ``output``'s ctime to now and return (st_dev, ctime_ns); None on the same device.

    ``utime`` with the directory's own times changes nothing but its ctime,
    which the kernel sets from the output file system's clock.
    """
    before = os.lstat(output)
    if before.st_dev == cache_device:
        return None  # the cache file's own mtime is the reference
    try:
        os.utime(output, ns=(before.st_atime_ns, before.st_mtime_ns), follow_symlinks=False)
    except OSError:
        return None  # not the owner: no output clock, no stat trusted
    after = os.lstat(output)
    return after.st_dev, after.st_ctime_ns
