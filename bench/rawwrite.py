"""The raw cost of writing a rendered tree: the same bytes, the same layout, the same file system.

Issue 14's target 3 compares a full render with this: what writing the output costs
before any compiling.  The tree is read into memory first (not timed), then written
into a new directory beside it with the calls kfedgen's own writer makes: one
``mkdir`` per directory, ``open``/``write``/``close`` per file, and nothing else.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from kfedgen.backend.staging import write_new_file


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX path -> bytes), in sorted order."""
    files: dict[str, bytes] = {}
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        prefix = Path(directory).relative_to(root).as_posix()
        for name in sorted(names):
            relative = name if prefix == "." else f"{prefix}/{name}"
            files[relative] = Path(directory, name).read_bytes()
    return files


def write_tree(files: dict[str, bytes], target: Path) -> float:
    """Write ``files`` under ``target`` (which must not exist); the seconds it took."""
    start = time.perf_counter()
    root = os.fspath(target)
    target.mkdir()
    made = {""}
    for path, content in files.items():
        directory = path.rpartition("/")[0]
        if directory not in made:
            Path(root, directory).mkdir(parents=True, exist_ok=True)  # as kfedgen does
            made.add(directory)
        write_new_file(f"{root}/{path}", content)  # the calls kfedgen makes per file
    return time.perf_counter() - start


def raw_write_seconds(rendered: Path, target: Path) -> float:
    """Seconds to write a copy of the tree ``rendered`` as ``target`` (reading is not timed)."""
    return write_tree(read_tree(rendered), target)
