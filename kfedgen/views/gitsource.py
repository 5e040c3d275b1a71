"""Read the fleet as git holds it — at a revision, or as staged — straight from git.

``kfedgen diff`` compiles two revisions with the same pipeline as ``render``,
and ``render --staged`` compiles the index; this module is their
:func:`kfedgen.pipeline.read_sources`.  It yields the same
:class:`~kfedgen.source.load.SourceFile` list that ``read_sources`` would read from
a checkout of that tree — same files (``.yaml``/``.yml``, hidden files and
directories skipped, symlinks judged by :mod:`kfedgen.source.fleetpaths`, the rule
``render`` uses), same display names, same order — without checking out or
touching the work tree or the index.

Paths (``-f``, ``--overlays``, ``-o``) mean what they mean for ``render``:
relative to the current directory.  They are translated into paths inside the
repository, so running from a subdirectory of the repository (or with ``-C``)
reads the same files from git as from the disk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import git

from kfedgen.backend.emit import MANIFEST_PATH
from kfedgen.errors import KfedgenError, Location, Problems
from kfedgen.pipeline import Options
from kfedgen.source import fleetpaths
from kfedgen.source.files import SourceFile, _display, is_fleet_file, is_hidden
from kfedgen.source.gitobjects import ROOT, CommitSnapshot, Entry, ObjectStore, Snapshot


@dataclass(frozen=True)
class Revision:
    """A commit the user named, resolved."""

    name: str
    sha: str

    @property
    def label(self) -> str:
        """``main (1a2b3c4)``: what messages call the revision."""
        return f"{self.name} ({self.sha[:7]})"


def open_repository(start: Path) -> git.Repo:
    """The git repository (with a work tree) that contains ``start``."""
    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise KfedgenError(
            f"{start} is not inside a git repository (kfedgen reads the fleet from git here)"
        ) from None
    if repo.working_tree_dir is None:
        raise KfedgenError(f"{repo.git_dir} is a bare repository; run kfedgen in a checkout")
    return repo


def resolve_revision(repo: git.Repo, name: str) -> Revision:
    """Resolve a revision (branch, tag, ``HEAD~1``, sha, ``origin/main``...) to its commit."""
    found = None
    try:
        # git itself parses the revision, so every syntax users know works
        # (@{upstream}, v1^{}, :/message); --end-of-options keeps a name that
        # starts with '-' from being read as an option.
        found = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", name)
        # Peeled separately: a suffix would change what ':/message' searches for.
        sha = repo.git.rev_parse("--verify", "--quiet", f"{found}^{{commit}}")
    except git.GitCommandError:
        if found is not None and not _object_exists(repo, found):
            # A branch whose commit is gone (a pruned or partial clone).
            ObjectStore(repo, name).read(found, "commit", "")
        raise KfedgenError(
            f"unknown revision '{name}': not a branch, tag or commit of the repository at "
            f"{repo.working_tree_dir}"
            + (" (a shallow clone? fetch it first)" if _is_shallow(repo) else "")
        ) from None
    return Revision(name, sha)


def _object_exists(repo: git.Repo, sha: str) -> bool:
    try:
        repo.git.cat_file("-e", sha)
    except git.GitCommandError:
        return False
    return True


def _is_shallow(repo: git.Repo) -> bool:
    return Path(repo.git_dir, "shallow").exists()


class TreeReader:
    """Reads files of one git tree (a commit's, the index's) by the paths the user gave.

    Paths are relative to ``base``, the current directory, as for ``render``.
    """

    def __init__(self, repo: git.Repo, snapshot: Snapshot, base: Path) -> None:
        self.snapshot = snapshot
        self.root = Path(str(repo.working_tree_dir)).resolve()
        self.base = base

    def repo_path(self, given: Path) -> str | None:
        """``given`` (relative to ``base``) as a path inside the repository; None if outside."""
        absolute = Path(os.path.normpath(self.base.resolve() / given))
        try:
            relative = absolute.relative_to(self.root).as_posix()
        except ValueError:
            return None
        return "" if relative == "." else relative

    def lookup(self, given: Path) -> tuple[str, Entry | None] | None:
        """Resolve ``given`` (symlinks followed): its path in the repository and entry.

        The entry is None when nothing is there; the result is None when the
        path leads out of the repository (or into a symlink loop).
        """
        path = self.repo_path(given)
        if path is None:
            return None
        # The repository is the directory the whole path must stay in here.
        where = fleetpaths.resolve(path, self._inspect(ROOT), self._abs(""))
        if not isinstance(where, fleetpaths.Inside):
            return None
        entry = self._entry(where.path) if where.kind is not fleetpaths.Kind.MISSING else None
        return where.path, entry

    def _abs(self, path: str) -> PurePosixPath:
        return PurePosixPath(self.root, path)

    def _entry(self, path: str) -> Entry | None:
        """The entry at a repository path whose directories are real (no symlinks)."""
        current: Entry | None = ROOT
        for part in path.split("/") if path else ():
            current = self.snapshot.child(current, part) if current else None
        return current

    def _inspect(self, root: Entry) -> fleetpaths.Inspect:
        """:data:`~kfedgen.source.fleetpaths.Inspect` for the directory ``root`` of this tree."""

        def inspect(path: str) -> str | fleetpaths.Kind:
            entry = self._entry(f"{root.path}/{path}".strip("/"))
            if entry is None:
                return fleetpaths.Kind.MISSING
            if entry.is_link:
                return os.fsdecode(self.snapshot.read(entry))
            return fleetpaths.Kind.DIRECTORY if entry.is_dir else fleetpaths.Kind.FILE

        return inspect

    def read_fleet(self, options: Options, problems: Problems) -> list[SourceFile]:
        """What :func:`kfedgen.pipeline.read_sources` reads, from this tree."""
        roots = list(options.fleet)
        if options.overlays is not None and self.is_dir(options.overlays):
            roots.append(options.overlays)
        found: dict[str, Entry] = {}
        for root in roots:
            located = self.lookup(root)
            if located is None or located[1] is None:
                problems.error(Location(_display(root, self.base)), (), "no such file or directory")
                continue
            entry = located[1]
            if entry.is_dir:
                for display_path, file in self._walk(root, entry, problems):
                    found.setdefault(_display(display_path, self.base), file)
            elif entry.is_submodule:
                _submodule(root, self.base, problems)
            else:
                found.setdefault(_display(root, self.base), entry)
        return [SourceFile(name, self.snapshot.read(found[name])) for name in sorted(found)]

    def is_dir(self, given: Path) -> bool:
        located = self.lookup(given)
        return located is not None and located[1] is not None and located[1].is_dir

    def exists(self, given: Path) -> bool:
        located = self.lookup(given)
        return located is not None and located[1] is not None

    def _walk(self, root: Path, top: Entry, problems: Problems) -> Iterator[tuple[Path, Entry]]:
        """Mirror of :func:`kfedgen.source.load._walk`: the fleet files under ``root``."""
        inspect = self._inspect(top)
        absolute = self._abs(top.path)
        stack: list[tuple[Path, Entry]] = [(root, top)]
        while stack:
            directory, current = stack.pop()
            for name, entry in sorted(self.snapshot.listing(current).items()):
                if is_hidden(name):
                    continue
                path = directory / name
                if entry.is_dir:
                    stack.append((path, entry))
                elif entry.is_link:
                    link = entry.path[len(top.path) :].lstrip("/")
                    verdict = fleetpaths.judge(link, is_fleet_file(name), inspect, absolute)
                    if verdict.problem:
                        problems.error(Location(_display(path, self.base)), (), verdict.problem)
                    if verdict.target is not None:
                        target = self._entry(f"{top.path}/{verdict.target}".strip("/"))
                        if target is not None:
                            yield path, target
                elif entry.is_submodule:
                    _submodule(path, self.base, problems)
                elif is_fleet_file(name):
                    yield path, entry

    def output_files(self, output: Path) -> dict[str, Entry] | None:
        """Every file of the output tree in this snapshot, by path relative to it.

        None when there is no output directory here.
        """
        located = self.lookup(output)
        if located is None or located[1] is None or not located[1].is_dir:
            return None
        top = located[1]
        prefix = len(top.path) + 1 if top.path else 0
        return {entry.path[prefix:]: entry for entry in self.snapshot.files(top)}

    def read_output(self, output: Path) -> dict[str, bytes] | None:
        """The kfedgen-owned files of the output tree in this snapshot.

        None when there is no output directory, or none with kfedgen's
        ownership manifest; files the manifest does not list are left out.
        """
        files = self.output_files(output)
        manifest = files.get(MANIFEST_PATH) if files else None
        if files is None or manifest is None or not manifest.is_file:
            return None
        owned = owned_paths(self.snapshot.read(manifest))
        if owned is None:
            return None
        return {
            path: self.snapshot.read(entry)
            for path, entry in sorted(files.items())
            if path in owned and entry.is_file
        }


class RevisionReader(TreeReader):
    """A :class:`TreeReader` for the tree of a commit."""

    def __init__(self, repo: git.Repo, revision: Revision, base: Path) -> None:
        self.revision = revision
        store = ObjectStore(repo, revision.label)
        super().__init__(repo, CommitSnapshot(store, revision.sha), base)


def _submodule(path: Path, base: Path, problems: Problems) -> None:
    problems.error(
        Location(_display(path, base)),
        (),
        "is a git submodule; kfedgen cannot read a submodule's files from git",
    )


def owned_paths(manifest: bytes | None) -> set[str] | None:
    """The paths an ownership manifest lists (and the manifest's own); None if unreadable."""
    if manifest is None:
        return None
    try:
        files = json.loads(manifest)["files"]
    except (ValueError, KeyError, TypeError):
        return None
    return {str(path) for path in files} | {MANIFEST_PATH} if isinstance(files, dict) else None
