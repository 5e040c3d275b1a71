"""Karmada's general replica estimator, summary path: how many replicas a cluster can take.

Ported from pkg/estimator/client/general.go (getAllowedPodNumber,
getMaximumReplicasBasedOnClusterSummary): available = allocatable - allocated - allocating
per resource; the answer is the smallest available/requested over the requested resources,
capped by the free pod count.  CPU is divided in milli-units, everything else in whole
units rounded up, as ``Quantity.Value``/``MilliValue`` do there.
"""

from __future__ import annotations

from collections.abc import Mapping

from kfedgen.karmada.quantity import Quantity, parse

ResourceList = Mapping[str, str]


def _units(resource: str, quantity: Quantity) -> int:
    # Only CPU is compared in milli-units upstream; memory etc. use the rounded-up Value.
    return quantity.milli_value() if resource == "cpu" else quantity.int_value()


def _available(resource: str, *lists: ResourceList | None) -> Quantity | None:
    """allocatable - allocated - allocating for ``resource``; None when not allocatable."""
    allocatable, *used = lists
    if allocatable is None or resource not in allocatable:
        return None
    value = parse(allocatable[resource]).value
    for taken in used:
        if taken and resource in taken:
            value -= parse(taken[resource]).value
    return Quantity(value)


def allowed_pods(
    allocatable: ResourceList | None,
    allocated: ResourceList | None = None,
    allocating: ResourceList | None = None,
) -> int:
    """getAllowedPodNumber: the pods the cluster still admits, never below 0."""
    free = _available("pods", allocatable, allocated, allocating)
    return max(free.int_value(), 0) if free is not None else 0


def max_replicas(
    requests: ResourceList | None,
    allocatable: ResourceList | None,
    allocated: ResourceList | None = None,
    allocating: ResourceList | None = None,
) -> int:
    """maxAvailableReplicas without resource models: the replicas the summary leaves room for."""
    pods = allowed_pods(allocatable, allocated, allocating)
    if pods <= 0 or not requests:
        return pods
    best = pods
    for resource, text in requests.items():
        asked = parse(text)
        if asked.int_value() <= 0:
            continue
        free = _available(resource, allocatable, allocated, allocating)
        # A requested resource the cluster does not list, or has none left of: no replica fits.
        if free is None or free.int_value() <= 0:
            return 0
        best = min(best, _units(resource, free) // _units(resource, asked))
    return best
