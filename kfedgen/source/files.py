"""Stage 1: find the fleet's YAML files and read their bytes (:mod:`~kfedgen.source.load` parses).

Apart from parsing, so that a render whose caches answer reads and hashes the
fleet without importing the YAML parser (:mod:`kfedgen.views.cached`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kfedgen.errors import Location, Problems
from kfedgen.source import fleetpaths
from kfedgen.source.fleetpaths import LOOP

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
# Expanding aliases is how "billion laughs" documents blow up.  Nodes written
# out in the file cost no more than the file's size, so only nodes reached
# again through an alias count, per file (anchors are per document, but a file
# can hold many documents).  Real fleets reuse a few label maps; 100,000
# expanded nodes is generous, and a bomb is refused in about 50 ms.
DEFAULT_MAX_NODES = 100_000
# Scalars reached through aliases cost their text: a 1 MiB string anchored
# once and aliased 2,000 times would otherwise render gigabytes.  4 MiB per
# file is far more than sharing a script or a certificate between a few
# objects needs.
DEFAULT_MAX_ALIAS_BYTES = 4 * 1024 * 1024
# Kubernetes objects are rarely nested 30 levels deep.  Deeper documents are
# refused, so the later stages' recursive walks never hit Python's recursion
# limit (they do at about 400 levels).
DEFAULT_MAX_DEPTH = 100


@dataclass(frozen=True)
class SourceFile:
    """One input file: the name shown to users and its raw bytes."""

    display_name: str
    content: bytes


@dataclass(frozen=True)
class LoadOptions:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_nodes: int = DEFAULT_MAX_NODES
    max_alias_bytes: int = DEFAULT_MAX_ALIAS_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH


def discover(
    paths: Sequence[Path],
    base: Path,
    problems: Problems,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> list[SourceFile]:
    """Read every ``.yaml``/``.yml`` file under ``paths``, sorted by display name.

    Sorting by the name shown to users (relative to ``base`` when possible)
    makes the document order, and so every message order, independent of the
    file system.  Symlinks that lead outside the directory being walked are
    refused: a fleet must not read files it does not contain.  Files over
    ``max_file_bytes`` are refused before they are read, and so are FIFOs and
    devices (reading one could block forever or never end).
    """
    found: dict[str, Path] = {}
    for root in paths:
        if not root.exists() and not root.is_symlink():
            problems.error(Location(_display(root, base)), (), "no such file or directory")
            continue
        if root.is_dir():
            for file in _walk(root, problems, base):
                found.setdefault(_display(file, base), file)
        else:
            found.setdefault(_display(root, base), root)
    sources = []
    for name in sorted(found):
        content = _read(found[name], name, problems, max_file_bytes)
        if content is not None:
            sources.append(SourceFile(name, content))
    return sources


def _walk(root: Path, problems: Problems, base: Path) -> Iterator[Path]:
    resolved_root = root.resolve()
    inspect = fleetpaths.disk_inspector(resolved_root)
    for dirpath, dirnames, filenames in os.walk(root):
        directory = Path(dirpath)
        # Symlinks to directories are judged like any other symlink, never descended.
        links = [name for name in dirnames if (directory / name).is_symlink()]
        dirnames[:] = sorted(name for name in dirnames if not is_hidden(name) and name not in links)
        for name in sorted([*filenames, *links]):
            file = directory / name
            if is_hidden(name):
                continue  # .git, editor state: never fleet content
            if file.is_symlink():
                link = file.relative_to(root).as_posix()
                verdict = fleetpaths.judge(link, is_fleet_file(name), inspect, resolved_root)
                if verdict.problem:
                    problems.error(Location(_display(file, base)), (), verdict.problem)
                if verdict.target is None:
                    continue
            elif not is_fleet_file(name):
                continue
            yield file


def is_hidden(name: str) -> bool:
    """Hidden files and directories (``.git``, editor state) are never fleet content."""
    return name.startswith(".")


def is_fleet_file(name: str) -> bool:
    """Whether a file of this name, found in a fleet directory, is read."""
    return name.endswith(YAML_SUFFIXES) and not is_hidden(name)


def _display(path: Path, base: Path) -> str:
    try:
        return path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, name: str, problems: Problems, max_bytes: int) -> bytes | None:
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            problems.error(Location(name), (), "not a regular file; refusing to read it")
            return None
        if status.st_size > max_bytes:
            size_problem(name, status.st_size, max_bytes, problems)
            return None
        with path.open("rb") as handle:
            # The file may grow after the stat; never read more than the limit.
            return handle.read(max_bytes + 1)
    except OSError as exc:
        reason = LOOP if exc.errno == errno.ELOOP else f"cannot read file: {exc.strerror or exc}"
        problems.error(Location(name), (), reason)
        return None


def size_problem(name: str, size: int, limit: int, problems: Problems) -> None:
    """Report that the file ``name`` of ``size`` bytes is over the ``limit``."""
    problems.error(
        Location(name, 1, 1),
        (),
        f"file is {size} bytes, over the limit of {limit}",
        "raise it with --max-file-size if the file is really meant to be this large",
    )
