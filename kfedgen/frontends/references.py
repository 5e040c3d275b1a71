"""Shared checks of references between documents: each message is written here once.

Every front-end and every later check that meets a cluster name reports a name the
inventory does not hold through :func:`report_unknown_cluster`, so the wording, the
did-you-mean hint and the rule for a broken inventory
(:meth:`kfedgen.model.FleetSpec.unknown_cluster`) are the same wherever it is found; a
document defined twice is reported through :func:`report_defined_twice`.  The namespace
gate is written once too, in :mod:`kfedgen.placement.resolve` (it needs placement).
This module depends only on the spec model and the problem types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from kfedgen.errors import DocPath, Location, Problems, did_you_mean
from kfedgen.model import FleetSpec

NAME_PATH: DocPath = ("metadata", "name")


class Located(Protocol):
    """A document, or what was read from one: it knows where each of its paths is written."""

    def location(self, path: DocPath = ()) -> Location: ...


def report_defined_twice(duplicate: Located, what: str, first: Located, problems: Problems) -> None:
    """Report ``what`` (its ref) at the second definition, naming where the first one is."""
    problems.error(
        duplicate.location(NAME_PATH),
        NAME_PATH,
        f"{what} is defined twice; the first is at {first.location()}",
    )


def not_in_inventory(name: str) -> str:
    """The one wording of a reference to a cluster the inventory does not hold."""
    return f"cluster {name!r} is not in the inventory"


def unknown_cluster_line(name: str, clusters: Iterable[str]) -> str:
    """The wording with its did-you-mean on one line, for a command's argument."""
    hint = did_you_mean(name, clusters)
    return not_in_inventory(name) + (f" ({hint})" if hint else "")


def report_unknown_cluster(
    spec: FleetSpec,
    name: str,
    location: Location,
    path: DocPath,
    problems: Problems,
    hint: str = "",
) -> bool:
    """Report cluster ``name`` (at ``path``) when it is certainly not in the inventory.

    A name close to an inventory cluster gets a did-you-mean; ``hint`` is the fallback.
    Returns whether a problem was reported.
    """
    if not spec.unknown_cluster(name):
        return False
    problems.error(
        location, path, not_in_inventory(name), did_you_mean(name, spec.clusters) or hint
    )
    return True
