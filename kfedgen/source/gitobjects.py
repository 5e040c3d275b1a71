"""Trees of files as git holds them — a commit's, or the index's — read and verified.

Every object kfedgen reads from git is checked against its id (type, size and
sha1), so a missing or damaged object is an input error that names it: a
partial clone that cannot fetch, a pruned repository, a corrupt pack.  (Read
without the check, a corrupt packed tree reads as an empty one and a diff
would silently say "everything is new".)
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import git
from git.objects.fun import tree_entries_from_data

from kfedgen.errors import KfedgenError

TREE_MODE = 0o040000
LINK_MODE = 0o120000
SUBMODULE_MODE = 0o160000


class GitObjectError(KfedgenError):
    """A git object kfedgen needs is missing or corrupt (exit 2: the repository's state)."""


@dataclass(frozen=True)
class Entry:
    """One entry of a tree: a path in the repository, its mode and object id."""

    path: str
    mode: int
    hexsha: str  # "" for a directory of the index, which has no tree object

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def is_dir(self) -> bool:
        return self.mode == TREE_MODE

    @property
    def is_link(self) -> bool:
        return self.mode == LINK_MODE

    @property
    def is_submodule(self) -> bool:
        return self.mode == SUBMODULE_MODE

    @property
    def is_file(self) -> bool:
        return not (self.is_dir or self.is_link or self.is_submodule)


ROOT = Entry("", TREE_MODE, "")


def blob_id(content: bytes) -> str:
    """The id git gives a blob holding ``content`` (what ``git hash-object`` prints)."""
    return _object_id(b"blob", content)


def _object_id(kind: bytes, data: bytes, length: int = 40) -> str:
    """The id of an object (sha1, or sha256 in a repository that uses it)."""
    algorithm = "sha256" if length == 64 else "sha1"
    framed = b"%s %d\0%s" % (kind, len(data), data)
    return hashlib.new(algorithm, framed, usedforsecurity=False).hexdigest()


class ObjectStore:
    """Reads objects of one repository, each checked against its id.

    One ``git cat-file --batch`` process serves every read; it is ended when
    the store is garbage, or at exit.  (GitPython's own object streams cannot
    be used: they read a corrupt packed object as a short, silent one.)
    """

    def __init__(self, repo: git.Repo, where: str) -> None:
        self.repo = repo
        self.where = where  # what messages call the tree being read: "HEAD (1a2b3c4)"
        self._process: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None

    def _batch(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            # Closed by _end with the process: it outlives this call.
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115
            # --git-dir: a GIT_DIR inherited from a hook must not pick another repository.
            self._process = subprocess.Popen(
                [
                    git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git",
                    "--git-dir",
                    self.repo.git_dir,
                    "cat-file",
                    "--batch",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
            )
            weakref.finalize(self, _end, self._process, self._errors)
        return self._process

    def read(self, hexsha: str, kind: str, path: str) -> bytes:
        """The content of object ``hexsha``, which must be a ``kind`` (blob, tree, commit)."""
        what = f"{kind} {hexsha}" + (f" ({path} in {self.where})" if path else f" ({self.where})")
        requests, answers = _pipes(self._batch())
        try:
            requests.write(hexsha.encode("ascii") + b"\n")
            requests.flush()
            header = answers.readline().split()
            if header[1:] == [b"missing"]:
                raise self.error(what, "missing")
            kind_read, size = header[1], int(header[2])
            data = answers.read(size)
            answers.read(1)  # the newline after each object
        except (OSError, ValueError, IndexError):
            # git died (a corrupt pack makes it exit) or said something unexpected.
            raise self.error(what, "unreadable" + self._git_said()) from None
        if kind_read.decode() != kind or _object_id(kind_read, data, len(hexsha)) != hexsha:
            raise self.error(what, "corrupt" + self._git_said())
        return data

    def _git_said(self) -> str:
        if self._errors is None:
            return ""
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return f" (git: {lines[-1]})" if lines else ""

    def error(self, what: str, state: str) -> GitObjectError:
        """The error for object ``what`` ("blob 1a2b...") being missing, corrupt..."""
        root = self.repo.working_tree_dir or self.repo.git_dir
        return GitObjectError(
            f"git object {what} is {state} in the repository at {root}; "
            "a partial or shallow clone, or a pruned or damaged repository? "
            "Fetch it ('git fetch'), check the repository with 'git fsck', and run kfedgen again"
        )

    def commit_tree(self, commit: str) -> str:
        """The id of a commit's root tree."""
        data = self.read(commit, "commit", "")
        first = data.split(b"\n", 1)[0].split(b" ")
        if len(first) != 2 or first[0] != b"tree":
            raise self.error(f"commit {commit}", "corrupt")
        return first[1].decode("ascii")


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    if process.stdin is None or process.stdout is None:  # pragma: no cover - PIPE gives both
        raise OSError("git cat-file has no pipes")
    return process.stdin, process.stdout


def _end(process: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()  # cat-file ends at the end of its input
    process.wait()
    if process.stdout is not None:
        process.stdout.close()
    errors.close()


class Snapshot:
    """The files of a commit or of the index, by directory; listings are cached."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._listings: dict[str, dict[str, Entry]] = {}

    @property
    def where(self) -> str:
        return self.store.where

    def listing(self, directory: Entry) -> dict[str, Entry]:
        """The entries of a directory, by name."""
        cached = self._listings.get(directory.path)
        if cached is None:
            cached = self._listings[directory.path] = self._list(directory)
        return cached

    def _list(self, directory: Entry) -> dict[str, Entry]:
        raise NotImplementedError

    def child(self, directory: Entry, name: str) -> Entry | None:
        return self.listing(directory).get(name) if directory.is_dir else None

    def read(self, entry: Entry) -> bytes:
        """A file's content (a symlink's: its target)."""
        return self.store.read(entry.hexsha, "blob", entry.path)

    def files(self, directory: Entry) -> Iterator[Entry]:
        """Every entry under ``directory`` that is not a directory, at any depth."""
        for entry in self.listing(directory).values():
            if entry.is_dir:
                yield from self.files(entry)
            else:
                yield entry


class CommitSnapshot(Snapshot):
    """The tree of a commit."""

    def __init__(self, store: ObjectStore, commit: str) -> None:
        super().__init__(store)
        self.root_tree = store.commit_tree(commit)

    def _list(self, directory: Entry) -> dict[str, Entry]:
        tree = directory.hexsha or self.root_tree
        data = self.store.read(tree, "tree", directory.path)
        prefix = f"{directory.path}/" if directory.path else ""
        try:
            entries = tree_entries_from_data(data)
        except (ValueError, IndexError):
            raise self.store.error(f"tree {tree} ({directory.path or '/'})", "corrupt") from None
        found = {}
        for binsha, mode, name in entries:
            found[name] = Entry(prefix + name, mode, binsha.hex())
        return found


class IndexSnapshot(Snapshot):
    """The index (the staging area): what the next commit will hold."""

    def __init__(self, store: ObjectStore, listings: dict[str, dict[str, Entry]]) -> None:
        super().__init__(store)
        self._listings = listings

    @classmethod
    def read_index(cls, repo: git.Repo) -> IndexSnapshot:
        """The index of ``repo``, through git itself (so every index version works)."""
        store = ObjectStore(repo, "the index")
        listings: dict[str, dict[str, Entry]] = {"": {}}
        # mode, object, stage, path: one NUL-terminated record per entry.
        records = repo.git.ls_files("--stage", "-z", "--full-name", stdout_as_string=False)
        unmerged: list[str] = []
        for record in records.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, hexsha, stage = meta.split(b" ")
            path = raw_path.decode("utf-8", "surrogateescape")
            if stage != b"0":
                unmerged.append(path)
                continue
            _add(listings, Entry(path, int(mode, 8), hexsha.decode("ascii")))
        if unmerged:
            raise KfedgenError(
                f"the index has unresolved merge conflicts ({', '.join(sorted(set(unmerged)))}); "
                "resolve them and stage the result first"
            )
        return cls(store, listings)

    def _list(self, directory: Entry) -> dict[str, Entry]:
        return {}  # every directory of the index was listed when it was read


def _add(listings: dict[str, dict[str, Entry]], entry: Entry) -> None:
    """Put ``entry`` and the directories above it into ``listings``."""
    parent, _, name = entry.path.rpartition("/")
    listings.setdefault(parent, {})[name] = entry
    while parent:
        above, _, directory = parent.rpartition("/")
        siblings = listings.setdefault(above, {})
        if directory in siblings:
            break
        siblings[directory] = Entry(parent, TREE_MODE, "")
        parent = above
