"""The digest of kfedgen's own code and data: what every cache of kfedgen is keyed by.

An edited checkout is another version, not only another ``__version__``: every
file of the installed package counts (code, schemas, vendored data).  Light to
import, and used by the caches of every stage (parse, compile), so it lives
outside all of them.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import kfedgen

PACKAGE = Path(kfedgen.__file__).parent


def code_digest(package: Path = PACKAGE) -> str:
    """The sha256 of kfedgen's version and every file of its package (code, schemas)."""
    digest = hashlib.sha256(f"kfedgen {kfedgen.__version__}\0".encode())
    for path in sorted(_package_files(package)):
        digest.update(f"{path.relative_to(package).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@functools.cache
def running_code_digest() -> str:
    """:func:`code_digest` of the running kfedgen, computed once per process."""
    return code_digest()


def _package_files(package: Path) -> Iterable[Path]:
    for directory, subdirectories, files in os.walk(package):
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
        yield from (Path(directory, name) for name in files)
