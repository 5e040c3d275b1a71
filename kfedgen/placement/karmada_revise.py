"""Replicas of customized kinds: read by ``GetReplicas``, written by ``ReviseReplica``.

For a kind that a ResourceInterpreterCustomization (the fleet's, or one Karmada bundles)
interprets, the scheduler divides the count its ``GetReplicas`` script returns, and each
cluster's share is written by its ``ReviseReplica`` script (Karmada's binding controller
calls ``ReviseReplica`` for Divided scheduling only; Duplicated copies stay as written).
The script's result is kept as a revised manifest per cluster
(``Propagation.revised``), with only the fields the script changed
(:mod:`kfedgen.karmada.revision`).  A failing script is an input error located at the
script (the fleet's) or at the object (a bundled script), naming the operation.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from kfedgen.errors import Problems
from kfedgen.frontends.karmada.plain import KarmadaResolution, PlainObject
from kfedgen.karmada.chain import Interpreter, ScriptFailed
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.revision import Change, describe, revise

_LINE = re.compile(r"^luaScript:(\d+): ")


def report_failure(obj: PlainObject, failure: ScriptFailed, problems: Problems) -> None:
    """A script failure as an input error: at the fleet's script, or at the object."""
    script = failure.script
    message = _LINE.sub(lambda m: f"line {m.group(1)} of the script: ", failure.message)
    text = f"{obj.ref}: {script.operation} of {script.source} failed: {message}"
    if failure.missing_lua:
        text = f"{obj.ref} is interpreted by {script.source}: {failure.message}"
    if script.bundled:
        problems.error(obj.location(("kind",)), (), text)
    else:
        problems.error(script.location, script.path, text)


def describe_workload(workload: Workload) -> str:
    """``GetReplicas of ...: 5 replicas, each requests cpu 250m, memory 256Mi``."""
    assert workload.interpreted_by is not None  # noqa: S101 - customized workloads only
    count = f"{workload.replicas} replica{'' if workload.replicas == 1 else 's'}"
    text = f"GetReplicas of {workload.interpreted_by.source}: {count}"
    request = (workload.requirements or {}).get("resourceRequest")
    if isinstance(request, dict) and request:
        text += ", each requests " + ", ".join(f"{k} {v}" for k, v in sorted(request.items()))
    return text


def revise_by_script(
    resolution: KarmadaResolution, interpreter: Interpreter, problems: Problems
) -> KarmadaResolution:
    """The resolution with every placed cluster's share written by ``ReviseReplica``."""
    propagation = resolution.propagation
    assert propagation is not None and propagation.workload is not None  # noqa: S101
    workload = propagation.workload
    obj = resolution.obj
    if workload.reviser is None:
        assert workload.interpreted_by is not None  # noqa: S101
        problems.error(
            obj.location(("kind",)),
            (),
            f"{obj.ref} is divided, but only its replicas can be read "
            f"({workload.interpreted_by.source}): no ReviseReplica script writes a "
            "cluster's share, so Karmada could not apply the division",
            "add a replicaRevision script to a ResourceInterpreterCustomization for "
            f"{obj.api_version} {obj.kind}, or use Duplicated scheduling",
        )
        return resolution
    written: dict[int, tuple[dict[str, Any], list[Change]]] = {}
    revised = {}
    decisions = {}
    for name, decision in sorted(resolution.decisions.items()):
        if not decision.placed or decision.replicas is None:
            continue
        count = decision.replicas
        if count not in written:
            try:
                result = interpreter.revise(workload, obj.manifest, count)
            except ScriptFailed as failure:
                report_failure(obj, failure, problems)
                return resolution
            written[count] = revise(obj.manifest, result)
        manifest, changes = written[count]
        revised[name] = manifest
        decisions[name] = decision.noting(
            f"ReviseReplica of {workload.reviser.source} writes {describe(changes)}"
        )
    return replace(
        resolution.with_decisions(decisions), propagation=replace(propagation, revised=revised)
    )
