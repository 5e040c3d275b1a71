"""What describing the clusters costs: one fleet rendered with and without ``compute``.

Issue 16 asks that a 1000-cluster fleet whose inventory declares node pools pays at most
20 % more render time than the same fleet without.  This script writes the benchmark's
synthetic fleet (:mod:`bench.generate`, the same model and object files) twice: once with
the plain inventory, once with every cluster's entry also declaring ``kubernetesVersion``,
``apis``, ``provides`` and ``compute`` (two node pools, a general one and a tainted GPU
one, and a Fargate profile).  It renders each ``--repeat`` times in a child process, each
time into a new output directory with kfedgen's caches off (so every render is a full
one), and prints the median wall time and the median CPU time of the child (user +
system, from ``os.times()``), and their ratios.  CPU time is the steadier of the two on a
shared machine.

Usage::

    python -m bench.feasibility --clusters 1000 --objects 50 --repeat 3 --workdir DIR
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import generate

# What each cluster declares in the "with" fleet: the README's "Will it run there?" shape.
KUBERNETES_VERSION = "1.30"
APIS = ("serving.knative.dev/v1", "monitoring.coreos.com/v1")
PROVIDES = (
    {"kind": "Secret", "namespace": "team-a", "name": "registry-creds"},
    {"kind": "PriorityClass", "name": "batch-low"},
)
GENERAL_POOL = {
    "name": "general",
    "nodes": 6,
    "labels": {"kubernetes.io/arch": "amd64", "node.kubernetes.io/instance-type": "m6i.xlarge"},
    "allocatable": {"cpu": "3920m", "memory": "14Gi", "pods": "58"},
}
GPU_POOL = {
    "name": "gpu",
    "nodes": 2,
    "labels": {"kubernetes.io/arch": "amd64", "nvidia.com/gpu.present": "true"},
    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
    "allocatable": {"cpu": "47400m", "memory": "180Gi", "pods": "234", "nvidia.com/gpu": "4"},
}
# Selects pods labelled compute=fargate in team-d: none of the generated ones, so the pools
# run every pod (the cluster has pools: it is not Fargate-only).
FARGATE_PROFILE = {
    "name": "batch",
    "selectors": [{"namespace": "team-d", "labels": {"compute": "fargate"}}],
}


def compute_entry(cluster: generate.Cluster) -> dict[str, Any]:
    """One cluster's inventory entry with everything the feasibility checks read."""
    return {
        "name": cluster.name,
        "labels": dict(cluster.labels),
        "server": cluster.server,
        "kubernetesVersion": KUBERNETES_VERSION,
        "apis": list(APIS),
        "provides": [dict(p) for p in PROVIDES],
        "compute": {
            "fargateProfiles": [FARGATE_PROFILE],
            "nodePools": [GENERAL_POOL, GPU_POOL],
        },
    }


def write_with_compute(model: generate.FleetModel, fleet_dir: Path) -> None:
    """Replace ``fleet_dir/inventory.yaml`` with one whose entries declare ``compute``."""
    doc = {
        "apiVersion": generate.FLEET_API,
        "kind": "Fleet",
        "metadata": {"name": "bench"},
        "spec": {"clusters": [compute_entry(c) for c in model.clusters]},
    }
    path = fleet_dir / "inventory.yaml"
    path.write_text(generate.dump_yaml([doc]), encoding="utf-8", newline="\n")


@dataclass(frozen=True)
class Run:
    """One render in a child process: wall and CPU seconds, exit code, output directory."""

    wall: float
    cpu: float
    code: int
    output: Path


def render(kfedgen: Sequence[str], work: Path, fleet: Path, output: Path) -> Run:
    """``kfedgen render`` of ``fleet`` into the new directory ``output``, caches off, timed."""
    env = {**os.environ, "KFEDGEN_CACHE_DIR": ""}
    before, start = os.times(), time.perf_counter()
    done = subprocess.run(
        [*kfedgen, "render", "-f", str(fleet), "-o", str(output)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall, after = time.perf_counter() - start, os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
    return Run(wall, cpu, done.returncode, output)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@dataclass(frozen=True)
class Result:
    """Medians of both fleets and whether their rendered trees are the same bytes."""

    plain: list[Run]
    compute: list[Run]
    identical: bool

    @staticmethod
    def median(runs: Sequence[Run], field: str) -> float:
        """The median of one field (``wall`` or ``cpu``) over ``runs``."""
        return statistics.median(r.wall if field == "wall" else r.cpu for r in runs)

    def ratio(self, field: str) -> float:
        """With ``compute`` over without, for ``wall`` or ``cpu``."""
        return self.median(self.compute, field) / self.median(self.plain, field)


def measure(clusters: int, objects: int, repeat: int, work: Path, kfedgen: Sequence[str]) -> Result:
    """Generate both fleets under ``work`` and render each ``repeat`` times, interleaved."""
    model = generate.build_model(clusters, objects)
    fleets = {"plain": work / "plain" / "fleet", "compute": work / "compute" / "fleet"}
    for fleet in fleets.values():
        if fleet.parent.exists():
            shutil.rmtree(fleet.parent)
        generate.write_fleet(model, fleet)
    write_with_compute(model, fleets["compute"])
    runs: dict[str, list[Run]] = {"plain": [], "compute": []}
    # Interleaved, so a change in the machine's load falls on both sides alike.
    for index in range(repeat):
        for name, fleet in fleets.items():
            run = render(kfedgen, work, fleet, fleet.parent / f"rendered-{index}")
            if run.code != 0:
                raise SystemExit(f"kfedgen render of the {name} fleet exited {run.code}")
            runs[name].append(run)
    identical = tree_bytes(runs["plain"][0].output) == tree_bytes(runs["compute"][0].output)
    return Result(runs["plain"], runs["compute"], identical)


def report(result: Result, clusters: int, objects: int) -> str:
    """The table this script prints."""
    lines = [f"{clusters} clusters x {objects} objects, {len(result.plain)} renders each"]
    lines.append(f"{'inventory':<16}{'wall (median)':>16}{'cpu (median)':>16}")
    for name, runs in (("plain", result.plain), ("with compute", result.compute)):
        wall, cpu = Result.median(runs, "wall"), Result.median(runs, "cpu")
        lines.append(f"{name:<16}{wall:>14.2f} s{cpu:>14.2f} s")
    wall, cpu = result.ratio("wall"), result.ratio("cpu")
    lines.append(f"{'ratio':<16}{wall:>16.3f}{cpu:>16.3f}")
    # The fastest run is the least disturbed by other work on a shared machine.
    least = min(r.cpu for r in result.compute) / min(r.cpu for r in result.plain)
    lines.append(f"{'ratio of minima':<16}{'':>16}{least:>16.3f}")
    for name, runs in (("plain", result.plain), ("with compute", result.compute)):
        each = ", ".join(f"{r.wall:.2f}/{r.cpu:.2f}" for r in runs)
        lines.append(f"{name} renders (wall/cpu s): {each}")
    lines.append(f"rendered trees identical: {'yes' if result.identical else 'no'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m bench.feasibility [--clusters N] [--objects M] [--repeat R]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.feasibility", description=__doc__)
    parser.add_argument("--clusters", type=int, default=1000, help="member clusters (1000)")
    parser.add_argument("--objects", type=int, default=50, help="federated objects (50)")
    parser.add_argument("--repeat", type=int, default=3, help="renders of each fleet (3)")
    parser.add_argument("--workdir", type=Path, help="keep the fleets and renders here")
    parser.add_argument(
        "--max-ratio", type=float, help="exit 1 when the CPU-time ratio is above this"
    )
    args = parser.parse_args(argv)
    if args.clusters < 1 or args.objects < 1 or args.repeat < 1:
        parser.error("--clusters, --objects and --repeat must be >= 1")
    kfedgen = [sys.executable, "-m", "kfedgen"]
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = measure(args.clusters, args.objects, args.repeat, args.workdir, kfedgen)
    else:
        with tempfile.TemporaryDirectory(prefix="kfedgen-feasibility-") as work:
            result = measure(args.clusters, args.objects, args.repeat, Path(work), kfedgen)
    print(report(result, args.clusters, args.objects))
    if args.max_ratio is not None and result.ratio("cpu") > args.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
