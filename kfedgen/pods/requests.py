"""What one pod of a workload asks the scheduler for, and how many pods the workload runs.

The effective request is ``PodRequests`` of ``k8s.io/component-helpers/resource/helpers.go``:
the app containers' requests summed; each init container in turn, a restartable one
(``restartPolicy: Always``, a sidecar) added to that sum and to the running sidecar total,
any other one taken with the sidecars started before it; the larger of the sum and the
largest init step, per resource; then ``spec.overhead``.  A container's request for a
resource it only limits is the limit, as the API server defaults it (``SetDefaults_Pod``,
``pkg/apis/core/v1/defaults.go``).  Quantities are summed exactly and counted as the
scheduler counts them (:func:`kfedgen.quantity.scheduler_units`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from kfedgen.podtemplates import PodTemplate, mappings
from kfedgen.quantity import parse_quantity, scheduler_units

# Kinds whose pods are counted by spec.replicas (default 1).
_REPLICATED = frozenset({"Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"})


def pod_requests(template: PodTemplate) -> dict[str, int]:
    """One pod's effective requests in scheduler units, without zero amounts."""
    spec = template.spec
    signature = (
        tuple(_signature(c) for c in mappings(spec.get("containers"))),
        tuple(_signature(c) for c in mappings(spec.get("initContainers"))),
        _resource_list(spec.get("overhead")),
    )
    return dict(_effective(*signature))


# A container as the request rule sees it: whether it is a sidecar, its requests, its limits.
_Container = tuple[bool, tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]


def _signature(container: Mapping[str, Any]) -> _Container:
    resources = container.get("resources")
    resources = resources if isinstance(resources, Mapping) else {}
    return (
        container.get("restartPolicy") == "Always",
        _resource_list(resources.get("requests")),
        _resource_list(resources.get("limits")),
    )


def _resource_list(values: Any) -> tuple[tuple[str, Any], ...]:
    """A resource list as a hashable key; the value's type is kept (``1`` is not ``True``)."""
    if not isinstance(values, Mapping):
        return ()
    return tuple(
        (str(name), (type(value).__name__, value))
        for name, value in values.items()
        if isinstance(value, (str, int, float))
    )


@functools.lru_cache(maxsize=4096)
def _effective(
    containers: tuple[_Container, ...],
    init_containers: tuple[_Container, ...],
    overhead: tuple[tuple[str, Any], ...],
) -> tuple[tuple[str, int], ...]:
    # Cached by content: the same pod template goes to many clusters.
    total: dict[str, Fraction] = {}
    for _, requests, limits in containers:
        _add(total, _requests(requests, limits))
    sidecars: dict[str, Fraction] = {}
    init: dict[str, Fraction] = {}
    for sidecar, requests, limits in init_containers:
        asked = _requests(requests, limits)
        if sidecar:
            _add(total, asked)
            _add(sidecars, asked)
            step = dict(sidecars)
        else:
            step = dict(asked)
            _add(step, sidecars)
        for name, amount in step.items():
            init[name] = max(init.get(name, Fraction(0)), amount)
    for name, amount in init.items():
        total[name] = max(total.get(name, Fraction(0)), amount)
    _add(total, _quantities(overhead))
    units = {name: scheduler_units(name, amount) for name, amount in total.items()}
    return tuple((name, value) for name, value in sorted(units.items()) if value > 0)


def _requests(
    requests: tuple[tuple[str, Any], ...], limits: tuple[tuple[str, Any], ...]
) -> dict[str, Fraction]:
    """A container's requests, its limits standing for those it does not set."""
    return {**_quantities(limits), **_quantities(requests)}


def _quantities(values: tuple[tuple[str, Any], ...]) -> dict[str, Fraction]:
    """The parseable quantities of a resource list (the schema check reports the others)."""
    parsed = {name: parse_quantity(value) for name, (_, value) in values}
    return {name: amount for name, amount in parsed.items() if amount is not None}


def _add(into: dict[str, Fraction], amounts: Mapping[str, Fraction]) -> None:
    for name, amount in amounts.items():
        into[name] = into.get(name, Fraction(0)) + amount


def replica_count(kind: str, manifest: Mapping[str, Any]) -> int | None:
    """How many pods of the workload run at once; None for a DaemonSet (one per node).

    ``spec.replicas`` (default 1) for the replicated kinds; a Job runs ``parallelism``
    pods (default 1) but no more than ``completions``; a CronJob one Job at a time; a Pod one.
    """
    spec = manifest.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if kind == "DaemonSet":
        return None
    if kind in _REPLICATED:
        return _count(spec.get("replicas"), 1)
    if kind == "CronJob":
        job = spec.get("jobTemplate")
        spec = job.get("spec") if isinstance(job, Mapping) else None
        spec = spec if isinstance(spec, Mapping) else {}
        kind = "Job"
    if kind == "Job":
        parallelism = _count(spec.get("parallelism"), 1)
        completions = spec.get("completions")
        if isinstance(completions, int) and not isinstance(completions, bool):
            return min(parallelism, max(completions, 0))
        return parallelism
    return 1


def _count(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    return default
