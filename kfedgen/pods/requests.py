"""What one pod of a workload asks the scheduler for, and how many pods the workload runs.

The effective request is ``PodRequests`` of ``k8s.io/component-helpers/resource/helpers.go``:
the app containers' requests summed; each init container in turn, a restartable one
(``restartPolicy: Always``, a sidecar) added to that sum and to the running sidecar total,
any other one taken with the sidecars started before it; the larger of the sum and the
largest init step, per resource; pod-level ``spec.resources`` (Kubernetes 1.32+,
KEP-2837 ``PodLevelResources``) replace that aggregate for the resources they set (CPU and
memory, the ones the feature supports: ``IsSupportedPodLevelResource``); then the pod's
overhead.  A request that is only a limit is the limit, for containers and the pod alike,
as the API server defaults it (``SetDefaults_Pod``, ``pkg/apis/core/v1/defaults.go``).

The overhead is ``spec.overhead``, or the ``overhead.podFixed`` of the pod's RuntimeClass
when the caller knows it (the RuntimeClass admission plugin copies it into the pod when
the pod is created; a template in git does not have it yet).  Quantities are summed
exactly and counted as the scheduler counts them (:func:`kfedgen.quantity.scheduler_units`).
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
# The resources pod-level spec.resources may set (KEP-2837).
POD_LEVEL_RESOURCES = frozenset({"cpu", "memory"})
# RuntimeClass name -> its overhead.podFixed, as a hashable resource list.
RuntimeOverheads = Mapping[str, tuple[tuple[str, Any], ...]]


def pod_requests(template: PodTemplate, runtime: RuntimeOverheads | None = None) -> dict[str, int]:
    """One pod's effective requests in scheduler units, without zero amounts.

    ``runtime`` holds the RuntimeClasses whose overhead the pod gets when its spec names
    one and sets no ``overhead`` of its own.
    """
    spec = template.spec
    overhead = _resource_list(spec.get("overhead")) or admitted_overhead(spec, runtime)
    signature = (
        tuple(_signature(c) for c in mappings(spec.get("containers"))),
        tuple(_signature(c) for c in mappings(spec.get("initContainers"))),
        _signature(spec),
        overhead,
    )
    return dict(_effective(*signature))


def admitted_overhead(
    spec: Mapping[str, Any], runtime: RuntimeOverheads | None
) -> tuple[tuple[str, Any], ...]:
    """The overhead the RuntimeClass admission plugin gives a pod spec that sets none."""
    name = spec.get("runtimeClassName")
    if spec.get("overhead") or not runtime or not isinstance(name, str):
        return ()
    return runtime.get(name, ())


def runtime_overhead(manifest: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A RuntimeClass manifest's ``overhead.podFixed`` as :func:`pod_requests` takes it."""
    overhead = manifest.get("overhead")
    return _resource_list(overhead.get("podFixed") if isinstance(overhead, Mapping) else None)


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
    pod_level: _Container,
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
    # PodRequests: pod-level requests stand for the containers' aggregate where set.
    for name, amount in _requests(pod_level[1], pod_level[2]).items():
        if name in POD_LEVEL_RESOURCES:
            total[name] = amount
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
