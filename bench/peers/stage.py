"""The runner's peers stage: generate each peer's input, check its output, then time it.

For one fleet size, after kfedgen's full render:

1. ``prepare``: ask kfedgen for its replica plan (``kfedgen plan --format json``), build the
   peer view of the fleet (``bench.peers.fleet``) and write each available peer's input
   tree under ``<size>/peers/<name>/``.  This happens before the runner's change stage
   edits the fleet.
2. ``measure``: run each peer once into ``out-check/`` and compare its objects with
   kfedgen's first full render (``bench.peers.compare``).  A peer whose objects differ is
   reported with the first differences and not timed.  Otherwise it runs ``repeat`` more
   times, each into a new directory (``out-1``...), and its median is compared with
   kfedgen's full render of the same run.

A peer that is not installed is skipped with the reason; nothing here is needed by the
tests of kfedgen.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import generate
from bench.peers import compare, fleet
from bench.peers.base import Peer
from bench.peers.registry import PEERS
from bench.proc import ProcResult, run_timed

# Each in a venv of its own: their pins of ``packaging`` conflict (make-argocd-fly 0.4.8 and
# kapitan 0.36.3 cannot share one environment).
INSTALL_HINT = {
    name: f"python3 -m venv VENV && VENV/bin/pip install {name}"
    for name in ("make-argocd-fly", "kapitan")
}


@dataclass
class PeerResult:
    """One peer at one fleet size; ``skipped`` says why a stage did not run."""

    name: str
    command: list[str] = field(default_factory=list)
    version: str = ""
    skipped: str = ""
    input_files: int | None = None
    input_seconds: float | None = None  # writing its input tree (not part of its time)
    check_seconds: float | None = None  # the first run, whose output is compared
    clusters_compared: int | None = None
    objects_compared: int | None = None
    equivalent: bool | None = None
    mismatch_count: int | None = None
    mismatches: list[str] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)
    seconds: float | None = None  # median wall time of the timed runs
    cpu_samples: list[float] = field(default_factory=list)
    cpu_seconds: float | None = None  # median CPU time (user + system, workers included)
    peak_rss_mib: float | None = None  # of the largest process
    output_files: int | None = None
    speedup: float | None = None  # seconds / kfedgen's full render of the same run
    cpu_speedup: float | None = None  # cpu_seconds / kfedgen's full render's CPU time


@dataclass(frozen=True)
class Times:
    """kfedgen's full render (a) of the same run: median wall and CPU seconds."""

    wall: float | None
    cpu: float | None


@dataclass(frozen=True)
class Prepared:
    """A peer whose input tree is written (or which is skipped: ``result.skipped``)."""

    peer: Peer
    command: list[str]
    input_dir: Path
    result: PeerResult


def tool_version(command: Sequence[str], timeout: float = 120) -> str:
    """The first line ``<command> --version`` prints, or "" if it prints nothing."""
    try:
        res = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, check=False, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (res.stdout + res.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def kfedgen_plan(
    kfedgen: Sequence[str], fleet_dir: Path, cwd: Path, timeout: float
) -> dict[str, Any]:
    """``kfedgen plan -f FLEET --format json``, parsed; RuntimeError with its stderr if it fails."""
    argv = [*kfedgen, "plan", "-f", str(fleet_dir), "--format", "json"]
    try:
        res = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"kfedgen plan did not run: {exc}") from exc
    if res.returncode != 0:
        tail = "\n".join(res.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"kfedgen plan failed (exit {res.returncode}): {tail}")
    try:
        plan: dict[str, Any] = json.loads(res.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"kfedgen plan printed no JSON: {exc}") from exc
    return plan


def _log(label: str, message: str) -> None:
    print(f"[{label}] {message}", file=sys.stderr)


def prepare(
    commands: Mapping[str, list[str] | None],
    skipped: Mapping[str, str],
    model: generate.FleetModel,
    kfedgen: Sequence[str],
    fleet_dir: Path,
    work: Path,
    timeout: float,
) -> list[Prepared]:
    """Write the input tree of every peer that has a command; the others carry a reason.

    ``commands`` maps each peer's name to its command (None: not available, with the
    reason in ``skipped``).
    """
    label = work.name
    out: list[Prepared] = []
    runnable = {name for name, cmd in commands.items() if cmd}
    peer_fleet: fleet.PeerFleet | None = None
    reason = ""
    if runnable:
        _log(label, "kfedgen plan (replicas for the peers) ...")
        try:
            replicas = fleet.scheduled_replicas(kfedgen_plan(kfedgen, fleet_dir, work, timeout))
            peer_fleet = fleet.build(model, replicas)
        except (RuntimeError, ValueError) as exc:
            reason = f"no peer input: {exc}"
    for peer in PEERS:
        command = commands.get(peer.name) or []
        result = PeerResult(peer.name, command)
        input_dir = work / "peers" / peer.name
        if not command:
            result.skipped = skipped.get(peer.name, "not requested")
        elif peer_fleet is None:
            result.skipped = reason
        else:
            result.version = tool_version(command)
            _log(label, f"{peer.name}: writing its input ...")
            start = time.perf_counter()
            result.input_files = peer.write_input(peer_fleet, input_dir)
            result.input_seconds = time.perf_counter() - start
        out.append(Prepared(peer, command, input_dir, result))
    return out


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


def _run(p: Prepared, output: str, timeout: float) -> ProcResult | None:
    """Run the peer into ``output``; None (the failure recorded) if it fails."""
    res = run_timed(p.peer.argv(p.command, output), p.input_dir, timeout=timeout)
    if not res.ok:
        p.result.skipped = f"{output}: exit {res.returncode}: {res.stderr_tail}".rstrip()
        return None
    return res


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def _measure_one(
    p: Prepared, reference: compare.Tree, kfedgen: Times, repeat: int, timeout: float
) -> None:
    r, label = p.result, p.input_dir.parent.parent.name
    _log(label, f"{p.peer.name}: run and compare with kfedgen's objects ...")
    first = _run(p, "out-check", timeout)
    if first is None:
        return
    r.check_seconds = first.seconds
    root = p.peer.clusters_root(p.input_dir / "out-check")
    r.output_files = _count_files(root)
    result = compare.compare(reference, compare.load_tree(root))
    r.clusters_compared, r.objects_compared = result.clusters, result.objects
    r.equivalent, r.mismatch_count, r.mismatches = (
        result.equivalent,
        result.mismatch_count,
        result.mismatches,
    )
    if not result.equivalent:
        r.skipped = f"not timed: {result.mismatch_count} difference(s) from kfedgen's objects"
        return
    peak = 0
    for i in range(repeat):
        _log(label, f"{p.peer.name} {i + 1}/{repeat} ...")
        timed = _run(p, f"out-{i + 1}", timeout)
        if timed is None:
            return
        r.samples.append(timed.seconds)
        r.cpu_samples.append(timed.cpu_seconds)
        peak = max(peak, timed.maxrss_kib)
    r.seconds, r.cpu_seconds = statistics.median(r.samples), statistics.median(r.cpu_samples)
    r.peak_rss_mib = peak / 1024
    r.speedup, r.cpu_speedup = _ratio(r.seconds, kfedgen.wall), _ratio(r.cpu_seconds, kfedgen.cpu)


def measure(
    prepared: Sequence[Prepared],
    reference_root: Path,
    kfedgen: Times,
    repeat: int,
    timeout: float,
) -> list[PeerResult]:
    """Check and time every prepared peer against kfedgen's tree at ``reference_root``."""
    ready = [p for p in prepared if not p.result.skipped]
    reference = compare.load_tree(reference_root) if ready else compare.Tree()
    for p in ready:
        _measure_one(p, reference, kfedgen, repeat, timeout)
    return [p.result for p in prepared]


def skip_all(skips: Mapping[str, str], reason: str) -> list[PeerResult]:
    """A skipped result for every peer: its own reason if it has one, else ``reason``."""
    return [PeerResult(peer.name, skipped=skips.get(peer.name) or reason) for peer in PEERS]


def _equal(r: PeerResult) -> str:
    if r.equivalent is None:
        return "-"
    if r.equivalent:
        return f"yes ({r.objects_compared:,} objects, {r.clusters_compared} clusters)"
    return f"NO ({r.mismatch_count} differences)"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


HEADER = [
    "size",
    "peer",
    "version",
    "same objects as kfedgen",
    "wall",
    "kfedgen (a)",
    "speed-up",
    "CPU",
    "kfedgen CPU",
    "CPU speed-up",
    "peak RSS",
]


def rows(label: str, kfedgen: Times, results: Sequence[PeerResult]) -> list[list[str]]:
    """One table row per peer, in ``HEADER``'s columns."""
    return [
        [
            label,
            r.name,
            r.version or "-",
            _equal(r),
            _seconds(r.seconds),
            _seconds(kfedgen.wall),
            _times(r.speedup),
            _seconds(r.cpu_seconds),
            _seconds(kfedgen.cpu),
            _times(r.cpu_speedup),
            "-" if r.peak_rss_mib is None else f"{r.peak_rss_mib:.0f} MiB",
        ]
        for r in results
    ]


def notes(label: str, results: Sequence[PeerResult]) -> list[str]:
    """Why a peer was skipped or not timed, and its first differences."""
    out = []
    for r in results:
        if r.skipped:
            out.append(f"[{label}] {r.name} skipped: {r.skipped}")
        out.extend(f"[{label}] {r.name} differs: {m}" for m in r.mismatches)
    return out
