"""What a feasibility check reports: one object that will not work in one cluster."""

from __future__ import annotations

from kfedgen.errors import DocPath, Problem, Severity, format_path
from kfedgen.rendered import RenderedObject


def object_ref(obj: RenderedObject) -> str:
    """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped) of a rendered object."""
    return "/".join(part for part in (obj.kind, obj.namespace, obj.name) if part)


def finding(obj: RenderedObject, path: DocPath, reason: str, fix: str) -> Problem:
    """A warning at the object's source naming the cluster, the object, the field and why.

    The cluster is named once, as ``cluster 'NAME'``, so the reports merge one finding
    that holds in many clusters into one line (:func:`kfedgen.report.group_repeated`).
    """
    where = f" {format_path(path)}" if path else ""
    return Problem(obj.location, (), f"{subject(obj)}{where}: {reason}", Severity.WARNING, fix)


def subject(obj: RenderedObject) -> str:
    """How a finding about ``obj`` begins: the cluster, the object and where it came from."""
    origin = "" if obj.origin == object_ref(obj) else f" (from {obj.origin})"
    return f"cluster {obj.cluster!r}: {object_ref(obj)}{origin}"


def reason_about(problem: Problem, obj: RenderedObject) -> str | None:
    """What ``problem`` says is wrong with ``obj`` (field, reason, fix), or None if not about it."""
    head = subject(obj)
    if not problem.message.startswith(head) or problem.message[len(head) : len(head) + 1] not in (
        " ",
        ":",
    ):
        return None
    reason = problem.message[len(head) :].lstrip(" :")
    return f"{reason} ({problem.hint})" if problem.hint else reason
