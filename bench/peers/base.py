"""What the benchmark needs to know about one peer tool."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.peers.fleet import PeerFleet


@dataclass(frozen=True)
class Peer:
    """One peer: how to write its input, run it, and find its per-cluster output.

    ``name`` is also the executable looked up on ``PATH`` and the runner's option
    (``--<name> CMD``).  The tool runs with its input directory as working directory.
    """

    name: str
    write_input: Callable[[PeerFleet, Path], int]  # (fleet, input dir) -> files written
    argv: Callable[[Sequence[str], str], list[str]]  # (command, output dir name) -> argv
    clusters_root: Callable[[Path], Path]  # output dir -> the directory of one dir per cluster


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8, LF), creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
