"""Clusters alike: a check's findings for one cluster, said again for another just like it.

A large fleet has many clusters whose inventory entries differ only in their names (and
labels, servers), and which receive the very same rendered objects: the copies of one
template share their manifest wherever no override or division changed it.  A check is a
function of the entry and the objects, so for a second such cluster it would find the same
things, only in another cluster's name.  :class:`Replay` runs each check once per kind of
cluster and says its findings again for the others, with the cluster's name and, for a
finding at the inventory entry (the node pools' capacity), the entry's location.

Two clusters are alike when every field of their entries is equal but those that say what
the cluster is called and where it is reached (name, labels, server, Argo CD destination,
and the entry's location): whatever else a check reads, today's fields or a later one's,
is compared.  And their objects must be the same objects in the same order (the same
manifest, origin and location, by identity: equal but distinct copies are only a missed
chance).  A finding that does not begin with
``cluster 'NAME': `` (as every check's does) is not said again: the check runs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields, replace

from kfedgen.errors import Problem
from kfedgen.feasibility.memo import stands_for
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject

# What the cluster is, not what it is called, labelled or reached at.
_NAMES = frozenset({"name", "location", "labels", "server", "destination_name"})
_COMPARED = tuple(f.name for f in fields(Cluster) if f.name not in _NAMES)


def alike_key(
    cluster: Cluster,
    objects: Sequence[RenderedObject],
    texts: dict[int, tuple[object, str]] | None = None,
) -> tuple[tuple[str, ...], Hashable]:
    """What makes two clusters alike for the checks (equal keys: alike): entry, objects.

    ``texts`` remembers the ``repr`` of each field value by identity (entries that share
    their pools share one ``Compute``); the caller holds the clusters meanwhile.  The
    texts stay apart in a tuple: a remembered text hashes once, however many keys hold it.
    """
    memo = {} if texts is None else texts
    parts = []
    for name in _COMPARED:
        value = getattr(cluster, name)
        known = memo.get(id(value))
        if known is None or known[0] is not value:
            known = memo[id(value)] = (value, repr(value))
        parts.append(known[1])
    # Identities of objects that outlive the checks (the caller holds them): a key cannot
    # be reused by another object while it is compared.
    same = (
        tuple([id(o.manifest) for o in objects]),
        tuple([id(o.origin) for o in objects]),
        tuple([id(o.location) for o in objects]),
    )
    return tuple(parts), same


class Kinds:
    """Each cluster's kind as a small number, for checks that read ``spec.replicas`` or not.

    The keys are long tuples, and a tuple's hash is not kept: each is hashed once here,
    and the checks' memo compares numbers.

    The division of replicas gives many clusters the same objects with another
    ``spec.replicas`` each (a copy of the manifest that shares everything else), and
    overrides give some clusters their own images.  For a check that reads neither, such
    clusters are alike too: the replica-free key is :func:`alike_key`'s with each
    manifest replaced by the copy that stands for it
    (:func:`kfedgen.feasibility.memo.stands_for`).  Computed once per kind (clusters of
    one kind have the very same objects); valid while the caller holds the objects.
    """

    def __init__(self) -> None:
        self._kinds: dict[Hashable, int] = {}
        self._free: dict[int, int] = {}
        self._free_kinds: dict[Hashable, int] = {}
        self._texts: dict[int, tuple[object, str]] = {}

    def of(self, cluster: Cluster, objects: Sequence[RenderedObject]) -> tuple[int, int]:
        """The cluster's kind, and its kind for checks that do not read ``spec.replicas``."""
        key = alike_key(cluster, objects, self._texts)
        kind = self._kinds.setdefault(key, len(self._kinds))
        free = self._free.get(kind)
        if free is None:
            shapes = tuple(
                [(id(stands_for(o.manifest)), id(o.origin), id(o.location)) for o in objects]
            )
            free_key = (key[0], shapes)
            free = self._free[kind] = self._free_kinds.setdefault(free_key, len(self._free_kinds))
        return kind, free


@dataclass(frozen=True)
class _Found:
    """One check's findings in the first cluster of a kind; ``at_entry``: at its entry."""

    cluster: Cluster
    problems: tuple[Problem, ...]
    at_entry: tuple[bool, ...]


class Replay:
    """Each check once per kind of cluster, its findings said again for the alike ones."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, Hashable], _Found | None] = {}

    def run(
        self,
        check: str,
        run: Callable[[Cluster, Sequence[RenderedObject]], Iterable[Problem]],
        cluster: Cluster,
        objects: Sequence[RenderedObject],
        key: Hashable,
    ) -> list[Problem]:
        """``run(cluster, objects)``, or what it said for an alike cluster, moved to this one."""
        memo = (check, key)
        if memo in self._found:
            found = self._found[memo]
            if found is not None:
                return [
                    _moved(p, e, found.cluster, cluster)
                    for p, e in zip(found.problems, found.at_entry, strict=True)
                ]
        problems = tuple(run(cluster, objects))
        head = _head(cluster)
        if all(p.message.startswith(head) for p in problems):
            at_entry = tuple(p.location is cluster.location for p in problems)
            self._found[memo] = _Found(cluster, problems, at_entry)
        else:
            self._found[memo] = None
        return list(problems)


def _head(cluster: Cluster) -> str:
    return f"cluster {cluster.name!r}: "


def _moved(problem: Problem, at_entry: bool, source: Cluster, target: Cluster) -> Problem:
    message = _head(target) + problem.message[len(_head(source)) :]
    location = target.location if at_entry else problem.location
    return replace(problem, location=location, message=message)
