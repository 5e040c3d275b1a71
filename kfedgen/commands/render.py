"""``kfedgen render`` and ``kfedgen render --check``."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from kfedgen.errors import Problem
from kfedgen.pipeline import Options, check, render
from kfedgen.report import format_problems
from kfedgen.write import TreeDiff


def print_warnings(warnings: list[Problem], error_format: str) -> None:
    if warnings:
        sys.stderr.write(format_problems(warnings, error_format))


def run_render(options: Options, error_format: str) -> int:
    """Render the fleet; report what changed."""
    compilation, diff = render(options, Path.cwd())
    print_warnings(compilation.problems.sorted(), error_format)
    output = options.output.as_posix()
    clusters = len(compilation.spec.clusters)
    if diff.is_current:
        sys.stderr.write(f"kfedgen: {output} is up to date ({clusters} clusters)\n")
    else:
        sys.stderr.write(
            f"kfedgen: rendered {clusters} clusters into {output}: "
            f"{len(diff.added)} added, {len(diff.changed)} changed, {len(diff.stale)} removed, "
            f"{len(diff.unchanged)} unchanged\n"
        )
    report_foreign(output, diff)
    return 0


def report_foreign(output: str, diff: TreeDiff) -> None:
    for path in diff.foreign:
        sys.stderr.write(f"kfedgen: {output}/{path}: not written by kfedgen; left alone\n")


def run_check(options: Options, error_format: str, verbose: bool) -> int:
    """Compare the rendered fleet with the output tree: 0 current, 1 stale."""
    compilation, diff = check(options, Path.cwd())
    print_warnings(compilation.problems.sorted(), error_format)
    output = options.output.as_posix()
    report_foreign(output, diff)
    if diff.is_current:
        sys.stderr.write(f"kfedgen: {output} is up to date\n")
        return 0
    for label, paths in (("added", diff.added), ("changed", diff.changed), ("stale", diff.stale)):
        for path in paths:
            sys.stdout.write(f"{label}: {output}/{path}\n")
    if verbose:
        for path in [*diff.added, *diff.changed, *diff.stale]:
            old = _read_text(options.output / path)
            new = compilation.tree.files.get(path, b"").decode("utf-8")
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"a/{output}/{path}",
                    f"b/{output}/{path}",
                )
            )
    count = len(diff.added) + len(diff.changed) + len(diff.stale)
    sys.stderr.write(f"kfedgen: {output} is out of date ({count} files); run 'kfedgen render'\n")
    return 1


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
