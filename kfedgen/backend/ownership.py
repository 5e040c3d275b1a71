"""Who owns each path of the output tree, and how the tree on disk differs from a render.

kfedgen owns exactly the files its ownership manifest (``.kfedgen/manifest.json``)
lists, and the manifest itself.  Everything else is foreign: carried over
untouched and reported.  A foreign file, or directory, at a path kfedgen now
renders is a conflict and is never overwritten — except a regular file whose
bytes are exactly those kfedgen renders there: owning it loses nothing, so it
is adopted (and reported).  That is also how a lost manifest heals.
"""

from __future__ import annotations

import enum
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.backend.outscan import DiskTree, OutputProblems, scan
from kfedgen.backend.outtree import MANIFEST_PATH, OutputTree, path_problem, sha256
from kfedgen.backend.statcache import StatCache
from kfedgen.backend.treestamp import stat_of
from kfedgen.errors import Location, OutputError, Problem

MANIFEST_VERSION = 1


class ConflictKind(enum.Enum):
    FILE = "file"  # a foreign file where kfedgen renders a file
    DIRECTORY = "directory"  # a foreign directory where kfedgen renders a file
    PARENT = "parent"  # a foreign file where kfedgen needs a directory


@dataclass(frozen=True)
class Conflict:
    """A foreign file or directory in the way of a file kfedgen renders."""

    path: str  # what is in the way, relative to the output
    wanted: str  # the file kfedgen renders there (or below it)
    kind: ConflictKind
    what: str  # the object kfedgen renders to ``wanted``, for people


@dataclass
class TreeDiff:
    """How the output tree on disk differs from the one just rendered.

    ``foreign`` lists files and empty directories (with a trailing ``/``) that
    kfedgen does not own; ``adopted`` foreign files identical to the render.
    """

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    manifest_found: bool = True

    @property
    def is_current(self) -> bool:
        return not (self.added or self.changed or self.stale or self.adopted or self.conflicts)


def read_owned(output: Path) -> dict[str, str] | None:
    """Paths (and sha256) the last render wrote; None when there is no manifest.

    A manifest that exists but cannot be trusted is an :class:`OutputError`:
    guessing would either overwrite the user's files or delete kfedgen's.
    """
    found = read_manifest(output)
    return found[0] if found is not None else None


def owned_reader(output: Path) -> Callable[[str], bytes | None]:
    """A reader of the files kfedgen wrote in ``output``: their bytes, or None for any other.

    The manifest is read on the first call only (most renders never call it); a path the
    manifest does not list, or that is not a regular file now, reads as None.
    """
    owned: dict[str, str] | None = None

    def read(path: str) -> bytes | None:
        nonlocal owned
        if owned is None:
            found = read_manifest(output)
            owned = found[0] if found is not None else {}
        if path not in owned or path_problem(path):
            return None
        target = output / path
        try:
            if not stat.S_ISREG(target.lstat().st_mode):
                return None
            return target.read_bytes()
        except OSError:
            return None

    return read


def read_manifest(output: Path, known: str | None = None) -> tuple[dict[str, str], str] | None:
    """:func:`read_owned`, and the sha256 of the manifest's bytes.

    A manifest whose sha256 is ``known`` (one kfedgen rendered) is not checked again.
    """
    path = output / MANIFEST_PATH
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            raise _unusable(output, "it is not a file")
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise _unusable(output, f"it cannot be read ({exc.strerror or exc})") from exc
    try:
        document = json.loads(raw.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise _unusable(output, f"it is not JSON ({exc})") from exc
    files = document.get("files") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("generator") != "kfedgen"
        or not isinstance(files, dict)
        or not all(isinstance(v, str) for v in files.values())
    ):
        raise _unusable(
            output,
            'it is not a kfedgen ownership manifest ({"generator": "kfedgen", "files": {...}})',
        )
    if document.get("version") != MANIFEST_VERSION:
        raise _unusable(
            output,
            f"it has version {document.get('version')!r}, and this kfedgen reads version "
            f"{MANIFEST_VERSION} (was it written by a newer kfedgen?)",
        )
    digest = sha256(raw)
    for owned in files if digest != known else ():
        if path_problem(owned):
            raise _unusable(output, f"it lists {owned!r}, which is not a path inside the output")
    return dict(files), digest


def _unusable(output: Path, reason: str) -> OutputError:
    manifest = f"{output}/{MANIFEST_PATH}"
    return OutputError(
        f"{manifest} is unusable: {reason}; kfedgen cannot tell the files it wrote from "
        f"yours, so it refuses to touch the tree (restore it with 'git checkout -- "
        f"{manifest}', or delete it: kfedgen then adopts the files identical to what it "
        "renders and refuses to overwrite any other)"
    )


def compare(output: Path, tree: OutputTree, stats: StatCache | None = None) -> TreeDiff:
    """Compare ``tree`` with what is on disk under ``output`` (reads, never writes).

    With ``stats``, an owned file that the stat cache confirms is not read; a
    file that had to be read and holds what ``tree`` renders is recorded in it.
    """
    disk = scan(output, stats=stats is not None)
    manifest = read_owned(output)
    owned = manifest or {}
    diff = TreeDiff(manifest_found=manifest is not None)
    root = os.fspath(output)
    digests = tree.digests if stats is not None else {}
    blockers: set[str] = set()
    for path in tree.paths():
        expected = tree.files[path]
        if path in disk.files:
            if path in owned or path == MANIFEST_PATH:
                same = _holds(f"{root}/{path}", path, expected, disk, digests, stats)
                (diff.unchanged if same else diff.changed).append(path)
            elif _read_upto(f"{root}/{path}", len(expected) + 1) == expected and _is_regular(
                f"{root}/{path}"
            ):
                diff.adopted.append(path)
            else:
                diff.conflicts.append(_conflict(path, path, ConflictKind.FILE, tree))
            continue
        if path in disk.directories:
            diff.conflicts.append(_conflict(path, path, ConflictKind.DIRECTORY, tree))
            continue
        # (A new output has no file on disk that could be in the way.)
        blocker = _file_above(path, disk.files) if disk.files else None
        if blocker is not None and blocker not in blockers:
            blockers.add(blocker)
            diff.conflicts.append(_conflict(blocker, path, ConflictKind.PARENT, tree))
        diff.added.append(path)
    _sort_the_rest(diff, disk, tree.files.keys(), owned, blockers)
    return diff


def confirm_current(output: Path, manifest_digest: str, stats: StatCache) -> TreeDiff | None:
    """The diff of an up-to-date ``output`` whose manifest hashes to ``manifest_digest``.

    None when unsure.  Used without compiling, when the compile cache says the
    fleet renders to the manifest with that digest: if the manifest on disk is
    that one, every file it lists (and the manifest) must be confirmed by the
    stat cache or, where its stat changed but not its size, by reading it.
    Anything else — a file missing, edited, not in the stat cache — is None,
    and the caller compiles and compares as usual.
    """
    if stats.complete_for == manifest_digest:
        # The stat cache holds exactly the files of that manifest: no need to parse it.
        if _digest_of_file(output / MANIFEST_PATH) != manifest_digest:
            return None
        digests = {path: entry[:64] for path, entry in stats.entries.items()}
    else:
        found = read_manifest(output, manifest_digest)
        if found is None or found[1] != manifest_digest:
            return None
        digests = {**found[0], MANIFEST_PATH: manifest_digest}
    disk = scan(output, stats=True)
    if not disk.stats.keys() >= digests.keys():
        return None
    root = os.fspath(output)
    reference = stats.reference_ns or 0
    entries = stats.entries
    for path, digest in digests.items():
        status = disk.stats[path]
        # StatCache.confirms, inline for the common case: it runs once per file.
        if status.st_mtime_ns < reference and entries.get(path) == f"{digest} {stat_of(status)}":
            continue
        if not _confirmed(f"{root}/{path}", path, status, digest, stats):
            return None
    diff = TreeDiff(unchanged=sorted(digests))
    _sort_the_rest(diff, disk, digests.keys(), digests, set())
    return diff


def _holds(
    full: str,
    path: str,
    expected: bytes,
    disk: DiskTree,
    digests: Mapping[str, str],
    stats: StatCache | None,
) -> bool:
    """Whether the file at ``full`` holds ``expected``; the stat cache spares the read."""
    status = disk.stats.get(path)  # taken before the read: an edit after it changes the stat
    if stats is None or status is None:
        return _read_upto(full, len(expected) + 1) == expected
    digest = digests[path]
    if stats.confirms(path, status, digest):
        return True
    same = _read_upto(full, len(expected) + 1) == expected
    if same and stat.S_ISREG(status.st_mode):
        stats.record(path, status, digest)
    return same


def _confirmed(full: str, path: str, status: os.stat_result, digest: str, stats: StatCache) -> bool:
    if stats.confirms(path, status, digest):
        return True
    if stats.recorded_size(path) != status.st_size or not stat.S_ISREG(status.st_mode):
        return False
    content = _read_upto(full, status.st_size + 1)
    if content is None or sha256(content) != digest:
        return False
    stats.record(path, status, digest)  # racily clean, or touched: verified by its bytes
    return True


def _digest_of_file(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        return sha256(path.read_bytes())
    except OSError:
        return None


def _sort_the_rest(
    diff: TreeDiff,
    disk: DiskTree,
    rendered: AbstractSet[str],
    owned: Mapping[str, str],
    blockers: set[str],
) -> None:
    """Files on disk that the render does not produce: stale (kfedgen's) or foreign."""
    # The contents of a directory in the way belong to that one conflict.
    inside = tuple(c.path + "/" for c in diff.conflicts if c.kind is ConflictKind.DIRECTORY)
    for path in sorted(disk.files - rendered - blockers):
        if not _under(path, inside):
            (diff.stale if path in owned else diff.foreign).append(path)
    if disk.empty:
        # An empty directory that the render fills is not foreign: kfedgen's own,
        # emptied by hand.  Any other kfedgen never leaves behind, so it is the user's.
        needed = _directories_of(rendered)
        kept = [d for d in disk.empty if d not in needed and d not in rendered]
        diff.foreign = sorted([*diff.foreign, *(d + "/" for d in kept if not _under(d, inside))])
    diff.conflicts.sort(key=lambda conflict: conflict.path)


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False  # gone or unreadable since the scan: not something to adopt


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return bool(prefixes) and path.startswith(prefixes)


def _file_above(path: str, files: frozenset[str]) -> str | None:
    """The nearest ancestor of ``path`` that is a file on disk (None when there is none)."""
    index = path.find("/")
    while index != -1:
        if path[:index] in files:
            return path[:index]
        index = path.find("/", index + 1)
    return None


def _directories_of(paths: Iterable[str]) -> set[str]:
    directories: set[str] = set()
    for path in paths:
        directory = path.rpartition("/")[0]
        while directory and directory not in directories:
            directories.add(directory)
            directory = directory.rpartition("/")[0]
    return directories


def _conflict(path: str, wanted: str, kind: ConflictKind, tree: OutputTree) -> Conflict:
    # Only on the error path: reading the object back costs a YAML parse.
    from kfedgen.backend.readback import GLOBAL_GROUPS, group_of, read_identity  # noqa: PLC0415

    identity = read_identity(wanted, tree.files[wanted])
    group = group_of(wanted)
    if identity is None:
        what = f"the file {wanted}"
    elif group in GLOBAL_GROUPS:
        what = str(identity)
    else:
        what = f"{identity} of cluster {group}"
    return Conflict(path, wanted, kind, what)


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


def conflicts_error(output: Path | str, diff: TreeDiff) -> OutputProblems:
    """The conflicts of ``diff`` as problems (one per path), with a one-line summary."""
    manifest = f"{output}/{MANIFEST_PATH}"
    lost = (
        ""
        if diff.manifest_found
        else f"; there is no {manifest}: if kfedgen rendered these files before, restore it "
        "from git"
    )
    problems = []
    for conflict in diff.conflicts:
        if conflict.kind is ConflictKind.FILE:
            message = (
                f"not written by kfedgen (not in {manifest}), but kfedgen now renders "
                f"{conflict.what} to this path; refusing to overwrite it"
            )
            hint = "delete or move the file if it may go, or rename the object"
        elif conflict.kind is ConflictKind.DIRECTORY:
            message = (
                f"a directory kfedgen did not create, where kfedgen now renders "
                f"{conflict.what}; refusing to replace it"
            )
            hint = "move the directory away, or rename the object"
        else:
            message = (
                f"not written by kfedgen, but kfedgen needs this path as the directory of "
                f"{conflict.wanted} ({conflict.what}); refusing to replace it"
            )
            hint = "move the file away, or rename the object or its namespace"
        location = Location(f"{output}/{conflict.path}")
        problems.append(Problem(location, (), message, hint=hint + lost))
    count = len(problems)
    noun = "1 file" if count == 1 else f"{count} files"
    verb = "is" if count == 1 else "are"
    return OutputProblems(problems, f"{noun} in {output} {verb} in the way of the render")
