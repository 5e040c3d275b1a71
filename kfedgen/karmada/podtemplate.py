"""What Karmada reads from a pod template: per-replica requirements and dependencies.

Ports of the helpers behind the Lua ``kube`` library (``luavm/kube.go``):

* :func:`replica_requirements` -- ``helper.GenerateReplicaRequirements``
  (``pkg/util/helper/binding.go``: ``GenerateNodeClaimByPodSpec``) with
  ``util.Resource.AddPodTemplateRequest`` (``pkg/util/resource.go``): requests default to
  limits, app containers add up, init containers count by their largest request, the
  overhead adds on; ``ResourceList`` writes cpu in millis, memory and ephemeral storage as
  binary quantities.  ``priorityClassName`` is left out, as with Karmada's default feature
  gates (``ResourceQuotaEstimate`` off).
* :func:`pod_dependencies` -- ``helper.GetDependenciesFromPodTemplate``
  (``pkg/util/helper/pod.go``) and ``lifted.VisitPodSecretNames`` /
  ``VisitPodConfigmapNames`` (``pkg/util/lifted/visitpod.go``): the ConfigMaps, Secrets,
  ServiceAccount and PersistentVolumeClaims a pod refers to.

Plain data in (a pod template as JSON), plain data out (JSON, as Lua receives it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kfedgen.karmada.dependencies import template_dependencies
from kfedgen.karmada.quantity import BINARY_SI, DECIMAL_SI, Quantity, QuantityError, parse
from kfedgen.karmada.quantity import from_number as quantity_of_number

Json = dict[str, Any]
_CPU, _MEMORY, _PODS, _EPHEMERAL = "cpu", "memory", "pods", "ephemeral-storage"


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        value = _map(value).get(key)
    return value


def _containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """``VisitContainers`` with ``AllContainers``: init, app, then ephemeral containers."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _list(spec.get(key)):
            yield _map(container)


# -- requirements -------------------------------------------------------------------------


def _quantity(value: Any) -> Quantity:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError(f"quantity {value!r} is neither a string nor a number")
    return quantity_of_number(value) if not isinstance(value, str) else parse(value)


def _is_scalar(name: str) -> bool:
    """``lifted.IsScalarResourceName``: extended, hugepages, prefixed native, attachable."""
    native = "/" not in name or "kubernetes.io/" in name
    extended = not native and not name.startswith("requests.")
    return (
        extended
        or name.startswith(("hugepages-", "attachable-volumes-"))
        or "kubernetes.io/" in name
    )


def _amount(name: str, quantity: Quantity) -> int:
    return quantity.milli_value() if name == _CPU else quantity.int_value()


def _tracked(name: str) -> bool:
    return name in (_CPU, _MEMORY, _PODS, _EPHEMERAL) or _is_scalar(name)


def _requests(container: Mapping[str, Any]) -> dict[str, Quantity]:
    """A container's requests, defaulted to its limits where unset."""
    resources = _map(container.get("resources"))
    merged = {**_map(resources.get("limits")), **_map(resources.get("requests"))}
    return {name: _quantity(value) for name, value in merged.items()}


def resource_request(spec: Mapping[str, Any]) -> dict[str, str]:
    """The per-replica request of a pod spec, as ``ResourceList`` writes it (empty: none)."""
    total: dict[str, int] = {}
    for container in _list(spec.get("containers")):
        for name, quantity in _requests(_map(container)).items():
            if _tracked(name):
                total[name] = total.get(name, 0) + _amount(name, quantity)
    for container in _list(spec.get("initContainers")):
        for name, quantity in _requests(_map(container)).items():
            if _tracked(name):
                total[name] = max(total.get(name, 0), _amount(name, quantity))
    for name, value in _map(spec.get("overhead")).items():
        if _tracked(name):
            total[name] = total.get(name, 0) + _amount(name, _quantity(value))
    result = {}
    for name, amount in sorted(total.items()):
        if amount <= 0:
            continue
        if name == _CPU:
            result[name] = str(Quantity(parse(f"{amount}m").value, DECIMAL_SI))
        else:
            binary = name in (_MEMORY, _EPHEMERAL) or name.startswith("hugepages-")
            result[name] = str(
                Quantity(parse(str(amount)).value, BINARY_SI if binary else DECIMAL_SI)
            )
    return result


def replica_requirements(template: Mapping[str, Any]) -> Json | None:
    """``GenerateReplicaRequirements`` of a pod template; None when it has none."""
    spec = _map(template.get("spec"))
    claim: Json = {}
    if spec.get("nodeSelector"):
        claim["nodeSelector"] = dict(_map(spec["nodeSelector"]))
    if _list(spec.get("tolerations")):
        claim["tolerations"] = list(spec["tolerations"])
    required = _dig(
        spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is not None:
        claim["hardNodeAffinity"] = required
    request = resource_request(spec)
    if not claim and not request:
        return None
    result: Json = {}
    if claim:
        result["nodeClaim"] = claim
    if request:
        result["resourceRequest"] = request
    return result


# -- dependencies -------------------------------------------------------------------------


def pod_dependencies(template: Mapping[str, Any], namespace: str) -> list[Json]:
    """``GetDependenciesFromPodTemplate``: ``{apiVersion, kind, namespace, name}`` each, sorted.

    The same port the native interpreters use (:mod:`kfedgen.karmada.dependencies`), as
    JSON for Lua.
    """
    return [
        {"apiVersion": d.api_version, "kind": d.kind, "namespace": d.namespace, "name": d.name}
        for d in template_dependencies(_map(template.get("spec")), namespace)
    ]
