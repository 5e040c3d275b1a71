"""Benchmark kfedgen against a ``kubectl kustomize`` loop over per-cluster overlays.

For each fleet size (clusters x objects) the runner generates a synthetic fleet and its
kustomize equivalent (``bench.generate``) in a scratch directory, then measures:

a. kfedgen full render into an output directory that does not exist yet;
b. ``kubectl kustomize overlays/<cluster> > out/<cluster>.yaml`` for every cluster, one after
   the other (or for a sample of K clusters, extrapolated to all and labelled so);
c. a no-op re-render (same input, existing output);
d. ``kfedgen render --check`` on the up-to-date output;
e. a render after changing one object's template, counting which files were rewritten
   (inode/mtime) and which changed content (sha256);
f. peak RSS of the full render (``os.wait4`` rusage of that one child);
g. last, the peers a user would pick instead (make-argocd-fly, Kapitan), when installed:
   inputs generated from the fleet and kfedgen's plan, their objects checked against (a)'s,
   then timed (``bench/peers/``).

(c), (d) and (e) are also printed as a share of (a) from the same run, with the type of the
file system they ran on (``--workdir /dev/shm/...`` for tmpfs).  Each size's directory is made
a git repository, as a user's fleet is: kfedgen keeps its caches in ``.git/kfedgen/``.

Usage::

    python -m bench.run [--sizes 100,300,1000] [--objects 50] [--json results.json]

A kfedgen command that fails is reported (exit code and the end of its stderr) and the
stages that depend on it are skipped; the runner itself does not crash.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import operator
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from bench import generate, rawwrite
from bench.peers import stage as peers
from bench.peers.registry import PEERS
from bench.proc import ProcResult, run_timed

DEFAULT_SIZES: Final = (100, 300, 1000)
LARGE_SIZE: Final = 10_000  # --large: issue 14's targets 4 and 5
DEFAULT_OBJECTS: Final = 50
CHANGE_LABEL: Final = "bench.kfedgen.io/revision"


# --------------------------------------------------------------------------- file trees


@dataclass(frozen=True)
class FileState:
    """Identity and content of one file, to tell rewritten files from changed ones."""

    inode: int
    mtime_ns: int
    sha256: str


def snapshot(root: Path) -> dict[str, FileState]:
    """Map each file under ``root`` (relative POSIX path) to its inode, mtime and hash."""
    states: dict[str, FileState] = {}
    if not root.is_dir():
        return states
    for path in root.rglob("*"):
        if path.is_file():
            st = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            states[path.relative_to(root).as_posix()] = FileState(st.st_ino, st.st_mtime_ns, digest)
    return states


@dataclass
class TreeDiff:
    """What happened to an output tree between two snapshots."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # content differs
    rewritten_identical: list[str] = field(default_factory=list)  # new inode/mtime, same bytes

    @property
    def touched(self) -> int:
        """Files written or deleted in any way."""
        return (
            len(self.added) + len(self.removed) + len(self.changed) + len(self.rewritten_identical)
        )


def diff_trees(before: dict[str, FileState], after: dict[str, FileState]) -> TreeDiff:
    """Compare two snapshots of the same directory."""
    diff = TreeDiff()
    for rel in sorted(before.keys() | after.keys()):
        old, new = before.get(rel), after.get(rel)
        if old is None:
            diff.added.append(rel)
        elif new is None:
            diff.removed.append(rel)
        elif old.sha256 != new.sha256:
            diff.changed.append(rel)
        elif (old.inode, old.mtime_ns) != (new.inode, new.mtime_ns):
            diff.rewritten_identical.append(rel)
    return diff


# --------------------------------------------------------------------------- measurements


@dataclass
class KustomizeResult:
    """The kustomize loop: total (measured or extrapolated) and per-overlay times."""

    overlays_total: int
    overlays_built: int
    extrapolated: bool
    seconds: float  # whole loop; mean x total when extrapolated
    per_overlay_ms_mean: float
    per_overlay_ms_median: float
    resources_per_overlay: int
    failures: list[str] = field(default_factory=list)


@dataclass
class ChangeResult:
    """The render after changing one object."""

    object: str
    placed_clusters: int  # files that must change: one per cluster the object lands in
    seconds: float
    changed: int
    added: int
    removed: int
    rewritten_identical: int
    unexpected: list[str]  # changed paths that are neither the object's files nor bookkeeping
    only_affected: bool


@dataclass
class SizeResult:
    """Every measurement for one fleet size; ``None`` where a stage did not run."""

    clusters: int
    objects: int
    generate_seconds: float
    fleet_files: int
    kustomize: KustomizeResult | None = None
    kustomize_skipped: str = ""
    kfedgen_skipped: str = ""
    render_seconds: float | None = None
    render_samples: list[float] = field(default_factory=list)
    render_cpu_seconds: float | None = None  # median CPU time of (a), for the peers' ratios
    output_files: int | None = None
    peak_rss_mib: float | None = None
    noop_seconds: float | None = None
    noop_touched: int | None = None
    check_seconds: float | None = None
    check_returncode: int | None = None
    change: ChangeResult | None = None
    # microseconds to create one small file in this size's directory, just before (a)
    fs_create_us: float | None = None
    # the file system type of this size's directory (``stat -f``): ext4 is a disk, tmpfs is RAM
    filesystem: str = ""
    # the same files written by a minimal Python loop into a new directory beside (a)
    raw_write_seconds: float | None = None
    # --profile: render mode ("full", "no-op", "check") -> stage -> seconds
    profile: dict[str, dict[str, float]] = field(default_factory=dict)
    # make-argocd-fly, Kapitan... on the same fleet (bench/peers/), checked, then timed
    peers: list[peers.PeerResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``<clusters>x<objects>``."""
        return f"{self.clusters}x{self.objects}"

    @property
    def ratio(self) -> float | None:
        """kustomize loop time / kfedgen full render time."""
        if self.kustomize is None or not self.render_seconds:
            return None
        return self.kustomize.seconds / self.render_seconds

    @property
    def raw_ratio(self) -> float | None:
        """Full render time / the raw write of the same files (issue 14 target 3: <= 1.5)."""
        if not self.raw_write_seconds or not self.render_seconds:
            return None
        return self.render_seconds / self.raw_write_seconds

    def share(self, seconds: float | None) -> float | None:
        """``seconds`` as a fraction of this run's full render (None if either is missing)."""
        if seconds is None or not self.render_seconds:
            return None
        return seconds / self.render_seconds

    def shares(self) -> dict[str, float | None]:
        """The no-op, check and one-change times as fractions of the full render."""
        return {
            "noop": self.share(self.noop_seconds),
            "check": self.share(self.check_seconds),
            "change": self.share(self.change.seconds if self.change else None),
        }


def sample_clusters(names: Sequence[str], k: int | None) -> list[str]:
    """All ``names``, or ``k`` of them evenly spaced so overridden clusters get their share."""
    if k is None or k >= len(names):
        return list(names)
    step = len(names) / k
    return [names[int(i * step)] for i in range(k)]


def time_kustomize(
    kubectl: str, kdir: Path, clusters: Sequence[str], out: Path, sample: int | None
) -> KustomizeResult:
    """Build ``overlays/<c>`` for every (or a sample of) cluster, writing ``out/<c>.yaml``.

    Each overlay is its own ``kubectl kustomize`` process, as in a shell loop; there is no
    batch mode in kustomize, which is the point of the comparison.
    """
    out.mkdir(parents=True, exist_ok=True)
    chosen = sample_clusters(clusters, sample)
    times: list[float] = []
    failures: list[str] = []
    for name in chosen:
        res = run_timed([kubectl, "kustomize", f"overlays/{name}"], kdir, out / f"{name}.yaml")
        times.append(res.seconds)
        if not res.ok:
            failures.append(f"{name}: exit {res.returncode}: {res.stderr_tail}")
    first = out / f"{chosen[0]}.yaml"
    text = first.read_text(encoding="utf-8") if first.exists() else ""
    # kustomize prints top-level keys sorted, one document per object: count top-level kinds
    resources = sum(line.startswith("kind: ") for line in text.splitlines())
    extrapolated = len(chosen) < len(clusters)
    mean = statistics.fmean(times)
    return KustomizeResult(
        overlays_total=len(clusters),
        overlays_built=len(chosen),
        extrapolated=extrapolated,
        seconds=mean * len(clusters) if extrapolated else sum(times),
        per_overlay_ms_mean=mean * 1000,
        per_overlay_ms_median=statistics.median(times) * 1000,
        resources_per_overlay=resources,
        failures=failures,
    )


def pick_changed_object(model: generate.FleetModel) -> generate.FedObject:
    """The object the change stage edits: a label-placed one when there is one, so the
    expected number of changed files differs from the cluster count."""
    for obj in model.objects:
        if obj.match_labels is not None:
            return obj
    return next((o for o in model.objects if o.rsp_total is None), model.objects[0])


def change_one_object(fleet_dir: Path, obj: generate.FedObject) -> None:
    """Add a label to ``obj``'s template and rewrite its fleet file."""
    labels = obj.template.setdefault("metadata", {}).setdefault("labels", {})
    labels[CHANGE_LABEL] = str(int(labels.get(CHANGE_LABEL, "1")) + 1)
    path = fleet_dir / generate.object_file(obj)
    path.write_text(generate.dump_yaml(generate.federated_docs(obj)), encoding="utf-8")


def _is_affected(rel: str, obj: generate.FedObject, placed: set[str]) -> bool:
    # kfedgen writes <cluster>/<namespace>/<kind>[.<group>]_<name>.yaml (DESIGN.md §4)
    parts = rel.split("/")
    return (
        len(parts) >= 3
        and parts[0] in placed
        and parts[1] == obj.namespace
        and (parts[-1].endswith(f"_{obj.name}.yaml"))
    )


def _is_bookkeeping(rel: str) -> bool:
    # the manifest records every file's hash, so it changes with any content change
    return rel.startswith(".kfedgen/")


@dataclass
class Options:
    """Runner settings shared by every size."""

    kfedgen: list[str]
    kubectl: str | None
    kustomize_sample: int | None
    repeat: int
    seed: int
    timeout: float
    run_kustomize: bool = True
    run_kfedgen: bool = True
    profile: bool = False
    # peer name -> its command (None: not run, the reason in peer_skips)
    peer_commands: dict[str, list[str] | None] = field(default_factory=dict)
    peer_skips: dict[str, str] = field(default_factory=dict)


def _measure_kustomize(
    result: SizeResult, gen: generate.Generated, work: Path, opts: Options
) -> None:
    """Stage (b)."""
    if opts.kubectl is None:
        result.kustomize_skipped = "kubectl not found on PATH"
        return
    if not opts.run_kustomize:
        result.kustomize_skipped = "disabled (--no-kustomize)"
        return
    print(f"[{result.label}] kustomize loop ...", file=sys.stderr)
    names = [c.name for c in gen.model.clusters]
    result.kustomize = time_kustomize(
        opts.kubectl, gen.kustomize_dir, names, work / "kustomize-out", opts.kustomize_sample
    )
    result.errors.extend(f"kustomize {f}" for f in result.kustomize.failures[:3])


@dataclass
class _Kfedgen:
    """Runs kfedgen commands for one size and records failures in ``result``."""

    result: SizeResult
    opts: Options
    work: Path
    fleet: Path

    @property
    def out(self) -> Path:
        """The output tree every stage renders into."""
        return self.work / "rendered"

    def run(self, stage: str, *extra: str, out: Path | None = None) -> ProcResult:
        """``kfedgen render [extra] -f FLEET -o OUT``; a failure is also recorded as an error."""
        target = str(out or self.out)
        argv = [*self.opts.kfedgen, "render", *extra, "-f", str(self.fleet), "-o", target]
        print(f"[{self.result.label}] {stage} ...", file=sys.stderr)
        # cwd is the scratch dir: kfedgen's default --overlays (./overlays) must not exist
        res = run_timed(argv, self.work, timeout=self.opts.timeout)
        if not res.ok:
            cmd = shlex.join(res.argv)
            self.result.errors.append(
                f"kfedgen {stage} failed (exit {res.returncode}): {cmd}\n{res.stderr_tail}".rstrip()
            )
        return res


def _measure_full(k: _Kfedgen) -> bool:
    """Stages (a) and (f): full renders, each into a directory that does not exist yet.

    The first render's output is the one later stages use.  Earlier outputs are not
    deleted between runs: on ext4 without a journal, creating files right after deleting
    many is several times slower (the allocator skips inodes freed in the last 30 s),
    which would charge the runner's own clean-up to the next render.
    """
    r, peak, cpu = k.result, 0, []
    for i in range(k.opts.repeat):
        out = k.out if i == 0 else k.work / f"rendered-{i + 1}"
        res = k.run(f"full render {i + 1}/{k.opts.repeat}", out=out)
        if not res.ok:
            return False
        r.render_samples.append(res.seconds)
        cpu.append(res.cpu_seconds)
        peak = max(peak, res.maxrss_kib)
    r.render_seconds = statistics.median(r.render_samples)
    r.render_cpu_seconds = statistics.median(cpu)
    r.peak_rss_mib = peak / 1024
    r.output_files = len(snapshot(k.out))
    return True


def _measure_noop_and_check(k: _Kfedgen) -> None:
    """Stages (c) and (d) on the up-to-date tree; ``--check`` must exit 0 there."""
    r = k.result
    samples = []
    for i in range(k.opts.repeat):
        before = snapshot(k.out)
        res = k.run(f"no-op render {i + 1}/{k.opts.repeat}")
        if not res.ok:
            break
        samples.append(res.seconds)
        r.noop_touched = diff_trees(before, snapshot(k.out)).touched
    r.noop_seconds = statistics.median(samples) if samples else None

    samples = []
    for i in range(k.opts.repeat):
        res = k.run(f"render --check {i + 1}/{k.opts.repeat}", "--check")
        r.check_returncode = res.returncode  # 1 would mean the fresh tree is reported stale
        if not res.ok:
            break
        samples.append(res.seconds)
    r.check_seconds = statistics.median(samples) if samples else None


def _measure_change(k: _Kfedgen, model: generate.FleetModel) -> None:
    """Stage (e): edit one object, render, and see which files were touched; ``--repeat``
    times (each edit changes the object again), the median reported."""
    obj = pick_changed_object(model)
    placed = {c.name for c in model.placed(obj)}
    samples: list[float] = []
    for i in range(k.opts.repeat):
        change_one_object(k.fleet, obj)
        before = snapshot(k.out)
        res = k.run(f"render after one change {i + 1}/{k.opts.repeat}")
        if not res.ok:
            return
        samples.append(res.seconds)
        diff = diff_trees(before, snapshot(k.out))
        touched = diff.added + diff.removed + diff.changed
        unexpected = [
            r for r in touched if not (_is_affected(r, obj, placed) or _is_bookkeeping(r))
        ]
        n_affected = sum(_is_affected(r, obj, placed) for r in diff.changed)
        only = not unexpected and not diff.rewritten_identical and n_affected == len(placed)
        earlier = k.result.change
        k.result.change = ChangeResult(
            object=f"{obj.kind}/{obj.namespace}/{obj.name}",
            placed_clusters=len(placed),
            seconds=statistics.median(samples),
            changed=len(diff.changed),
            added=len(diff.added),
            removed=len(diff.removed),
            rewritten_identical=len(diff.rewritten_identical),
            unexpected=[*(earlier.unexpected if earlier else []), *unexpected][:20],
            only_affected=only and (earlier is None or earlier.only_affected),
        )


def measure_size(clusters: int, objects: int, work: Path, opts: Options) -> SizeResult:
    """Generate one fleet under ``work`` and run every measurement on it."""
    t0 = time.perf_counter()
    kustomize = opts.run_kustomize and opts.kubectl is not None
    gen = generate.generate(clusters, objects, work, opts.seed, kustomize=kustomize)
    result = SizeResult(clusters, objects, time.perf_counter() - t0, gen.fleet_files)
    print(f"[{result.label}] generated in {result.generate_seconds:.2f} s", file=sys.stderr)
    _measure_kustomize(result, gen, work, opts)
    if not opts.run_kfedgen:
        result.kfedgen_skipped = "disabled (--no-kfedgen)"
        result.peers = peers.skip_all(opts.peer_skips, "needs kfedgen's render (--no-kfedgen)")
        return result
    k = _Kfedgen(result, opts, work, gen.fleet_dir)
    make_repository(work)
    result.filesystem = filesystem_type(work)
    warm_up(opts.kfedgen, work)
    result.fs_create_us = fs_probe(work / "fs-probe")
    if _measure_full(k):  # later stages need a rendered tree
        print(f"[{result.label}] raw write of the same files ...", file=sys.stderr)
        result.raw_write_seconds = rawwrite.raw_write_seconds(k.out, work / "raw-write")
        # The peers' inputs come from the fleet and kfedgen's plan before (e) edits them.
        prepared = peers.prepare(
            opts.peer_commands,
            opts.peer_skips,
            gen.model,
            opts.kfedgen,
            k.fleet,
            work,
            opts.timeout,
        )
        _measure_noop_and_check(k)
        _measure_change(k, gen.model)
        if opts.profile:
            _measure_profile(k)
        # Last, so the files the peers create and delete cannot slow kfedgen's stages (see
        # "File creation" in bench/README.md); compared with raw-write/, the byte copy of
        # kfedgen's first full render, since (e) has changed rendered/ since.
        kfedgen_time = peers.Times(result.render_seconds, result.render_cpu_seconds)
        result.peers = peers.measure(
            prepared, work / "raw-write", kfedgen_time, opts.repeat, opts.timeout
        )
    else:
        result.peers = peers.skip_all(opts.peer_skips, "needs kfedgen's full render, which failed")
    return result


def make_repository(work: Path) -> None:
    """Make ``work`` a git repository, as a user's fleet is: kfedgen keeps its caches in
    ``.git/kfedgen/``, on the output's file system (on tmpfs too).  No git: left as is."""
    git = shutil.which("git")
    if git is not None:
        subprocess.run([git, "init", "-q", str(work)], check=False, capture_output=True)


def filesystem_type(directory: Path) -> str:
    """The type of the file system holding ``directory`` (``ext4``, ``tmpfs``...)."""
    res = subprocess.run(
        ["stat", "-f", "-c", "%T", str(directory)], capture_output=True, text=True, check=False
    )
    return res.stdout.strip() or "unknown"


def warm_up(kfedgen: Sequence[str], cwd: Path) -> None:
    """Run ``kfedgen --version`` once, untimed, allowed to write Python bytecode.

    An installed kfedgen has its bytecode compiled at install time; a source checkout run
    with PYTHONDONTWRITEBYTECODE (set in some CI and sandbox images) would otherwise
    compile every module on every run.  It also loads the interpreter into the page cache.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Best effort: a kfedgen that fails here is reported by the timed stages.
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run(
            [*kfedgen, "--version"], cwd=cwd, env=env, capture_output=True, check=False, timeout=120
        )


FS_PROBE_FILES: Final = 2000


def fs_probe(directory: Path, count: int = FS_PROBE_FILES) -> float:
    """Microseconds to create and write one small file, over ``count`` new files.

    File creation is most of a full render's writing.  Its cost depends on the file
    system's state: on ext4 without a journal, files created soon after many were
    deleted cost up to 30 times more (see bench/README.md).  This tells such runs apart.
    """
    directory.mkdir(parents=True)
    payload = b"x" * 1024
    start = time.perf_counter()
    for i in range(count):
        (directory / f"f{i}.yaml").write_bytes(payload)
    return (time.perf_counter() - start) * 1e6 / count


PROFILER: Final = Path(__file__).with_name("profile.py")


def _measure_profile(k: _Kfedgen) -> None:
    """--profile: time each pipeline stage in-process (bench/profile.py), once per mode.

    Uses this runner's interpreter, which must be able to import kfedgen.
    """
    modes = {
        "full": (k.work / "rendered-profile", ()),
        "no-op": (k.out, ()),
        "check": (k.out, ("--check",)),
    }
    for mode, (out, extra) in modes.items():
        print(f"[{k.result.label}] profile {mode} ...", file=sys.stderr)
        report_path = k.work / f"profile-{mode}.json"
        argv = [sys.executable, str(PROFILER), "--fleet", str(k.fleet), "--out", str(out)]
        res = run_timed([*argv, *extra, "--json", str(report_path)], k.work, timeout=k.opts.timeout)
        if not res.ok:
            k.result.errors.append(
                f"profile {mode} failed (exit {res.returncode}): {res.stderr_tail}".rstrip()
            )
            return
        k.result.profile[mode] = json.loads(report_path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- targets


@dataclass
class Target:
    """One performance target and its verdict (PASS, FAIL or N/A)."""

    name: str
    verdict: str
    detail: str


def _find(results: Sequence[SizeResult], clusters: int, objects: int) -> SizeResult | None:
    return next((r for r in results if (r.clusters, r.objects) == (clusters, objects)), None)


def _verdict(value: float | None, ok: Callable[[float], bool], fmt: str) -> tuple[str, str]:
    if value is None:
        return "N/A", "not measured"
    return ("PASS" if ok(value) else "FAIL"), fmt.format(value)


def evaluate_targets(results: Sequence[SizeResult]) -> list[Target]:
    """Check the README's targets against whatever sizes were measured."""
    targets: list[Target] = []
    small, large = _find(results, 100, 50), _find(results, 1000, 50)

    ratio = small.ratio if small else None
    targets.append(
        Target(
            "100x50: kustomize loop / kfedgen >= 20", *_verdict(ratio, lambda v: v >= 20, "{:.1f}x")
        )
    )
    targets.append(
        Target(
            "1000x50: full render <= 10 s",
            *_verdict(large.render_seconds if large else None, lambda v: v <= 10, "{:.2f} s"),
        )
    )
    targets.append(
        Target(
            "1000x50: peak RSS <= 1.5 GiB",
            *_verdict(large.peak_rss_mib if large else None, lambda v: v <= 1536, "{:.0f} MiB"),
        )
    )
    targets.append(
        Target(
            "1000x50: no-op re-render <= 2 s",
            *_verdict(large.noop_seconds if large else None, lambda v: v <= 2, "{:.2f} s"),
        )
    )
    targets.append(
        Target(
            "1000x50: render --check <= 3 s",
            *_verdict(large.check_seconds if large else None, lambda v: v <= 3, "{:.2f} s"),
        )
    )

    # The cost of everything after the first render, relative to it (issue 14).
    shares = large.shares() if large else {}
    for key, name, limit in (
        ("noop", "no-op re-render", 0.15),
        ("check", "render --check", 0.15),
        ("change", "one-object change", 0.20),
    ):
        targets.append(
            Target(
                f"1000x50: {name} <= {limit:.0%} of full render",
                *_verdict(shares.get(key), functools.partial(operator.ge, limit), "{:.1%}"),
            )
        )

    targets.extend(large_targets(large, _find(results, LARGE_SIZE, 50)))

    changes = [r for r in results if r.change is not None]
    if not changes:
        targets.append(Target("one-object change rewrites only affected files", "N/A", "not run"))
    else:
        bad = [r.label for r in changes if r.change is not None and not r.change.only_affected]
        targets.append(
            Target(
                "one-object change rewrites only affected files",
                "FAIL" if bad else "PASS",
                f"failed at {', '.join(bad)}" if bad else f"at {len(changes)} size(s)",
            )
        )

    # Linear growth: time per cluster at the largest size may not exceed 1.5x the smallest's.
    # Fixed start-up cost makes small sizes look slower per cluster, so linear code passes.
    rendered = sorted((r for r in results if r.render_seconds), key=lambda r: r.clusters)
    if len(rendered) < 2 or rendered[0].clusters == rendered[-1].clusters:
        targets.append(
            Target(
                "linear growth (per-cluster time, largest/smallest <= 1.5)",
                "N/A",
                "needs two sizes",
            )
        )
    else:
        lo, hi = rendered[0], rendered[-1]
        assert lo.render_seconds is not None and hi.render_seconds is not None
        growth = (hi.render_seconds / hi.clusters) / (lo.render_seconds / lo.clusters)
        targets.append(
            Target(
                "linear growth (per-cluster time, largest/smallest <= 1.5)",
                "PASS" if growth <= 1.5 else "FAIL",
                f"{growth:.2f} ({lo.label} -> {hi.label})",
            )
        )
    return targets


def large_targets(base: SizeResult | None, large: SizeResult | None) -> list[Target]:
    """Issue 14's targets 4 and 5 at 10,000 x 50 (``--large``), against 1000 x 50."""
    if large is None:
        return [Target(f"{LARGE_SIZE}x50 (--large)", "N/A", "not measured")]
    label = large.label
    time_ratio = None
    if base is not None and base.render_seconds and large.render_seconds:
        time_ratio = large.render_seconds / base.render_seconds
    shares = large.shares()
    return [
        Target(
            f"{label}: peak RSS <= 1 GiB",
            *_verdict(large.peak_rss_mib, lambda v: v <= 1024, "{:.0f} MiB"),
        ),
        Target(
            f"{label}: full render <= 10.5x the 1000x50 one",
            *_verdict(time_ratio, lambda v: v <= 10.5, "{:.2f}x"),
        ),
        *(
            Target(
                f"{label}: {name} <= 15% of full render",
                *_verdict(shares.get(key), lambda v: v <= 0.15, "{:.1%}"),
            )
            for key, name in (("noop", "no-op re-render"), ("check", "render --check"))
        ),
    ]


# --------------------------------------------------------------------------- reporting


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _s(value: float | None, suffix: str = " s", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def metric_rows(r: SizeResult) -> list[tuple[str, str]]:
    """(metric, formatted value) pairs for one size, in table order."""
    k = r.kustomize
    if k is None:
        kloop = kms = "skipped"
    else:
        kloop = _s(k.seconds) + (
            f" (extrapolated from {k.overlays_built})" if k.extrapolated else ""
        )
        kms = f"{k.per_overlay_ms_mean:.1f} / {k.per_overlay_ms_median:.1f}"
        if k.failures:
            kloop += f" [{len(k.failures)} failed]"
    full = _s(r.render_seconds) if r.render_seconds is not None else "FAILED" if r.errors else "-"
    check = "-"
    if r.check_returncode is not None:
        check = f"{_s(r.check_seconds)} (exit {r.check_returncode})"
    change = changed = rewrites = only = "-"
    if r.change is not None:
        c = r.change
        change = _s(c.seconds)
        changed = f"{c.changed} (+{c.added} / -{c.removed}); object in {c.placed_clusters} clusters"
        rewrites = str(c.rewritten_identical)
        only = "yes" if c.only_affected else "NO"
    return [
        ("generate fleet + kustomize tree", _s(r.generate_seconds)),
        ("kustomize resources per overlay", str(k.resources_per_overlay) if k else "-"),
        ("(b) kubectl kustomize loop", kloop),
        ("    ms per overlay (mean / median)", kms),
        ("(a) kfedgen full render", full),
        ("    ratio kustomize / kfedgen", _s(r.ratio, "x", 1)),
        ("    ms per cluster", _s(r.render_seconds and r.render_seconds * 1000 / r.clusters, "")),
        ("    output files", "-" if r.output_files is None else str(r.output_files)),
        ("    raw write of the same files", _s(r.raw_write_seconds)),
        ("    full render / raw write", _s(r.raw_ratio, "x", 2)),
        ("(f) peak RSS of full render", _s(r.peak_rss_mib, " MiB", 0)),
        ("    file system: type", r.filesystem or "-"),
        ("    file system: µs to create a file", _s(r.fs_create_us, "", 0)),
        ("(c) no-op re-render", _s(r.noop_seconds)),
        ("    no-op / full render", _pct(r.share(r.noop_seconds))),
        ("    files touched by no-op", "-" if r.noop_touched is None else str(r.noop_touched)),
        ("(d) render --check", check),
        ("    --check / full render", _pct(r.share(r.check_seconds))),
        ("(e) render after one change", change),
        ("    one change / full render", _pct(r.share(r.change.seconds if r.change else None))),
        ("    files changed (+added / -removed)", changed),
        ("    files rewritten with same bytes", rewrites),
        ("    only affected files written", only),
    ]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned plain-text table with a rule under the header."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def report(results: Sequence[SizeResult], targets: Sequence[Target]) -> str:
    """The human-readable report: metrics by size, errors, then targets."""
    per_size = [metric_rows(r) for r in results]
    header = ["metric", *[r.label for r in results]]
    rows = [[name, *[rows[i][1] for rows in per_size]] for i, (name, _) in enumerate(per_size[0])]
    parts = [format_table(header, rows)]
    for r in results:
        if r.kustomize_skipped:
            parts.append(f"[{r.label}] kustomize measurements skipped: {r.kustomize_skipped}")
        if r.kfedgen_skipped:
            parts.append(f"[{r.label}] kfedgen measurements skipped: {r.kfedgen_skipped}")
        parts.extend(f"[{r.label}] {err}" for err in r.errors)
        if r.change is not None and r.change.unexpected:
            shown = ", ".join(r.change.unexpected[:5])
            parts.append(f"[{r.label}] unexpected files changed by one-object edit: {shown}")
    parts.extend(profile_table(r) for r in results if r.profile)
    peer_rows = [
        row
        for r in results
        for row in peers.rows(r.label, peers.Times(r.render_seconds, r.render_cpu_seconds), r.peers)
    ]
    if peer_rows:
        title = (
            "peers on the same fleet (objects checked first; medians; speed-up = peer / kfedgen"
            " (a), by wall-clock and by CPU time)"
        )
        parts.append(title + "\n" + format_table(peers.HEADER, peer_rows))
        parts.extend(note for r in results for note in peers.notes(r.label, r.peers))
    parts.append(
        format_table(
            ["target", "verdict", "measured"], [[t.name, t.verdict, t.detail] for t in targets]
        )
    )
    return "\n\n".join(parts)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def profile_table(r: SizeResult) -> str:
    """Milliseconds per pipeline stage and render mode (--profile)."""
    modes = list(r.profile)
    labels = [*dict.fromkeys(label for mode in modes for label in r.profile[mode])]
    rows = [
        [label, *(_ms(r.profile[m].get(label)) for m in modes)]
        for label in labels
        if any(r.profile[m].get(label, 0) >= 0.00005 for m in modes)
    ]
    return f"[{r.label}] time per stage, ms (bench/profile.py, one run each)\n" + format_table(
        ["stage", *modes], rows
    )


def machine_info(kubectl: str | None) -> dict[str, Any]:
    """Facts about the machine that explain the numbers."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    if kubectl:
        res = subprocess.run(
            [kubectl, "version", "--client"], capture_output=True, text=True, check=False
        )
        info["kubectl"] = " ".join(res.stdout.split())
    return info


# --------------------------------------------------------------------------- CLI


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers: {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("cluster counts must be >= 1")
    return sizes


def kfedgen_command(text: str) -> list[str]:
    """Split ``--kfedgen`` and make its relative paths absolute.

    kfedgen runs with the scratch directory as cwd (so no stray ``./overlays`` is picked up),
    so a relative ``.venv/bin/python`` must be resolved against where the runner started.
    """
    argv = shlex.split(text)
    # absolute(), not resolve(): a venv's bin/python is a symlink to the base interpreter,
    # and following it would run kfedgen outside the venv.
    return [str(Path(a).absolute()) if "/" in a and Path(a).exists() else a for a in argv]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options of ``python -m bench.run``."""
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Time kfedgen against a kubectl kustomize loop on synthetic fleets.",
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated cluster counts (default 100,300,1000)",
    )
    p.add_argument(
        "--large",
        action="store_true",
        help=f"also measure {LARGE_SIZE:,} clusters (slow: minutes; issue 14 targets 4 and 5)",
    )
    p.add_argument("--objects", type=int, default=DEFAULT_OBJECTS, help="federated objects (50)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    p.add_argument(
        "--kustomize-sample",
        type=int,
        metavar="K",
        help="time only K evenly spaced overlays when a size has more than K "
        "clusters and extrapolate (reported as extrapolated)",
    )
    p.add_argument("--no-kustomize", action="store_true", help="skip the kustomize loop")
    p.add_argument(
        "--profile",
        action="store_true",
        help="also time each pipeline stage of a full, no-op and check render "
        "(bench/profile.py, in this interpreter)",
    )
    p.add_argument("--no-kfedgen", action="store_true", help="skip every kfedgen stage")
    for peer in PEERS:
        p.add_argument(
            f"--{peer.name}",
            metavar="CMD",
            dest=_peer_dest(peer.name),
            help=f"command that runs {peer.name} (default: {peer.name} on PATH, if any)",
        )
    p.add_argument("--no-peers", action="store_true", help="do not run make-argocd-fly or Kapitan")
    p.add_argument(
        "--kfedgen",
        default=f"{shlex.quote(sys.executable)} -m kfedgen",
        help="command that runs kfedgen; relative paths are taken from the current "
        "directory (default: this Python -m kfedgen)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of stages a, c, d, e; the median is reported (1)",
    )
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per command (600)")
    p.add_argument(
        "--workdir",
        type=Path,
        help="keep generated fleets and outputs here (default: a temp dir, removed)",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    args = p.parse_args(argv)
    if args.kustomize_sample is not None and args.kustomize_sample < 1:
        p.error("--kustomize-sample must be >= 1")
    if args.repeat < 1 or args.objects < 1:
        p.error("--repeat and --objects must be >= 1")
    if args.large and LARGE_SIZE not in args.sizes:
        args.sizes = [*args.sizes, LARGE_SIZE]
    return args


def _peer_dest(name: str) -> str:
    return "peer_" + name.replace("-", "_")


def peer_commands(args: argparse.Namespace) -> tuple[dict[str, list[str] | None], dict[str, str]]:
    """Each peer's command (from its option, else ``PATH``) and why the others are skipped."""
    commands: dict[str, list[str] | None] = {}
    skips: dict[str, str] = {}
    for peer in PEERS:
        option = getattr(args, _peer_dest(peer.name))
        found = shutil.which(peer.name)
        commands[peer.name] = None
        if args.no_peers:
            skips[peer.name] = "disabled (--no-peers)"
        elif option:
            commands[peer.name] = kfedgen_command(option)
        elif found:
            commands[peer.name] = [found]
        else:
            hint = peers.INSTALL_HINT.get(peer.name, f"install {peer.name}")
            skips[peer.name] = f"not found on PATH; install it ({hint}) and pass --{peer.name} CMD"
    return commands, skips


def main(argv: Sequence[str] | None = None) -> int:
    """Run every size, print the report, optionally write JSON. Exit 0 unless misused."""
    args = parse_args(argv)
    kubectl = shutil.which("kubectl")
    if kubectl is None and not args.no_kustomize:
        print("kubectl not found on PATH: kustomize measurements are skipped", file=sys.stderr)
    opts = Options(
        kfedgen=kfedgen_command(args.kfedgen),
        kubectl=kubectl,
        kustomize_sample=args.kustomize_sample,
        repeat=args.repeat,
        seed=args.seed,
        timeout=args.timeout,
        run_kustomize=not args.no_kustomize,
        run_kfedgen=not args.no_kfedgen,
        profile=args.profile,
    )
    opts.peer_commands, opts.peer_skips = peer_commands(args)
    for name, reason in opts.peer_skips.items():
        print(f"{name} is skipped: {reason}", file=sys.stderr)
    # Absolute: kfedgen runs with each size's directory as its working directory.
    root = (args.workdir or Path(tempfile.mkdtemp(prefix="kfedgen-bench-"))).absolute()
    results = []
    try:
        for clusters in args.sizes:
            work = root / f"{clusters}x{args.objects}"
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            results.append(measure_size(clusters, args.objects, work, opts))
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    targets = evaluate_targets(results)
    print(report(results, targets))
    if args.json:
        payload = {
            "machine": machine_info(kubectl),
            "settings": {
                "sizes": args.sizes,
                "objects": args.objects,
                "seed": args.seed,
                "kustomize_sample": args.kustomize_sample,
                "repeat": args.repeat,
                "kfedgen": opts.kfedgen,
                "peers": opts.peer_commands,
            },
            "results": [
                asdict(r) | {"ratio": r.ratio, "of_full_render": r.shares()} for r in results
            ],
            "targets": [asdict(t) for t in targets],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
