"""Where one kfedgen render spends its time, stage by stage.

Runs one ``kfedgen render`` (or ``--check``) in this process, through kfedgen's own entry
point, with a timer around each pipeline stage as :mod:`kfedgen.pipeline` and
:mod:`kfedgen.backend.write` call them, and prints milliseconds per stage.  The import of kfedgen
is timed too (not the interpreter's own start-up), so run it as a fresh process::

    python bench/profile.py --fleet FLEET --out OUT [--check] [--json PATH]

``python -m bench.run --profile`` runs it for the full render, the no-op render and the
check of every size.  It needs kfedgen importable by this interpreter.  The timers cost
microseconds per call; the stages are called a few dozen times per render at most.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

IMPORT: Final = "import kfedgen.cli"
TOTAL: Final = "total in this process"
OTHER: Final = "other (options, messages, lock, compile-stage imports, removing the old tree)"

# (label, module, attribute): the stage functions, wrapped where their callers look them up.
# Labels starting with two spaces are parts of the stage above them.
STAGES: Final[tuple[tuple[str, str, str], ...]] = (
    ("read fleet files", "kfedgen.views.cached", "read_sources"),
    ("compile cache: hash the inputs", "kfedgen.backend.compilecache", "compile_key"),
    ("confirm the tree from the caches", "kfedgen.views.cached", "confirm"),
    ("  list and stat the tree", "kfedgen.backend.write", "listing"),
    ("parse YAML", "kfedgen.pipeline", "parse_cached"),
    ("validate, build spec", "kfedgen.pipeline", "build_spec"),
    ("place", "kfedgen.pipeline", "place"),
    ("schedule replicas (RSP)", "kfedgen.pipeline", "schedule_replicas"),
    ("check override targets", "kfedgen.pipeline", "check_override_targets"),
    ("materialize", "kfedgen.pipeline", "materialize"),
    ("karmada propagation", "kfedgen.pipeline", "propagate"),
    ("karmada overrides", "kfedgen.pipeline", "apply_override_policies"),
    ("identity checks", "kfedgen.pipeline", "check_identities"),
    ("server fields", "kfedgen.pipeline", "strip_rendered"),
    ("traffic", "kfedgen.pipeline", "plan_traffic"),
    ("secret lint", "kfedgen.pipeline", "secret_warnings"),
    ("feasibility", "kfedgen.pipeline", "check_feasibility"),
    ("gitops files", "kfedgen.pipeline", "gitops_files"),
    ("emit", "kfedgen.pipeline", "emit"),
    ("  YAML text", "kfedgen.backend.yamlemit", "CanonicalWriter.dump"),
    ("  ownership manifest", "kfedgen.backend.emit", "manifest_bytes"),
    ("schemas of each cluster's version", "kfedgen.pipeline", "check_cluster_versions"),
    ("compare with disk", "kfedgen.backend.write", "compare"),  # render: write() calls it
    ("compare with disk", "kfedgen.views.cached", "compare"),  # --check calls it directly
    ("  list files", "kfedgen.backend.write", "list_files"),  # before the ownership split
    ("  list files", "kfedgen.backend.ownership", "scan"),
    # Not a part of "compare with disk": render calls it first, and compares only when it
    # cannot answer (kfedgen.backend.write.write).
    # The class is shared: a no-op render's confirm loads it too, when its header cannot
    # answer (then counted twice, in "confirm the tree from the caches" as well).
    ("load the stat cache", "kfedgen.backend.write", "StatCache.load"),
    ("diff from the stat cache", "kfedgen.backend.write", "known_diff"),
    ("  list and stat every file", "kfedgen.backend.knowndiff", "listing"),
    ("write in place (journal)", "kfedgen.backend.write", "journal.write_in_place"),
    ("update the stat cache", "kfedgen.backend.write", "journal.update_stats"),
    ("save the stat cache", "kfedgen.backend.statcache", "StatCache.save"),
    ("write new tree", "kfedgen.backend.write", "build"),
    ("swap in", "kfedgen.backend.write", "_swap_in"),
)


def _wrap(module_name: str, attribute: str, label: str, seconds: dict[str, float]) -> None:
    try:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original: Callable[..., Any] = getattr(owner, name)
    except (ImportError, AttributeError):
        return  # an older kfedgen without this stage (for before/after comparisons)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - start

    setattr(owner, name, timed)


def profile(fleet: Path, out: Path, check: bool) -> tuple[dict[str, float], int]:
    """Seconds per stage of one ``kfedgen render`` (or ``--check``), and its exit code.

    The command runs through kfedgen's own entry point, so it does what the CLI does
    (option parsing, messages, and whatever that version does about garbage collection).
    """
    seconds: dict[str, float] = {}
    # A shell with PYTHONDONTWRITEBYTECODE (some CI and sandbox images) would make every
    # profiled run compile kfedgen's modules from source: an installed kfedgen has its
    # bytecode, so the profile should too (bench.run strips it for its children).
    sys.dont_write_bytecode = False
    start = time.perf_counter()
    cli = importlib.import_module("kfedgen.cli")
    seconds[IMPORT] = time.perf_counter() - start
    for label, module, attribute in STAGES:
        _wrap(module, attribute, label, seconds)
    argv = ["render", *(["--check"] if check else []), "-f", str(fleet), "-o", str(out)]
    start = time.perf_counter()
    code: int = cli.main(argv)
    run = time.perf_counter() - start
    top = sum(v for k, v in seconds.items() if not k.startswith(" ") and k != IMPORT)
    # OTHER is what the render did outside the timed stages (lock, recover, removing the
    # previous tree); TOTAL adds the import, but not the interpreter's own start-up.
    seconds[OTHER] = max(run - top, 0.0)
    seconds[TOTAL] = seconds[IMPORT] + run
    return seconds, code


def ordered_labels() -> list[str]:
    """Stage labels in report order."""
    return list(dict.fromkeys([IMPORT, *(label for label, _, _ in STAGES), OTHER, TOTAL]))


def main(argv: Sequence[str] | None = None) -> int:
    """Profile one render and print (or write as JSON) milliseconds per stage."""
    p = argparse.ArgumentParser(prog="python bench/profile.py", description=__doc__)
    p.add_argument("--fleet", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--check", action="store_true", help="profile render --check")
    p.add_argument("--json", type=Path, metavar="PATH", help="write {stage: seconds} here")
    args = p.parse_args(argv)
    seconds, code = profile(args.fleet, args.out, args.check)
    if args.json:
        args.json.write_text(json.dumps(seconds, indent=2) + "\n", encoding="utf-8")
    for label in ordered_labels():
        if label in seconds:
            print(f"{label:46} {seconds[label] * 1000:9.1f} ms")
    return code


if __name__ == "__main__":
    sys.exit(main())
