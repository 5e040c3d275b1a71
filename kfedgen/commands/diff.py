"""``kfedgen diff``: what every cluster receives between two revisions of the fleet.

Both sides go through the same pipeline as ``render``: the base is read from a
git revision (:mod:`kfedgen.views.gitsource`), the head from another revision or from
the work tree, and their output trees are compared (:mod:`kfedgen.views.treediff`).

When the fleet at the base revision is invalid — a broken spec reached the base
branch, and this change fixes it — the head is compared with the output tree
committed at the base instead: that is what the clusters sync today, so the
diff still shows what the fix changes.  ``--strict`` makes an invalid base an
error.  When the base has no fleet at all (the change that introduces kfedgen),
the base is its committed output if there is one, else empty.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import git

from kfedgen.errors import InvalidInput, Problem, Problems, noun_for, plural
from kfedgen.pipeline import Compilation, Options, compile_fleet, compile_sources
from kfedgen.report import Reporter, problem_as_dict
from kfedgen.views.gitsource import Revision, RevisionReader, open_repository, resolve_revision
from kfedgen.views.takeover import kept_claims
from kfedgen.views.treediff import (
    Change,
    GroupDiff,
    ReplicaChange,
    ScaleUpDecrease,
    TreeComparison,
    compare_trees,
    unified_diff,
)

# Marks kfedgen's PR comment, so CI can find and update it instead of adding another.
COMMENT_MARKER = "<!-- kfedgen-diff -->"
# GitHub refuses comments over 65536 characters; keep clear of it.
MARKDOWN_LIMIT = 60_000


class Source(enum.Enum):
    """Where the files of one side of the diff come from."""

    FLEET = "fleet"  # rendered from the fleet
    COMMITTED = "committed"  # the output tree committed at the revision
    EMPTY = "empty"  # the revision has neither a fleet nor an output tree


@dataclass(frozen=True)
class Side:
    revision: Revision | None  # None: the work tree
    source: Source
    files: Mapping[str, bytes]
    # Why the base is not rendered from its fleet (its problems), if it is not.
    problems: Sequence[Problem] = field(default=())
    compilation: Compilation | None = None  # when the side is rendered from its fleet

    @property
    def label(self) -> str:
        return self.revision.label if self.revision else "the work tree"

    def as_dict(self) -> dict[str, object]:
        return {
            "revision": self.revision.name if self.revision else None,
            "commit": self.revision.sha if self.revision else None,
            "source": self.source.value,
            "problems": [problem_as_dict(problem) for problem in self.problems],
        }


@dataclass(frozen=True)
class DiffResult:
    base: Side
    head: Side
    output: str  # the output directory as a path from the repository root
    comparison: TreeComparison
    warnings: Sequence[Problem] = ()  # the head's


def compute_diff(options: Options, base_name: str, head_name: str | None) -> DiffResult:
    """Render both sides and compare them; raise :class:`InvalidInput` on an invalid head.

    Paths in ``options`` are relative to the current directory, as for ``render``.
    """
    cwd = Path.cwd()
    # Closing the repository ends the git processes GitPython keeps for reading objects.
    with open_repository(cwd) as repo:
        base = resolve_revision(repo, base_name)
        head = resolve_revision(repo, head_name) if head_name is not None else None
        base_reader = RevisionReader(repo, base, cwd)
        head_side, compilation = _head_side(repo, head, options, cwd)
        base_side = _base_side(base_reader, options)
        output = base_reader.repo_path(options.output) or options.output.as_posix()
    comparison = compare_trees(base_side.files, head_side.files)
    warnings = _warnings(base_side, compilation)
    return DiffResult(base_side, head_side, output, comparison, warnings)


def _warnings(base: Side, head: Compilation) -> list[Problem]:
    """The head's warnings, and the objects a running Karmada would keep on their old policy."""
    problems = Problems()
    problems.extend(head.problems)
    if base.compilation is not None:
        problems.extend(kept_claims(base.compilation, head, base.label))
    return problems.sorted()


def _head_side(
    repo: git.Repo, head: Revision | None, options: Options, cwd: Path
) -> tuple[Side, Compilation]:
    if head is None:
        compilation = compile_fleet(options, cwd)
    else:
        problems = Problems()
        sources = RevisionReader(repo, head, cwd).read_fleet(options, problems)
        try:
            compilation = compile_sources(sources, options, problems)
        except InvalidInput as exc:
            raise _invalid(exc, f"at head revision {head.label}") from None
    return Side(head, Source.FLEET, compilation.tree.files), compilation


def _base_side(reader: RevisionReader, options: Options) -> Side:
    revision = reader.revision
    if not any(reader.exists(root) for root in options.fleet):
        committed = reader.read_output(options.output)
        if committed is None:
            return Side(revision, Source.EMPTY, {})
        return Side(revision, Source.COMMITTED, committed)
    problems = Problems()
    sources = reader.read_fleet(options, problems)
    try:
        compilation = compile_sources(sources, options, problems)
        return Side(revision, Source.FLEET, compilation.tree.files, compilation=compilation)
    except InvalidInput as exc:
        invalid = exc
    committed = None if options.strict else reader.read_output(options.output)
    if committed is None:
        why = (
            "(with --strict, an invalid base is not replaced by its committed output)"
            if options.strict
            else "and it has no rendered output to compare with"
        )
        raise _invalid(invalid, f"at base revision {revision.label} {why}") from None
    errors = [p for p in invalid.problems if p.is_error]
    return Side(revision, Source.COMMITTED, committed, errors)


def _invalid(exc: InvalidInput, where: str) -> InvalidInput:
    error = InvalidInput(exc.problems)
    error.args = (f"{exc} {where}",)
    return error


def run_diff(
    options: Options, report: Reporter, base: str, head: str | None, output_format: str
) -> int:
    """Print the diff in the chosen format: 0 no differences, 1 differences."""
    result = compute_diff(options, base, head)
    report.report(list(result.warnings))
    if result.base.problems:
        # Its problems point into files of the base revision, not of the work
        # tree: plain text, never annotations on the files being reviewed.
        sys.stderr.write(
            f"kfedgen: warning: {_base_note(result.base, result.output)}; its problems:\n"
            + "".join(f"  {problem}\n" for problem in result.base.problems)
        )
    code = 0 if result.comparison.is_empty else 1
    if report.json:
        return report.finish(code, diff_document(result))
    formatter = {"text": format_text, "markdown": format_markdown}
    sys.stdout.write(formatter[output_format](result))
    return code


def _group_summary(group: GroupDiff) -> str:
    counts = group.objects.as_dict()
    parts = [f"{count} {label}" for label, count in counts.items() if count]
    return ", ".join(parts) if parts else f"{plural(len(group.files), 'file')} changed"


def _replicas_text(change: ReplicaChange, arrow: str) -> str:
    def value(count: int | None, absent: Change) -> str:
        if change.change is absent:
            return "absent"
        return "unset" if count is None else str(count)

    before = value(change.before, Change.ADDED)
    after = value(change.after, Change.REMOVED)
    return f"{change.object} {before} {arrow} {after}"


def _decrease_text(decrease: ScaleUpDecrease, arrow: str) -> str:
    change = decrease.change
    return (
        f"{change.cluster}: {_replicas_text(change, arrow)} while the workload grows by "
        f"{decrease.growth}"
    )


# Why a scale-up that lowers a cluster is flagged, for text and markdown alike.
_DECREASE_TITLE = "Scale-ups that lower a cluster's replicas (pods stop there; karmada#6735)"


def _group_diff(group: GroupDiff, output: str) -> str:
    return "".join(unified_diff(f"{output}/{f.path}", f.old, f.new) for f in group.files)


def _headline(result: DiffResult, bold: bool = False) -> str:
    """``2 clusters affected; objects: 0 added, 0 removed, 2 changed; 1 replica change``."""

    def number(count: int) -> str:
        return f"**{count}**" if bold else str(count)

    def counted(count: int, noun: str) -> str:
        return f"{number(count)} {noun_for(count, noun)}"

    comparison = result.comparison
    objects = comparison.objects
    return (
        f"{counted(len(comparison.groups), 'cluster')} affected; objects: "
        f"{number(objects.added)} added, {number(objects.removed)} removed, "
        f"{number(objects.changed)} changed; {counted(len(comparison.replicas), 'replica change')}"
    )


def _base_note(base: Side, output: str) -> str:
    if base.source is Source.COMMITTED and base.problems:
        return (
            f"the fleet at {base.label} is invalid ({plural(len(base.problems), 'problem')}); "
            f"compared with the {output}/ committed there, which is what the clusters sync today"
        )
    if base.source is Source.COMMITTED:
        return f"{base.label} has no fleet; compared with the {output}/ committed there"
    if base.source is Source.EMPTY:
        return f"{base.label} has neither a fleet nor a rendered output; everything is new"
    return ""


def format_text(result: DiffResult) -> str:
    """Per-cluster unified diffs, then a summary with the replica changes."""
    comparison, output = result.comparison, result.output
    span = f"{output}/ from {result.base.label} to {result.head.label}"
    note = _base_note(result.base, output)
    lines = [f"note: {note}\n"] if note else []
    if comparison.is_empty:
        return "".join([*lines, f"no differences in {span}\n"])
    for group in comparison.groups:
        lines.append(f"=== {group.name}: {_group_summary(group)} ===\n")
        lines.append(_group_diff(group, output))
        lines.append("\n")
    lines.append(f"Summary of {span}: {_headline(result)}\n")
    if comparison.replicas:
        lines.append("Replica changes:\n")
        lines.extend(
            f"  {change.cluster}: {_replicas_text(change, '->')}\n"
            for change in comparison.replicas
        )
    decreases = comparison.scale_up_decreases
    if decreases:
        lines.append(f"{_DECREASE_TITLE}:\n")
        lines.extend(f"  warning: {_decrease_text(d, '->')}\n" for d in decreases)
    return "".join(lines)


def format_markdown(result: DiffResult, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment: a summary table, then one collapsible diff per cluster.

    The comment stays under ``limit`` characters: diffs that do not fit are cut
    at a line, with a note on how to see them whole.
    """
    comparison, output = result.comparison, result.output
    head = [
        COMMENT_MARKER,
        "### kfedgen diff",
        "",
    ]
    note = _base_note(result.base, output)
    if note:
        head += [f"> **Note:** {note}.", ""]
    span = f"`{output}/` from {_md_label(result.base)} to {_md_label(result.head)}"
    if comparison.is_empty:
        head.append(f"No changes to {span}: no cluster receives anything new.")
        return "\n".join(head) + "\n"
    head += [
        f"Changes to {span}: {_headline(result, bold=True)}.",
        "",
        "| cluster | added | removed | changed | replicas |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for group in comparison.groups:
        counts = group.objects
        replicas = "<br>".join(_replicas_text(change, "→") for change in group.replicas)
        head.append(
            f"| `{group.name}` | {counts.added} | {counts.removed} | {counts.changed} | "
            f"{replicas} |"
        )
    head.append("")
    decreases = comparison.scale_up_decreases
    if decreases:
        head += [f"> [!WARNING]\n> {_DECREASE_TITLE}:"]
        head += [f"> - {_decrease_text(d, '→')}" for d in decreases]
        head.append("")
    text = "\n".join(head) + "\n"
    base_name = result.base.revision.name if result.base.revision else "REV"
    hint = f"run `kfedgen diff --base {base_name}` to see it whole"
    for index, group in enumerate(comparison.groups):
        budget = limit - len(text) - _RESERVE
        block = _details(group, _group_diff(group, output), budget, hint)
        if block is None:
            rest = len(comparison.groups) - index
            text += f"\n*{plural(rest, 'more cluster')} not shown (comment size limit); {hint}.*\n"
            break
        text += block
    return text


def _md_label(side: Side) -> str:
    if side.revision is None:
        return "the work tree"
    return f"`{side.revision.name}` (`{side.revision.sha[:7]}`)"


_MIN_DIFF_CHARS = 200
# Room kept for the closing "N more clusters not shown" line.
_RESERVE = 200


def _details(group: GroupDiff, diff: str, budget: int, hint: str) -> str | None:
    """One collapsible block; the diff is cut to fit ``budget``; None if nothing fits."""
    longest = max((len(run) for run in re.findall(r"`+", diff)), default=0)
    fence = "`" * max(3, longest + 1)
    opening = (
        f"<details>\n<summary><code>{group.name}</code>: {_group_summary(group)}</summary>\n\n"
        f"{fence}diff\n"
    )
    closing = f"{fence}\n\n</details>\n\n"
    cut_note = f"\n*Diff cut short (comment size limit); {hint}.*\n"
    room = budget - len(opening) - len(closing)
    if len(diff) <= room:
        return opening + diff + closing
    room -= len(cut_note)
    if room < _MIN_DIFF_CHARS:
        return None
    kept = diff[: diff.rfind("\n", 0, room) + 1]
    return opening + kept + closing + cut_note


def diff_document(result: DiffResult) -> dict[str, object]:
    """The fields of ``diff --format json`` (documented in the README)."""
    comparison = result.comparison
    return {
        "base": result.base.as_dict(),
        "head": result.head.as_dict(),
        "output": result.output,
        "different": not comparison.is_empty,
        "summary": {
            "clusters": [group.name for group in comparison.groups],
            "objects": comparison.objects.as_dict(),
            "replicaChanges": len(comparison.replicas),
        },
        "scaleUpDecreases": [
            {
                "cluster": d.change.cluster,
                "path": d.change.path,
                "object": d.change.object.as_dict(),
                "before": d.change.before,
                "after": d.change.after,
                "growth": d.growth,
            }
            for d in comparison.scale_up_decreases
        ],
        "clusters": [
            {
                "name": group.name,
                "objects": group.objects.as_dict(),
                "files": [
                    {
                        "path": file.path,
                        "change": file.change.value,
                        "object": file.object.as_dict() if file.object else None,
                    }
                    for file in group.files
                ],
                "replicas": [
                    {
                        "path": change.path,
                        "object": change.object.as_dict(),
                        "change": change.change.value,
                        "before": change.before,
                        "after": change.after,
                    }
                    for change in group.replicas
                ],
            }
            for group in comparison.groups
        ],
    }
