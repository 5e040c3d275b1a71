"""Compare two output trees: per-cluster file changes, object counts and replica changes.

``kfedgen diff`` compares the trees rendered from two git revisions with
:func:`compare_trees`; ``kfedgen diff`` and ``render --check -v`` both show a
file's change with :func:`unified_diff`.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kfedgen.backend.emit import MANIFEST_PATH
from kfedgen.backend.readback import (
    GLOBAL_GROUPS,
    ObjectId,
    RenderedFile,
    group_of,
    read_object,
)


class Change(enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


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
    # A headroom placeholder: its pods hold room and serve nothing, so no scale-up warning.
    placeholder: bool = False


@dataclass(frozen=True)
class TrafficChange:
    """One traffic weight of an object before and after (None: it has none on that side).

    ``target`` names the weight: ``dns <hostname>`` or ``split <backend Service>``.
    """

    cluster: str
    path: str
    object: ObjectId
    target: str
    before: int | None
    after: int | None


@dataclass(frozen=True)
class ScaleUpDecrease:
    """A cluster whose replicas of a workload went down while the workload's total went up.

    Karmada's static-weight division before v1.16 did this on a scale-up (karmada#6735):
    pods are removed in one cluster while the workload grows.  With the Webster method a pure
    scale-up never does it; new weights or clusters in the same change still can, so a
    reviewer sees it.
    """

    change: ReplicaChange
    growth: int  # how many replicas the workload gained over all clusters


def _count(value: int | None, change: Change, absent: Change) -> int:
    # An object absent on one side has no replicas there; one without spec.replicas runs the
    # API server's default of 1.
    if change is absent:
        return 0
    return 1 if value is None else value


def scale_up_decreases(changes: Sequence[ReplicaChange]) -> list[ScaleUpDecrease]:
    """Per cluster, the replica decreases of workloads whose total over all clusters grew.

    Clusters whose replicas did not change are not in ``changes``; they add nothing to the
    growth, so summing the changed clusters is enough.
    """
    by_object: dict[ObjectId, list[ReplicaChange]] = {}
    for change in changes:
        if not change.placeholder:
            by_object.setdefault(change.object, []).append(change)
    result = []
    for group in by_object.values():
        before = sum(_count(c.before, c.change, Change.ADDED) for c in group)
        growth = sum(_count(c.after, c.change, Change.REMOVED) for c in group) - before
        if growth <= 0:
            continue
        for change in group:
            old = _count(change.before, change.change, Change.ADDED)
            new = _count(change.after, change.change, Change.REMOVED)
            if new < old:
                result.append(ScaleUpDecrease(change, growth))
    return result


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
    traffic: tuple[TrafficChange, ...] = ()

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

    @property
    def traffic(self) -> list[TrafficChange]:
        return [change for group in self.groups for change in group.traffic]

    @property
    def scale_up_decreases(self) -> list[ScaleUpDecrease]:
        return scale_up_decreases(self.replicas)


def _group_order(name: str) -> tuple[int, str]:
    return (1 if name in GLOBAL_GROUPS else 0, name)


def compare_trees(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> TreeComparison:
    """What differs between two output trees (relative path -> bytes).

    The ownership manifest is left out: it changes whenever anything else does
    and says nothing a reviewer needs.
    """
    files: dict[str, list[FileChange]] = {}
    replicas: dict[str, list[ReplicaChange]] = {}
    traffic: dict[str, list[TrafficChange]] = {}
    for path in sorted((base.keys() | head.keys()) - {MANIFEST_PATH}):
        old, new = base.get(path), head.get(path)
        if old == new:
            continue
        change = Change.ADDED if old is None else Change.REMOVED if new is None else Change.CHANGED
        before, after = read_object(path, old), read_object(path, new)
        shown = after or before
        identity = shown.identity if shown else None
        placeholder = shown.placeholder if shown else False
        group = group_of(path)
        files.setdefault(group, []).append(FileChange(path, change, old, new, identity))
        replicas_before = before.replicas if before else None
        replicas_after = after.replicas if after else None
        if identity is not None and replicas_before != replicas_after:
            replicas.setdefault(group, []).append(
                ReplicaChange(
                    group,
                    path,
                    identity,
                    change,
                    replicas_before,
                    replicas_after,
                    placeholder,
                )
            )
        if identity is not None:
            traffic.setdefault(group, []).extend(_traffic(group, path, identity, before, after))
    return TreeComparison(
        tuple(
            GroupDiff(
                name,
                tuple(files[name]),
                tuple(replicas.get(name, ())),
                tuple(traffic.get(name, ())),
            )
            for name in sorted(files, key=_group_order)
        )
    )


def _traffic(
    group: str,
    path: str,
    identity: ObjectId,
    before: RenderedFile | None,
    after: RenderedFile | None,
) -> list[TrafficChange]:
    old = before.weights if before else {}
    new = after.weights if after else {}
    return [
        TrafficChange(group, path, identity, target, old.get(target), new.get(target))
        for target in sorted(old.keys() | new.keys())
        if old.get(target) != new.get(target)
    ]


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
