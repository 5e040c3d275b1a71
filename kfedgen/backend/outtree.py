"""The output tree as bytes, and what every reader of it needs: light to import.

The no-op render (:mod:`kfedgen.views.cached`) confirms the tree on disk without
compiling, so the names it shares with :mod:`kfedgen.backend.emit` live here, away
from the YAML writer and the object model that emit imports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property

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
