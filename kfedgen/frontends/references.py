"""Shared checks of references between documents: each message is written here once.

Every front-end and every later check that meets a cluster name reports a name the
inventory does not hold through :func:`report_unknown_cluster`, so the wording, the
did-you-mean hint and the rule for a broken inventory
(:meth:`kfedgen.model.FleetSpec.unknown_cluster`) are the same wherever it is found.
This module depends only on the spec model and the problem types.
"""

from __future__ import annotations

from kfedgen.errors import DocPath, Location, Problems, did_you_mean
from kfedgen.model import FleetSpec


def not_in_inventory(name: str) -> str:
    """The one wording of a reference to a cluster the inventory does not hold."""
    return f"cluster {name!r} is not in the inventory"


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
