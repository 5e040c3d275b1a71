"""Read the fleet as of a git revision, straight from the object database.

``kfedgen diff`` compiles two revisions with the same pipeline as ``render``;
this module is its :func:`kfedgen.pipeline.read_sources` for a revision.  It
yields the same :class:`~kfedgen.load.SourceFile` list that ``read_sources``
would read from a checkout of that revision — same files (``.yaml``/``.yml``,
hidden files and directories skipped, symlinks followed only inside the
walked directory), same display names, same order — without checking out or
touching the work tree or the index.

Paths (``-f``, ``--overlays``, ``-o``) mean what they mean for ``render``:
relative to the current directory.  They are translated into paths inside the
repository, so running from a subdirectory of the repository (or with ``-C``)
reads the same files from a revision as from the disk.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import git
from git.objects import Blob, Tree

from kfedgen.emit import MANIFEST_PATH
from kfedgen.errors import KfedgenError, Location, Problems
from kfedgen.load import LOOP, SourceFile, _display, is_fleet_file, is_hidden
from kfedgen.pipeline import Options

# The kernel gives up on a chain of symlinks after 40 hops (ELOOP); so do we.
_MAX_SYMLINK_HOPS = 40


class _SymlinkLoop(Exception):
    """Following symlinks did not end (the kernel's ELOOP)."""


_GitObject = Blob | Tree | git.Submodule


@dataclass(frozen=True)
class Revision:
    """A commit the user named, resolved."""

    name: str
    commit: git.Commit

    @property
    def sha(self) -> str:
        return self.commit.hexsha

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
            f"{start} is not inside a git repository (kfedgen diff reads revisions from git)"
        ) from None
    if repo.working_tree_dir is None:
        raise KfedgenError(f"{repo.git_dir} is a bare repository; run kfedgen diff in a checkout")
    return repo


def resolve_revision(repo: git.Repo, name: str) -> Revision:
    """Resolve a revision (branch, tag, ``HEAD~1``, sha, ``origin/main``...) to its commit."""
    try:
        # git itself parses the revision, so every syntax users know works
        # (@{upstream}, v1^{}, :/message); --end-of-options keeps a name that
        # starts with '-' from being read as an option.
        found = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", name)
        # Peeled separately: a suffix would change what ':/message' searches for.
        sha = repo.git.rev_parse("--verify", "--quiet", f"{found}^{{commit}}")
        commit = repo.commit(sha)
    except (git.GitCommandError, ValueError):
        raise KfedgenError(
            f"unknown revision '{name}': not a branch, tag or commit of the repository at "
            f"{repo.working_tree_dir}"
            + (" (a shallow clone? fetch it first)" if _is_shallow(repo) else "")
        ) from None
    return Revision(name, commit)


def _is_shallow(repo: git.Repo) -> bool:
    return Path(repo.git_dir, "shallow").exists()


class RevisionReader:
    """Reads files of one revision by the paths the user gave, relative to ``base``."""

    def __init__(self, repo: git.Repo, revision: Revision, base: Path) -> None:
        self.revision = revision
        self.root = Path(str(repo.working_tree_dir)).resolve()
        self.base = base
        self.tree = revision.commit.tree

    def repo_path(self, given: Path) -> str | None:
        """``given`` (relative to ``base``) as a path inside the repository; None if outside."""
        absolute = Path(os.path.normpath(self.base.resolve() / given))
        try:
            relative = absolute.relative_to(self.root).as_posix()
        except ValueError:
            return None
        return "" if relative == "." else relative

    def lookup(self, given: Path) -> tuple[str, _GitObject | None] | None:
        """Resolve ``given`` (symlinks followed): its path in the repository and object.

        The object is None when nothing is there; the result is None when the
        path leads out of the repository (or into a symlink loop).
        """
        path = self.repo_path(given)
        try:
            return None if path is None else self._resolve(path)
        except _SymlinkLoop:
            return None

    def _resolve(self, path: str) -> tuple[str, _GitObject | None] | None:
        """Follow a repository path through the tree as the kernel would, symlinks included."""
        pending = [part for part in path.split("/") if part not in ("", ".")]
        resolved: list[str] = []
        current: _GitObject = self.tree
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == "..":
                if not resolved:
                    return None  # above the repository root
                resolved.pop()
                current = self.tree.join("/".join(resolved)) if resolved else self.tree
                continue
            entry = _child(current, part)
            if entry is None:
                return "/".join([*resolved, part, *pending]), None
            if isinstance(entry, Blob) and entry.mode == Blob.link_mode:
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:
                    raise _SymlinkLoop
                target = _link_target(entry)
                if target.startswith("/"):
                    inside = self.repo_path(Path(target))
                    if inside is None:
                        return None
                    resolved, current, target = [], self.tree, inside
                pending = [p for p in target.split("/") if p not in ("", ".")] + pending
                continue
            resolved.append(part)
            current = entry
        return "/".join(resolved), current

    def read_fleet(self, options: Options, problems: Problems) -> list[SourceFile]:
        """What :func:`kfedgen.pipeline.read_sources` reads, from this revision."""
        roots = list(options.fleet)
        if options.overlays is not None and self.is_dir(options.overlays):
            roots.append(options.overlays)
        found: dict[str, Blob] = {}
        for root in roots:
            located = self.lookup(root)
            if located is None or located[1] is None:
                problems.error(Location(_display(root, self.base)), (), "no such file or directory")
                continue
            resolved, obj = located
            if isinstance(obj, Tree):
                for display_path, blob in self._walk(root, obj, resolved, problems):
                    found.setdefault(_display(display_path, self.base), blob)
            elif isinstance(obj, Blob):
                found.setdefault(_display(root, self.base), obj)
            else:
                _submodule(root, self.base, problems)
        return [SourceFile(name, found[name].data_stream.read()) for name in sorted(found)]

    def is_dir(self, given: Path) -> bool:
        located = self.lookup(given)
        return located is not None and isinstance(located[1], Tree)

    def exists(self, given: Path) -> bool:
        located = self.lookup(given)
        return located is not None and located[1] is not None

    def _walk(
        self, root: Path, tree: Tree, resolved_root: str, problems: Problems
    ) -> Iterator[tuple[Path, Blob]]:
        """Mirror of :func:`kfedgen.load._walk`: the fleet files under ``root``."""
        stack: list[tuple[Path, Tree, str]] = [(root, tree, resolved_root)]
        while stack:
            directory, current, repo_dir = stack.pop()
            for entry in sorted(current, key=lambda e: e.name):
                name = entry.name
                if is_hidden(name):
                    continue
                path = directory / name
                entry_path = posixpath.join(repo_dir, name) if repo_dir else name
                if isinstance(entry, Tree):
                    stack.append((path, entry, entry_path))
                elif isinstance(entry, Blob) and entry.mode == Blob.link_mode:
                    yield from self._symlink(path, entry_path, resolved_root, problems)
                elif isinstance(entry, Blob):
                    if is_fleet_file(name):
                        yield path, entry
                else:
                    _submodule(path, self.base, problems)

    def _symlink(
        self, path: Path, entry_path: str, resolved_root: str, problems: Problems
    ) -> Iterator[tuple[Path, Blob]]:
        """A symlink inside a walked directory: read only if it stays inside it."""
        try:
            target = self._resolve(entry_path)
        except _SymlinkLoop:
            if is_fleet_file(path.name):
                problems.error(
                    Location(_display(path, self.base)), (), f"{LOOP}; refusing to read it"
                )
            return
        inside = target is not None and _is_within(target[0], resolved_root)
        if target is not None and isinstance(target[1], Tree):
            # os.walk lists a symlink to a directory among the directories, and
            # load._walk never descends into one.
            if not inside:
                problems.error(
                    Location(_display(path, self.base)),
                    (),
                    "symlink points outside the fleet directory; refusing to follow it",
                )
            return
        if not is_fleet_file(path.name):
            return
        if target is None or not inside:
            problems.error(
                Location(_display(path, self.base)),
                (),
                "symlink points outside the fleet directory; refusing to read it",
            )
        elif isinstance(target[1], Blob):
            yield path, target[1]
        else:
            # What reading a dangling symlink on disk reports.
            problems.error(
                Location(_display(path, self.base)),
                (),
                "cannot read file: No such file or directory",
            )

    def read_output(self, output: Path) -> dict[str, bytes] | None:
        """The kfedgen-owned files of the output tree committed at this revision.

        None when the revision has no output directory, or none with kfedgen's
        ownership manifest; files the manifest does not list are left out.
        """
        located = self.lookup(output)
        if located is None or not isinstance(located[1], Tree):
            return None
        files = {
            path: blob.data_stream.read()
            for path, blob in _all_blobs(located[1], "")
            if blob.mode != Blob.link_mode
        }
        owned = _owned(files.get(MANIFEST_PATH))
        if owned is None:
            return None
        return {path: content for path, content in files.items() if path in owned}


def _child(tree: _GitObject, name: str) -> _GitObject | None:
    if not isinstance(tree, Tree):
        return None  # a path through a file: ENOTDIR, as good as missing
    try:
        return tree.join(name)
    except KeyError:
        return None


def _link_target(link: Blob) -> str:
    return os.fsdecode(link.data_stream.read())


def _is_within(path: str, root: str) -> bool:
    return root in ("", path) or path.startswith(root + "/")


def _submodule(path: Path, base: Path, problems: Problems) -> None:
    problems.error(
        Location(_display(path, base)),
        (),
        "is a git submodule; kfedgen cannot read a submodule's files from a revision",
    )


def _all_blobs(tree: Tree, prefix: str) -> Iterator[tuple[str, Blob]]:
    for entry in tree:
        path = f"{prefix}{entry.name}"
        if isinstance(entry, Tree):
            yield from _all_blobs(entry, path + "/")
        elif isinstance(entry, Blob):
            yield path, entry


def _owned(manifest: bytes | None) -> set[str] | None:
    if manifest is None:
        return None
    try:
        files = json.loads(manifest)["files"]
    except (ValueError, KeyError, TypeError):
        return None
    return {str(path) for path in files} | {MANIFEST_PATH} if isinstance(files, dict) else None
