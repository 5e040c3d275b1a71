"""Compare two output trees: per-cluster file changes, object counts and replica changes.

``kfedgen diff`` compares the trees rendered from two git revisions with
:func:`compare_trees`; ``kfedgen diff`` and ``render --check -v`` both show a
file's change with :func:`unified_diff`.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.emit import MANIFEST_PATH
from kfedgen.errors import Problems
from kfedgen.load import LoadOptions, SourceFile, parse_file

# Top-level directories of the output that are not clusters (GitOps engine objects);
# they are shown after the clusters.
GLOBAL_GROUPS = ("_argocd", "_flux")
# kustomization.yaml files configure kustomize; they are not objects a cluster receives.
_KUSTOMIZE_GROUP = "kustomize.config.k8s.io/"


class Change(enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, order=True)
class ObjectId:
    """Which Kubernetes object a rendered file holds."""

    kind: str
    namespace: str
    name: str
    api_version: str = ""

    def __str__(self) -> str:
        qualified = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {qualified}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace or None,
            "name": self.name,
        }


@dataclass(frozen=True)
class FileChange:
    """One file of the output that differs between base and head."""

    path: str
    change: Change
    old: bytes | None
    new: bytes | None
    # None for files that are not Kubernetes objects (kustomization.yaml).
    object: ObjectId | None


@dataclass(frozen=True)
class ReplicaChange:
    """``spec.replicas`` of one workload before and after.

    ``before`` is None when the object is new or had no ``spec.replicas``
    (``change`` tells which), ``after`` likewise.
    """

    cluster: str
    path: str
    object: ObjectId
    change: Change
    before: int | None
    after: int | None


@dataclass(frozen=True)
class Counts:
    added: int = 0
    removed: int = 0
    changed: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.added + other.added, self.removed + other.removed, self.changed + other.changed
        )

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass(frozen=True)
class GroupDiff:
    """The changes of one cluster (or of ``_argocd``/``_flux``)."""

    name: str
    files: tuple[FileChange, ...]
    replicas: tuple[ReplicaChange, ...]

    @property
    def objects(self) -> Counts:
        """How many objects were added, removed and changed (kustomizations not counted)."""
        counted = [f.change for f in self.files if f.object is not None]
        return Counts(
            counted.count(Change.ADDED),
            counted.count(Change.REMOVED),
            counted.count(Change.CHANGED),
        )


@dataclass(frozen=True)
class TreeComparison:
    """Everything that differs between two output trees, grouped per cluster."""

    groups: tuple[GroupDiff, ...]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def objects(self) -> Counts:
        total = Counts()
        for group in self.groups:
            total += group.objects
        return total

    @property
    def replicas(self) -> list[ReplicaChange]:
        return [change for group in self.groups for change in group.replicas]


def group_of(path: str) -> str:
    """The cluster (first path segment) a file of the output belongs to."""
    return path.split("/", 1)[0]


def _group_order(name: str) -> tuple[int, str]:
    return (1 if name in GLOBAL_GROUPS else 0, name)


def compare_trees(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> TreeComparison:
    """What differs between two output trees (relative path -> bytes).

    The ownership manifest is left out: it changes whenever anything else does
    and says nothing a reviewer needs.
    """
    files: dict[str, list[FileChange]] = {}
    replicas: dict[str, list[ReplicaChange]] = {}
    for path in sorted((base.keys() | head.keys()) - {MANIFEST_PATH}):
        old, new = base.get(path), head.get(path)
        if old == new:
            continue
        change = Change.ADDED if old is None else Change.REMOVED if new is None else Change.CHANGED
        before, after = _read_object(path, old), _read_object(path, new)
        identity = after.identity if after else before.identity if before else None
        group = group_of(path)
        files.setdefault(group, []).append(FileChange(path, change, old, new, identity))
        replicas_before = before.replicas if before else None
        replicas_after = after.replicas if after else None
        if identity is not None and replicas_before != replicas_after:
            replicas.setdefault(group, []).append(
                ReplicaChange(group, path, identity, change, replicas_before, replicas_after)
            )
    return TreeComparison(
        tuple(
            GroupDiff(name, tuple(files[name]), tuple(replicas.get(name, ())))
            for name in sorted(files, key=_group_order)
        )
    )


@dataclass(frozen=True)
class _Object:
    identity: ObjectId
    replicas: int | None


def _read_object(path: str, content: bytes | None) -> _Object | None:
    """The object a rendered file holds and its ``spec.replicas``; None if not an object."""
    if content is None:
        return None
    # kfedgen's own loader: alias bombs and odd scalars in a hand-edited file
    # become problems (ignored here), never exceptions.
    documents = parse_file(SourceFile(path, content), Problems(), LoadOptions())
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        return None
    data: dict[str, Any] = documents[0].data
    metadata = data.get("metadata")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not (isinstance(metadata, dict) and isinstance(kind, str) and isinstance(api_version, str)):
        return None
    if api_version.startswith(_KUSTOMIZE_GROUP):
        return None
    namespace = metadata.get("namespace")
    identity = ObjectId(
        kind,
        namespace if isinstance(namespace, str) else "",
        str(metadata.get("name", "")),
        api_version,
    )
    return _Object(identity, _replicas(data))


def read_identity(path: str, content: bytes) -> ObjectId | None:
    """Which object a rendered file holds (None for a kustomization or a non-object)."""
    found = _read_object(path, content)
    return found.identity if found else None


def _replicas(data: dict[str, Any]) -> int | None:
    spec = data.get("spec")
    replicas = spec.get("replicas") if isinstance(spec, dict) else None
    # bool is an int in Python; a boolean replica count is not one.
    return replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else None


def unified_diff(path: str, old: bytes | None, new: bytes | None) -> str:
    """A unified diff of one file, with git's ``a/``, ``b/`` and ``/dev/null`` headers."""
    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        f"a/{path}" if old is not None else "/dev/null",
        f"b/{path}" if new is not None else "/dev/null",
    )
    return "".join(_terminate(line) for line in lines)


def _lines(content: bytes | None) -> list[str]:
    if content is None:
        return []
    return content.decode("utf-8", errors="replace").splitlines(keepends=True)


def _terminate(line: str) -> str:
    if line.endswith("\n"):
        return line
    return line + "\n\\ No newline at end of file\n"
