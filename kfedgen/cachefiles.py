"""Writing kfedgen's cache files: whole, or not at all.

Shared by the caches of every stage (parse, compile, stat), so it depends on
none of them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomically(path: Path, *content: bytes) -> None:
    """Replace ``path`` with ``content`` (its parts, in order): readers see the old or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as stream:
            stream.writelines(content)
        temporary.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
