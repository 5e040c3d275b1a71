"""``kfedgen render`` and ``kfedgen render --check``."""

from __future__ import annotations

import sys
from pathlib import Path

from kfedgen.emit import MANIFEST_PATH
from kfedgen.errors import Location, Problem, plural
from kfedgen.pipeline import Compilation, Options, check, render
from kfedgen.report import Reporter, format_problems
from kfedgen.write import TreeDiff

RENDER_HINT = "run 'kfedgen render' and commit the result"


def run_render(options: Options, report: Reporter, exit_code: bool = False) -> int:
    """Render the fleet; report what changed.

    With ``exit_code`` (the pre-commit hook), exit 1 when anything was
    written, as formatters do, so the commit stops and the new files can be
    staged.
    """
    compilation, diff = render(options, Path.cwd())
    report.report(compilation.problems.sorted())
    output = options.output.as_posix()
    clusters = plural(len(compilation.spec.clusters), "cluster")
    if diff.is_current:
        sys.stderr.write(f"kfedgen: {output} is up to date ({clusters})\n")
    else:
        sys.stderr.write(
            f"kfedgen: rendered {clusters} into {output}: "
            f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.stale)} removed, "
            f"{len(diff.unchanged)} unchanged\n"
        )
    report_foreign(output, diff)
    code = 1 if exit_code and not diff.is_current else 0
    return report.finish(code, render_document(output, compilation, diff))


def render_document(output: str, compilation: Compilation, diff: TreeDiff) -> dict[str, object]:
    """The fields of ``render --format json`` (documented in the README)."""
    return {
        **tree_document(output, diff),
        "clusters": len(compilation.spec.clusters),
        "unchanged": len(diff.unchanged),
    }


def tree_document(output: str, diff: TreeDiff) -> dict[str, object]:
    """How the output tree differs (``render``: differed) from the rendered fleet, as JSON."""
    return {
        "output": output,
        "current": diff.is_current,
        "added": diff.added,
        "changed": diff.changed,
        "stale": diff.stale,
        "foreign": diff.foreign,
    }


def report_foreign(output: str, diff: TreeDiff) -> None:
    for path in diff.foreign:
        sys.stderr.write(f"kfedgen: {output}/{path}: not written by kfedgen; left alone\n")


def _out_of_date(diff: TreeDiff) -> list[tuple[str, str]]:
    """Every file render would write or remove, with what it would do: (label, path)."""
    labelled = [
        *(("added", path) for path in diff.added),
        *(("changed", path) for path in diff.changed),
        *(("stale", path) for path in diff.stale),
    ]
    return sorted(labelled, key=lambda item: item[1])


def run_check(options: Options, report: Reporter, verbose: bool) -> int:
    """Compare the rendered fleet with the output tree: 0 current, 1 out of date.

    Writes nothing.  Lists every file ``render`` would add, change or remove
    (stale: written by kfedgen, no longer produced — the files of a cluster
    removed from the inventory, say); foreign files are reported, not stale.
    """
    compilation, diff = check(options, Path.cwd())
    report.report(compilation.problems.sorted())
    output = options.output.as_posix()
    report_foreign(output, diff)
    files = _out_of_date(diff)
    diffs = _diffs(options, compilation, diff, files) if verbose else None
    if not report.json:
        sys.stdout.writelines(f"{label}: {output}/{path}\n" for label, path in files)
        sys.stdout.writelines((diffs or {}).values())
    if report.style == "github":
        sys.stderr.write(format_problems(_annotations(output, files), "github"))
    if diff.is_current:
        sys.stderr.write(f"kfedgen: {output} is up to date\n")
    else:
        sys.stderr.write(
            f"kfedgen: {output} is out of date ({plural(len(files), 'file')}: "
            f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.stale)} stale); "
            f"{RENDER_HINT}\n"
        )
    return report.finish(0 if diff.is_current else 1, check_document(output, diff, diffs))


def check_document(output: str, diff: TreeDiff, diffs: dict[str, str] | None) -> dict[str, object]:
    """The fields of ``render --check --format json`` (documented in the README)."""
    document = tree_document(output, diff)
    if diffs is not None:
        document["diffs"] = diffs
    return document


def _diffs(
    options: Options, compilation: Compilation, diff: TreeDiff, files: list[tuple[str, str]]
) -> dict[str, str]:
    """The unified diff of every out-of-date file, by path (``-v``)."""
    from kfedgen.treediff import unified_diff  # noqa: PLC0415 - only for --verbose

    output = options.output.as_posix()
    # The manifest's diff is a list of hashes: listed, not shown.
    return {
        path: unified_diff(
            f"{output}/{path}",
            _read(options.output / path) if path not in diff.added else None,
            compilation.tree.files.get(path),
        )
        for _, path in files
        if path != MANIFEST_PATH
    }


def _annotations(output: str, files: list[tuple[str, str]]) -> list[Problem]:
    """One error per out-of-date file, for GitHub workflow annotations."""
    messages = {
        "added": "missing: kfedgen renders this file but it is not in the tree",
        "changed": "out of date: kfedgen renders this file differently",
        "stale": "stale: kfedgen no longer renders this file",
    }
    return [
        Problem(Location(f"{output}/{path}"), (), messages[label], hint=RENDER_HINT)
        for label, path in files
    ]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
