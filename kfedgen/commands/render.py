"""``kfedgen render`` and ``kfedgen render --check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kfedgen.backend.outtree import MANIFEST_PATH
from kfedgen.backend.ownership import conflicts_error
from kfedgen.backend.write import TreeDiff
from kfedgen.errors import Location, Problem, plural
from kfedgen.inputs import Options
from kfedgen.report import Reporter, format_problems
from kfedgen.views.cached import Outcome, check, render

if TYPE_CHECKING:
    from kfedgen.views.staged import StagedState

RENDER_HINT = "run 'kfedgen render' and commit the result"


def run_render(
    options: Options, report: Reporter, exit_code: bool = False, staged: bool = False
) -> int:
    """Render the fleet; report what changed.

    With ``exit_code`` (the pre-commit hook), exit 1 when anything was
    written, as formatters do, so the commit stops and the new files can be
    staged.  With ``staged``, the staged fleet is rendered, and ``exit_code``
    exits 1 when the staged output is not what it renders to.
    """
    outcome, diff, index = _outcome(options, staged, write=True)
    report.report(outcome.problems.sorted())
    _print_notes(outcome, report)
    output = options.output.as_posix()
    clusters = plural(outcome.clusters, "cluster")
    if diff.is_current:
        sys.stderr.write(f"kfedgen: {output} is up to date ({clusters})\n")
    else:
        sys.stderr.write(
            f"kfedgen: rendered {clusters} into {output}: "
            f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.stale)} removed, "
            f"{len(diff.unchanged)} unchanged\n"
        )
    report_foreign(output, diff)
    current = diff.is_current
    if index is not None:
        sys.stderr.writelines(index.messages())
        current = index.is_current
        if not current:
            sys.stderr.write(f"kfedgen: {output} in the index is out of date; {index.hint}\n")
    code = 1 if exit_code and not current else 0
    return report.finish(code, render_document(output, outcome, diff, index))


def _print_notes(outcome: Outcome, report: Reporter) -> None:
    """The lines said once a run (as ``validate`` says them): text format only."""
    if report.style == "text":
        sys.stderr.writelines(f"{note}\n" for note in outcome.notes)


def render_document(
    output: str, outcome: Outcome, diff: TreeDiff, index: StagedState | None = None
) -> dict[str, object]:
    """The fields of ``render --format json`` (documented in the README)."""
    return {
        **tree_document(output, diff, index),
        "clusters": outcome.clusters,
        "unchanged": len(diff.unchanged),
    }


def tree_document(
    output: str, diff: TreeDiff, index: StagedState | None = None
) -> dict[str, object]:
    """How the output tree differs (``render``: differed) from the rendered fleet, as JSON."""
    document: dict[str, object] = {
        "output": output,
        "current": diff.is_current if index is None else index.is_current,
        "added": diff.added,
        "changed": diff.changed,
        "stale": diff.stale,
        "foreign": diff.foreign,
        "adopted": diff.adopted,
        "conflicts": [conflict.path for conflict in diff.conflicts],
    }
    if index is not None:
        document["unstaged"] = index.unstaged
    return document


def report_foreign(output: str, diff: TreeDiff) -> None:
    for path in diff.foreign:
        sys.stderr.write(f"kfedgen: {output}/{path}: not written by kfedgen; left alone\n")
    for path in diff.adopted:
        sys.stderr.write(
            f"kfedgen: {output}/{path}: not in the ownership manifest, but identical to what "
            "kfedgen renders there; adopted (kfedgen owns it from this render on)\n"
        )


def _out_of_date(diff: TreeDiff) -> list[tuple[str, str]]:
    """Every file render would write or remove, with what it would do: (label, path)."""
    labelled = [
        *(("added", path) for path in diff.added),
        *(("changed", path) for path in diff.changed),
        *(("stale", path) for path in diff.stale),
    ]
    return sorted(labelled, key=lambda item: item[1])


def run_check(options: Options, report: Reporter, verbose: bool, staged: bool = False) -> int:
    """Compare the rendered fleet with the output tree: 0 current, 1 out of date.

    Writes nothing.  Lists every file ``render`` would add, change or remove
    (stale: written by kfedgen, no longer produced — the files of a cluster
    removed from the inventory, say); foreign files are reported, not stale.
    With ``staged``, the staged fleet is compared with the staged output tree.
    Exits 2 when ``render`` would refuse: foreign files in the way (conflicts).
    """
    outcome, diff, index = _outcome(options, staged, write=False)
    output = options.output.as_posix()
    conflicts = conflicts_error(output, diff)
    report.report([*outcome.problems.sorted(), *conflicts.problems])
    _print_notes(outcome, report)
    report_foreign(output, diff)
    files = _out_of_date(diff)
    diffs = _diffs(options, outcome, diff, files, index) if verbose else None
    if not report.json:
        sys.stdout.writelines(f"conflict: {output}/{c.path}\n" for c in diff.conflicts)
        sys.stdout.writelines(f"{label}: {output}/{path}\n" for label, path in files)
        sys.stdout.writelines((diffs or {}).values())
    if report.style == "github":
        sys.stderr.write(format_problems(_annotations(output, files), "github"))
    if index is not None:
        sys.stderr.writelines(index.messages())
    document = check_document(output, diff, diffs, index)
    if diff.conflicts:
        sys.stderr.write(f"kfedgen: {conflicts}: render would refuse to write the tree\n")
        return report.finish(2, document, error=str(conflicts))
    if diff.is_current:
        sys.stderr.write(f"kfedgen: {output} is up to date\n")
        return report.finish(0, document)
    sys.stderr.write(
        f"kfedgen: {output} is out of date ({plural(len(files), 'file')}: "
        f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.stale)} stale); "
        f"{index.hint if index else RENDER_HINT}\n"
    )
    return report.finish(1, document)


def check_document(
    output: str,
    diff: TreeDiff,
    diffs: dict[str, str] | None,
    index: StagedState | None = None,
) -> dict[str, object]:
    """The fields of ``render --check --format json`` (documented in the README)."""
    document = tree_document(output, diff, index)
    if diffs is not None:
        document["diffs"] = diffs
    return document


def _diffs(
    options: Options,
    outcome: Outcome,
    diff: TreeDiff,
    files: list[tuple[str, str]],
    index: StagedState | None,
) -> dict[str, str]:
    """The unified diff of every out-of-date file, by path (``-v``); staged: against the index."""
    from kfedgen.views.treediff import unified_diff  # noqa: PLC0415 - only for --verbose

    output = options.output.as_posix()

    def old(path: str) -> bytes | None:
        if index is not None:
            return index.old.get(path)
        return _read(options.output / path) if path not in diff.added else None

    # Out-of-date files exist only when the fleet was compiled (the cache answers
    # only for a current tree).
    new = outcome.compilation.tree.files if outcome.compilation is not None else {}
    # The manifest's diff is a list of hashes: listed, not shown.
    return {
        path: unified_diff(f"{output}/{path}", old(path), new.get(path))
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


def _outcome(
    options: Options, staged: bool, write: bool
) -> tuple[Outcome, TreeDiff, StagedState | None]:
    """Render (``write``) or check, from the work tree or, with ``staged``, from git's index."""
    if not staged:
        outcome, diff = (render if write else check)(options, Path.cwd())
        return outcome, diff, None
    from kfedgen.views.staged import check_staged, render_staged  # noqa: PLC0415 - GitPython

    compilation, diff, index = (render_staged if write else check_staged)(options, Path.cwd())
    return Outcome.of(compilation), diff, index
