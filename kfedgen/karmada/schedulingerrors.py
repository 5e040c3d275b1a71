"""The two ways offline scheduling stops: unschedulable, or not decidable from git."""

from __future__ import annotations

from dataclasses import dataclass

from kfedgen.errors import DocPath


class Unschedulable(Exception):
    """The scheduler finds no placement (Karmada reports it on the binding)."""

    def __init__(self, message: str, reasons: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.reasons = reasons  # per cluster, what the filters found


@dataclass(frozen=True)
class NotEmulated(Exception):
    """The policy needs something kfedgen cannot decide offline: an input error."""

    path: DocPath
    message: str
    hint: str = ""
