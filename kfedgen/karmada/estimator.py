"""Karmada's general replica estimator: how many replicas a cluster's summary leaves room for.

Ported from ``pkg/estimator/client/general.go`` at Karmada commit f8fdd02df
(``GeneralEstimator.maxAvailableReplicas``):

1. no ``status.resourceSummary``: 0;
2. ``getAllowedPodNumber``: allocatable - allocated - allocating pods, never below 0; with
   no pods left, 0; a replica that requests nothing gets all of them;
3. with ``allocatableModelings`` (feature ``CustomizedClusterResourceModeling``, on by
   default), ``getMaximumReplicasBasedOnResourceModels``: ``buildModelNodes`` makes, per
   grade of ``spec.resourceModels`` in grade order, ``count`` nodes that allocate each
   range's ``min`` and 110 pods, and ``SchedulingSimulator`` (``pkg/estimator/
   scheduling_simulator_components.go``) packs replicas first-fit onto them.  For one
   replica shape first-fit fills each node in turn, so the answer is the sum over nodes of
   ``Resource.MaxDivided`` (``pkg/util/resource.go``), which :func:`by_resource_models`
   computes per grade.  The result, capped by the free pods, is the answer; when the
   models cannot be built (no ``spec.resourceModels``) the summary path runs instead;
4. ``getMaximumReplicasBasedOnClusterSummary``: per requested resource, available /
   requested (0 when the summary lacks the resource or has none left), capped by the
   free pods.

Quantities are counted as ``util.Resource`` counts them: CPU in milli-units, everything
else with ``Quantity.Value`` (rounded up); a resource that is neither a node resource nor a
scalar one (``lifted.IsScalarResourceName``: extended, hugepages, attachable volumes, any
name with a ``/``) is not counted.  In-flight ("assumed") workloads are not modelled: a
first schedule has none (``SchedulingOvercommitProtection`` is off by default, too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kfedgen.karmada.quantity import Quantity, parse

ResourceList = Mapping[str, str]
# A replica's requests as ``util.Resource`` counts them (CPU milli-units, else Value).
Units = Mapping[str, int]

MAX_INT32 = 2**31 - 1
# buildModelNodes: a model node admits Kubernetes' default of 110 pods (maxPodsCountPerNode).
MODEL_NODE_PODS = 110
_NODE_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", "pods"})


@dataclass(frozen=True)
class ResourceModel:
    """One grade of ``spec.resourceModels``: each range's ``min`` (a model node's allocatable)."""

    grade: int
    minimums: ResourceList


@dataclass(frozen=True)
class ResourceSummary:
    """A Karmada Cluster's ``status.resourceSummary`` and the ``spec.resourceModels`` it counts."""

    allocatable: ResourceList | None = None
    allocated: ResourceList | None = None
    allocating: ResourceList | None = None
    models: tuple[ResourceModel, ...] = ()
    modelings: Mapping[int, int] = field(default_factory=dict)  # grade -> node count


def counted(resource: str) -> bool:
    """Whether ``util.Resource`` counts ``resource`` (node resources and scalar ones)."""
    return (
        resource in _NODE_RESOURCES
        or "/" in resource
        or resource.startswith(("hugepages-", "attachable-volumes-"))
    )


def _units(resource: str, quantity: Quantity) -> int:
    # Only CPU is compared in milli-units upstream; memory etc. use the rounded-up Value.
    return quantity.milli_value() if resource == "cpu" else quantity.int_value()


def request_units(requests: ResourceList | None) -> dict[str, int]:
    """A resource list as ``util.NewResource(...).ResourceList()`` keeps it, in units."""
    result = {}
    for resource, text in (requests or {}).items():
        if counted(resource) and (amount := _units(resource, parse(text))) > 0:
            result[resource] = amount
    return result


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


def by_summary(
    requests: Units,
    allocatable: ResourceList | None,
    allocated: ResourceList | None = None,
    allocating: ResourceList | None = None,
) -> int | None:
    """getMaximumReplicasBasedOnClusterSummary; None for its ``math.MaxInt64`` (no bound)."""
    best: int | None = None
    for resource, asked in requests.items():
        if asked <= 0:
            continue
        free = _available(resource, allocatable, allocated, allocating)
        # A requested resource the cluster does not list, or has none left of: no replica fits.
        if free is None or free.int_value() <= 0:
            return 0
        fits = _units(resource, free) // asked
        best = fits if best is None else min(best, fits)
    return best


def max_replicas(
    requests: ResourceList | None,
    allocatable: ResourceList | None,
    allocated: ResourceList | None = None,
    allocating: ResourceList | None = None,
) -> int:
    """maxAvailableReplicas without resource models, for a request given as quantities."""
    return _capped(
        allowed_pods(allocatable, allocated, allocating),
        by_summary(request_units(requests), allocatable, allocated, allocating),
    )


def _capped(pods: int, found: int | None) -> int:
    return min(pods, MAX_INT32) if found is None else min(found, pods, MAX_INT32)


class NoResourceModels(ValueError):
    """``buildModelNodes``: the Cluster defines no ``spec.resourceModels``."""


def max_divided(node: Units, requests: Units) -> int:
    """``Resource.MaxDivided``: how many replicas one node's allocatable holds."""
    best = node.get("pods", 0)
    for resource, asked in requests.items():
        if asked > 0 and resource != "pods":
            best = min(best, node.get(resource, 0) // asked)
    return best


def by_resource_models(
    requests: Units, models: Sequence[ResourceModel], counts: Mapping[int, int]
) -> int:
    """getMaximumReplicasBasedOnResourceModels over the model nodes (see the module docstring).

    Raises :class:`NoResourceModels` when there are no models to build nodes from.
    """
    if not models:
        raise NoResourceModels("no resource models defined")
    total = 0
    for model in sorted(models, key=lambda m: m.grade):
        nodes = counts.get(model.grade, 0)
        if nodes <= 0:
            continue
        node = {name: _units(name, parse(text)) for name, text in model.minimums.items()}
        node["pods"] = MODEL_NODE_PODS  # set after the ranges, as buildModelNodes does
        total += nodes * max_divided(node, requests)
    return min(total, MAX_INT32)  # SimulateScheduling's upper bound, math.MaxInt32


def general_estimate(summary: ResourceSummary | None, requests: Units | None) -> tuple[int, str]:
    """``GeneralEstimator.maxAvailableReplicas``, and which path answered.

    The path is ``"resource summary"`` or ``"resource models"``; ``requests`` None is a
    workload without replica requirements.
    """
    if summary is None:
        return 0, "resource summary"
    pods = allowed_pods(summary.allocatable, summary.allocated, summary.allocating)
    if pods <= 0 or requests is None:
        return min(pods, MAX_INT32), "resource summary"
    if summary.modelings:
        try:
            found = by_resource_models(requests, summary.models, summary.modelings)
        except NoResourceModels:
            pass  # maxAvailableReplicas logs the error and takes the summary path
        else:
            return _capped(pods, found), "resource models"
    found_summary = by_summary(requests, summary.allocatable, summary.allocated, summary.allocating)
    return _capped(pods, found_summary), "resource summary"
