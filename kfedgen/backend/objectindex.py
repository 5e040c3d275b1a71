"""The object index: which output files each federated object rendered to, last time.

A render that compiled a fleet whose objects' files depend only on each object and
the fleet's shared documents (:mod:`kfedgen.partial` decides which fleets qualify)
keeps, beside the compile cache, what the next render needs to compile only the
objects that changed:

- the sha256 of every input file, by the name messages use for it;
- for each input file that holds nothing but federated objects (and the
  ReplicaSchedulingPreferences that schedule them), the refs of those objects, in
  file order: only such files may change for a partial compile;
- for each of those objects, the files it rendered to: its file in the cluster
  directory, and the clusters that received it;
- the sha256 of the ownership manifest of that render, and ``base``: the digest of
  kfedgen's code and the options, so another version or other options never match.

Like the other caches it only ever spares work: :mod:`kfedgen.backend.write` uses it
only when the stat cache proves the tree on disk is exactly that manifest's. The
file is a sha256 of its body, then the body as one :mod:`marshal` (fast to load at
52,000 files); marshal is safe only on bytes it wrote, so the body is checked first,
and the file lives in the caches' directory, which only the user can write.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from dataclasses import dataclass
from pathlib import Path

from kfedgen.cachefiles import write_atomically
from kfedgen.codedigest import running_code_digest

INDEX_FILE = "objects.index"
_VERSION = 1

# ref -> its file in the cluster directory -> the clusters that received that file.
ObjectFiles = dict[str, dict[str, tuple[str, ...]]]


@dataclass(frozen=True)
class ObjectIndex:
    """What one render compiled, per input file and per federated object."""

    base: str
    manifest: str
    inputs: dict[str, str]
    units: dict[str, tuple[str, ...]]
    files: ObjectFiles


def index_base(fingerprint: str) -> str:
    """The digest of kfedgen's code and the options ``fingerprint`` describes."""
    return hashlib.sha256(f"{running_code_digest()}\0{fingerprint}".encode()).hexdigest()


def load(directory: Path | None, base: str) -> ObjectIndex | None:
    """The index of the last render with ``base``; None when there is none or it is damaged."""
    if directory is None:
        return None
    try:
        raw = (directory / INDEX_FILE).read_bytes()
    except OSError:
        return None
    check, _, body = raw.partition(b"\n")
    if check != hashlib.sha256(body).hexdigest().encode():
        return None  # truncated, damaged, or not ours
    try:
        version, *fields = marshal.loads(body)  # noqa: S302 (checked: bytes kfedgen wrote)
        if version != (_VERSION, marshal.version) or fields[0] != base:
            return None
        return ObjectIndex(*fields)
    except (ValueError, TypeError, EOFError):
        return None


def store(directory: Path | None, index: ObjectIndex) -> None:
    """Keep ``index`` (the only one: an index describes the tree on disk)."""
    if directory is None:
        return
    fields = (index.base, index.manifest, index.inputs, index.units, index.files)
    body = marshal.dumps(((_VERSION, marshal.version), *fields))
    with contextlib.suppress(OSError):
        write_atomically(
            directory / INDEX_FILE, hashlib.sha256(body).hexdigest().encode(), b"\n", body
        )


def forget(directory: Path | None) -> None:
    """Remove the index: the tree on disk is no longer the one it describes."""
    if directory is not None:
        with contextlib.suppress(OSError):
            (directory / INDEX_FILE).unlink()
