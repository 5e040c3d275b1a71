"""The output tree as bytes, and what every reader of it needs: light to import.

The no-op render (:mod:`kfedgen.views.cached`) confirms the tree on disk without
compiling, so the names it shares with :mod:`kfedgen.backend.emit` live here, away
from the YAML writer and the object model that emit imports.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from json.encoder import encode_basestring_ascii

MANIFEST_PATH = ".kfedgen/manifest.json"


def sha256(content: bytes) -> str:
    """The hex sha256 of ``content``."""
    return hashlib.sha256(content).hexdigest()


def path_problem(path: str) -> str | None:
    """Why ``path`` is not a safe relative POSIX path inside the output (None when it is)."""
    # An empty, "." or ".." component (a leading or trailing "/" included) shows as
    # "//", "/./" or "/../" once the path is wrapped in slashes.
    wrapped = f"/{path}/"
    if not path or "//" in wrapped or "/./" in wrapped or "/../" in wrapped:
        return "it is not a plain relative path"
    if "\\" in path or "\0" in path:
        return "it contains a backslash or a NUL character"
    return None


def first_path_problem(paths: Collection[str]) -> tuple[str, str] | None:
    """The first of ``paths`` that :func:`path_problem` refuses, and why; None when none is.

    The paths are joined by ``/ NUL /`` and wrapped in slashes, and the text is
    searched once: a path cannot hold NUL (counted apart), so every match lies
    inside one path, wrapped as :func:`path_problem` wraps it.  Only then is
    each path checked, to name the first.  At 50,000 files, a call per path
    cost 9 ms of every render.
    """
    joined = "/" + "/\0/".join(paths) + "/"
    if not (
        "//" in joined
        or "/./" in joined
        or "/../" in joined
        or "\\" in joined
        or joined.count("\0") != max(len(paths) - 1, 0)
    ):
        return None
    for path in paths:
        problem = path_problem(path)
        if problem:
            return path, problem
    return None


@dataclass(frozen=True)
class OutputTree:
    """The complete output: relative path -> bytes, plus the ownership manifest."""

    files: dict[str, bytes]

    def paths(self) -> list[str]:
        return sorted(self.files)

    @cached_property
    def digests(self) -> dict[str, str]:
        """The sha256 of every file (the manifest included), computed once."""
        return digests_of(self.files)


def digests_of(files: Mapping[str, bytes]) -> dict[str, str]:
    """The sha256 of every file; content shared by many paths (one object) is hashed once."""
    by_object: dict[int, str] = {}
    digests = {}
    for path, content in files.items():
        digest = by_object.get(id(content))
        if digest is None:
            digest = by_object[id(content)] = sha256(content)
        digests[path] = digest
    return digests


def manifest_of(paths: Iterable[str], digests: Mapping[str, str]) -> bytes:
    """The ownership manifest: every one of ``paths`` with its sha256 from ``digests``.

    The JSON is ``json.dumps(..., indent=2, sort_keys=True)`` of
    ``{"files": {path: sha256}, "generator": "kfedgen", "version": 1}``, written
    line by line: the pure-Python indenting encoder was slow at 50,000 files.  The
    manifest's own path, when among ``paths``, is left out.
    """
    # Written into one buffer, line by line: a list of lines joined, then encoded,
    # held three copies of a large fleet's manifest at once (60 MB at 10,000 clusters).
    buffer = io.BytesIO()
    write = buffer.write
    write(b'{\n  "files": {')
    escape = encode_basestring_ascii  # what json.dumps writes a str as (ensure_ascii)
    separator = "\n"
    for path in sorted(paths):
        if path != MANIFEST_PATH:
            write(f'{separator}    {escape(path)}: "{digests[path]}"'.encode())
            separator = ",\n"
    write(b"\n  }" if separator != "\n" else b"}")
    write(b',\n  "generator": "kfedgen",\n  "version": 1\n}\n')
    return buffer.getvalue()


def patched_manifest(manifest: bytes, changed: Mapping[str, str]) -> bytes | None:
    """``manifest`` (:func:`manifest_of`'s bytes) with the sha256 of ``changed`` paths replaced.

    The same bytes :func:`manifest_of` writes for the same files: the lines are sorted
    by path and each digest is 64 hex characters, so each one is replaced in place,
    searching forward from the last.  None when a path is not listed (the caller
    writes the manifest whole).  At 50,000 files this takes a few milliseconds
    instead of about 30.
    """
    patched = bytearray(manifest)
    start = 0
    for path in sorted(changed):
        key = f'\n    {encode_basestring_ascii(path)}: "'.encode()
        found = patched.find(key, start)
        if found < 0:
            return None
        start = found + len(key)
        digest = changed[path].encode()
        if len(digest) != 64 or patched[start + 64 : start + 65] != b'"':
            return None
        patched[start : start + 64] = digest
    return bytes(patched)
