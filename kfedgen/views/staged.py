"""``--staged``: judge what the next commit holds, not what the work tree holds.

pre-commit stashes unstaged changes to tracked files, but not untracked files:
a hook that reads the work tree sees a new rendered file the commit will not
contain (and a new fleet file it will not contain either).  With ``--staged``
both the fleet and the output tree are read from git's index, the way
``diff`` reads a revision (:mod:`kfedgen.views.gitsource`):

- ``render --check --staged`` compares what the staged fleet renders to with
  the staged output tree, and writes nothing;
- ``render --staged`` renders the staged fleet into the work tree, like a
  formatter, then compares the result with the staged output tree.

Either way, every file the commit would get wrong is named, with ``git add``
when the work tree already holds the right content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree
from kfedgen.backend.write import TreeDiff, overlap_problem, write
from kfedgen.errors import OutputError, Problems
from kfedgen.pipeline import Compilation, Options, compile_sources, read_sources
from kfedgen.source.gitobjects import IndexSnapshot, blob_id
from kfedgen.source.load import SourceFile
from kfedgen.views.gitsource import TreeReader, open_repository, owned_paths


@dataclass
class StagedState:
    """How the index's output tree differs from what its fleet renders to."""

    output: str  # the output directory, as given
    diff: TreeDiff
    # Out-of-date files whose work-tree state is already right: they only need staging.
    unstaged: list[str] = field(default_factory=list)
    # Fleet files whose work-tree state is not what is staged: (name, how).
    fleet: list[tuple[str, str]] = field(default_factory=list)
    # The staged content of every changed file (for --verbose diffs).
    old: dict[str, bytes] = field(default_factory=dict)

    @property
    def is_current(self) -> bool:
        return self.diff.is_current

    def messages(self) -> list[str]:
        """Lines for stderr: what is not staged, file by file."""
        lines = [f"kfedgen: {name}: {how}; using what is staged\n" for name, how in self.fleet]
        lines += [
            f"kfedgen: {self.output}/{path}: rendered but not staged; "
            f"run 'git add {self.output}/{path}'\n"
            for path in self.unstaged
        ]
        return lines

    @property
    def hint(self) -> str:
        """How to make the staged output current."""
        pending = len(self.diff.added) + len(self.diff.changed) + len(self.diff.stale)
        if pending == len(self.unstaged):
            return f"stage the rendered files: git add {self.output}"
        # Plain render when the work tree's fleet is the staged one, as users know it.
        render = "kfedgen render --staged" if self.fleet else "kfedgen render"
        return f"run '{render}' and 'git add {self.output}'"


def check_staged(options: Options, base: Path) -> tuple[Compilation, TreeDiff, StagedState]:
    """Compile the staged fleet and compare it with the staged output; writes nothing."""
    return _staged(options, base, write_tree=False)


def render_staged(options: Options, base: Path) -> tuple[Compilation, TreeDiff, StagedState]:
    """Render the staged fleet into the work tree, then compare it with the staged output.

    The middle result is what was written to the work tree.
    """
    return _staged(options, base, write_tree=True)


def compile_staged(options: Options, base: Path) -> Compilation:
    """Compile the fleet as staged in git's index (``validate --staged``); reads no output."""
    with open_repository(base) as repo:
        reader = TreeReader(repo, IndexSnapshot.read_index(repo), base)
        problems = Problems()
        return compile_sources(reader.read_fleet(options, problems), options, problems)


def _staged(
    options: Options, base: Path, write_tree: bool
) -> tuple[Compilation, TreeDiff, StagedState]:
    with open_repository(base) as repo:
        reader = TreeReader(repo, IndexSnapshot.read_index(repo), base)
        problems = Problems()
        sources = reader.read_fleet(options, problems)
        overlap = overlap_problem(options.output, [*options.fleet, *_overlays(reader, options)])
        if overlap:
            raise OutputError(overlap)
        compilation = compile_sources(sources, options, problems)
        written = write(options.output, compilation.tree) if write_tree else None
        state = _compare(reader, options.output, compilation.tree)
    state.fleet = _fleet_changes(sources, options, base)
    return compilation, written if written is not None else state.diff, state


def _overlays(reader: TreeReader, options: Options) -> list[Path]:
    return [options.overlays] if options.overlays and reader.is_dir(options.overlays) else []


def _compare(reader: TreeReader, output: Path, tree: OutputTree) -> StagedState:
    """The staged output tree against ``tree``, as :func:`~kfedgen.backend.write.compare` does."""
    staged = reader.output_files(output) or {}
    for path, entry in staged.items():
        if not entry.is_file:
            raise OutputError(
                f"{output.as_posix()}/{path} is staged as a symlink or submodule inside the "
                "output tree; kfedgen refuses it (git rm --cached it and render again)"
            )
    manifest = staged.get(MANIFEST_PATH)
    owned = owned_paths(reader.snapshot.read(manifest)) if manifest else None
    state = StagedState(output.as_posix(), TreeDiff())
    diff = state.diff
    for path in tree.paths():
        found = staged.get(path)
        if found is None:
            diff.added.append(path)
        elif found.hexsha == blob_id(tree.files[path]):
            diff.unchanged.append(path)
        else:
            diff.changed.append(path)
            state.old[path] = reader.snapshot.read(found)
    for path in sorted(staged.keys() - tree.files.keys()):
        if path in (owned or ()):
            diff.stale.append(path)
            state.old[path] = reader.snapshot.read(staged[path])
        else:
            diff.foreign.append(path)
    state.unstaged = sorted(
        path
        for path in [*diff.added, *diff.changed, *diff.stale]
        if _work_tree_holds(output / path, tree.files.get(path))
    )
    return state


def _work_tree_holds(path: Path, expected: bytes | None) -> bool:
    """Whether the work-tree file is ``expected`` (None: whether it is absent)."""
    if path.is_symlink():
        return False
    try:
        return path.read_bytes() == expected
    except FileNotFoundError:
        return expected is None
    except OSError:
        return False


def _fleet_changes(staged: list[SourceFile], options: Options, base: Path) -> list[tuple[str, str]]:
    """Fleet files whose work-tree state differs from the index: what the user may not expect."""
    try:
        on_disk = read_sources(options, base, Problems())
    except OutputError:
        return []
    disk = {source.display_name: source.content for source in on_disk}
    index = {source.display_name: source.content for source in staged}
    changes = []
    for name in sorted(disk.keys() | index.keys()):
        if name not in index:
            changes.append((name, "not staged"))
        elif name not in disk:
            changes.append((name, "deleted in the work tree but still staged"))
        elif disk[name] != index[name]:
            changes.append((name, "has unstaged changes"))
    return changes
