"""The one validate step: every front-end's cross-reference checks, right after parsing.

Each front-end checks what its documents say about others (clusters, targets) once the whole
spec is read; :data:`VALIDATORS` lists them, in the order they report.  The messages about
clusters come from :mod:`kfedgen.frontends.references`.
"""

from __future__ import annotations

from collections.abc import Callable

from kfedgen.errors import Problems
from kfedgen.frontends.karmada import validate as karmada
from kfedgen.frontends.kubefed import validate as kubefed
from kfedgen.model import FleetSpec

VALIDATORS: tuple[Callable[[FleetSpec, Problems], None], ...] = (
    kubefed.check_references,
    karmada.check_references,
)


def validate(spec: FleetSpec, problems: Problems) -> None:
    """Run every front-end's validate step over ``spec``."""
    for check in VALIDATORS:
        check(spec, problems)
