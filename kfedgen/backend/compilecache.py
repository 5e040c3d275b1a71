"""The compile cache: a render whose inputs did not change is not compiled again.

The key is the sha256 of everything a render's bytes depend on: kfedgen's own
code and data (every file of the installed package, so an edited checkout
counts as another version, not only ``__version__``), the options that change
output, and the name and bytes of every input file.  The value is what a
no-op render reports without the compiled fleet: the sha256 of the ownership
manifest the fleet renders to (which lists every file's sha256), the number
of clusters, the warnings, and the notes (lines said once a run: the declared Kubernetes
versions that have no schemas to check against, say).

The cache can only ever say "this output is already current": the caller
trusts it only when the manifest on disk hashes to the cached digest and
every file it lists is confirmed (stat cache, or bytes); anything else, and a
missing, stale or corrupt cache, means a full compile.  It lives beside the
stat cache (:func:`kfedgen.backend.statcache.cache_dir`: inside ``.git/``, or
the user's cache directory), never in the output tree, so it cannot be
committed by accident.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kfedgen.cachefiles import checked_document, read_checked, write_atomically
from kfedgen.codedigest import running_code_digest
from kfedgen.errors import Location, Problem, Severity
from kfedgen.source.files import SourceFile

COMPILE_FILE = "compile.json"
_VERSION = 3
# Renders of one output remembered: a few spellings of its options and inputs.
ENTRIES_KEPT = 4


@dataclass(frozen=True)
class CachedRender:
    """What a render of unchanged inputs reports, without compiling."""

    manifest_digest: str
    clusters: int
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()


def compile_key(sources: Sequence[SourceFile], fingerprint: str) -> str:
    """The cache key of compiling ``sources`` with the options ``fingerprint`` describes."""
    digest = hashlib.sha256(f"{running_code_digest()}\0{fingerprint}\0".encode())
    for source in sources:
        name = source.display_name.encode("utf-8", "surrogateescape")
        digest.update(b"%d:%s%d:" % (len(name), name, len(source.content)))
        digest.update(source.content)
    return digest.hexdigest()


def load(directory: Path | None, key: str) -> CachedRender | None:
    """The cached render for ``key``; None when there is none or it cannot be trusted."""
    entry = next((e for e in _entries(directory) if e.get("key") == key), None)
    if entry is None:
        return None  # none, corrupt (truncated, bit flip) or other fleets' only
    try:
        return CachedRender(
            str(entry["manifest"]),
            int(entry["clusters"]),
            tuple(_problem(item) for item in entry["problems"]),
            tuple(str(note) for note in entry["notes"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def store(directory: Path | None, key: str, render: CachedRender) -> None:
    """Remember ``render`` for ``key``, with the last few other keys' renders of this output.

    Several entries, newest first: the same fleet spelled two ways (``-f fleet`` on a
    laptop, ``-f ./fleet`` in a hook) is two keys, since messages name files as
    given, and one entry would make every switch between them a full compile.
    """
    if directory is None:
        return
    entry = {
        "key": key,
        "manifest": render.manifest_digest,
        "clusters": render.clusters,
        "problems": [_problem_json(problem) for problem in render.problems],
        "notes": list(render.notes),
    }
    others = [e for e in _entries(directory) if e.get("key") != key]
    body = {"entries": [entry, *others[: ENTRIES_KEPT - 1]]}
    with contextlib.suppress(OSError):
        write_atomically(directory / COMPILE_FILE, checked_document(_VERSION, body))


def _entries(directory: Path | None) -> list[dict[str, Any]]:
    """The cache file's entries, newest first; none when it is missing or untrusted."""
    if directory is None:
        return []
    body = read_checked(directory / COMPILE_FILE, _VERSION)
    entries = body.get("entries") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, dict)]


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        **problem.location.fields(),
        "path": list(problem.path),
        "message": problem.message,
        "severity": problem.severity.value,
        "hint": problem.hint,
    }


def _problem(item: dict[str, Any]) -> Problem:
    path = tuple(item["path"])
    if not all(isinstance(part, (str, int)) for part in path):
        raise TypeError("bad document path")
    return Problem(
        Location(str(item["file"]), int(item["line"]), int(item["column"])),
        path,
        str(item["message"]),
        Severity(item["severity"]),
        str(item["hint"]),
    )
