"""The interpreter operations as Karmada's Lua VM runs them (``luavm/lua.go``).

``GetReplicas``, ``ReviseReplica``, ``GetDependencies`` and ``Retain`` call one script
function and convert its result as Karmada does (``lua_convert.go``): through JSON, empty
tables restored from the reference objects, integral numbers decoded as integers.  The
``kube`` library is ``luavm/kube.go``: ``resourceAdd``, ``getResourceQuantity``,
``accuratePodRequirements`` and ``getPodDependencies`` (:mod:`kfedgen.karmada.podtemplate`,
:mod:`kfedgen.karmada.quantity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from kfedgen.karmada import podtemplate, quantity
from kfedgen.karmada.luavm import LuaVM, ScriptError, json_numbers, restore_empty
from kfedgen.karmada.scripts import Script

Json = Any
_INT32 = 2**31


def _checked_quantity(value: Json) -> quantity.Quantity:
    """``checkResourceQuantity``: nil is zero, a string is parsed, anything else refused."""
    if value is None:
        return quantity.Quantity(Decimal(0))
    if not isinstance(value, str):
        raise ScriptError(f"bad argument (string expected, got {_lua_type(value)})")
    try:
        return quantity.parse(value)
    except quantity.QuantityError as exc:
        raise ScriptError(f"invalid quantity {value!r}: {exc}") from exc


def _lua_type(value: Json) -> str:
    """The Lua type name of a converted value, for messages as gopher-lua words them."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "table" if isinstance(value, dict | list) else "string"


def _resource_add(*values: Json) -> str:
    return str(quantity.add([_checked_quantity(v) for v in values]))


def _resource_quantity(*values: Json) -> float:
    if len(values) != 1:
        raise ScriptError("getResourceQuantity only accepts one argument")
    return float(_checked_quantity(values[0]).value)


def _pod_requirements(*values: Json) -> Json:
    if len(values) != 1 or not isinstance(values[0], dict | list):
        raise ScriptError("getPodRequirements only accepts one argument")
    template = restore_empty(values[0], True, [])
    try:
        return podtemplate.replica_requirements(template if isinstance(template, dict) else {})
    except quantity.QuantityError as exc:
        raise ScriptError(f"fail to convert lua value to PodTemplateSpec: {exc}") from exc


def _pod_dependencies(*values: Json) -> Json:
    if len(values) != 2:
        raise ScriptError("getPodDependencies only accepts two argument")
    template, namespace = values
    namespace = "default" if namespace is None else namespace
    if isinstance(namespace, float) and namespace.is_integer():
        namespace = int(namespace)
    if not isinstance(template, dict | list) or not isinstance(namespace, str | int):
        raise ScriptError("getPodDependencies takes a pod template and a namespace")
    template = restore_empty(template, True, [])
    return podtemplate.pod_dependencies(
        template if isinstance(template, dict) else {}, str(namespace)
    )


KUBE_LIBRARY = {
    "resourceAdd": _resource_add,
    "getResourceQuantity": _resource_quantity,
    "accuratePodRequirements": _pod_requirements,
    "getPodDependencies": _pod_dependencies,
}


@cache
def vm() -> LuaVM:
    """The process's one Lua runtime, created on first use (lupa is imported then)."""
    return LuaVM(KUBE_LIBRARY)


def _object(value: Json, *references: Json) -> dict[str, Any]:
    """``ConvertLuaResultInto`` an ``Unstructured``: a table, fixed by the references."""
    if not isinstance(value, dict | list):
        kind = "nil" if value is None else type(value).__name__
        raise ScriptError(f"expect the returned requires type is table but got {kind}")
    fixed = json_numbers(restore_empty(value, True, list(references)))
    if not isinstance(fixed, dict):
        raise ScriptError("json unmarshal obj failed: the result is a list, not an object")
    return fixed


def get_replicas(script: Script, obj: Mapping[str, Any]) -> tuple[int, Json]:
    """``VM.GetReplicas``: the replica count (int32, truncated) and per-replica requirements."""
    replica, requires = vm().call(script.text, "GetReplicas", 2, dict(obj))
    if isinstance(replica, bool) or not isinstance(replica, int | float):
        kind = "nil" if replica is None else type(replica).__name__
        raise ScriptError(f"result type {kind} is not number")
    count = int(replica)  # Go's int32(float64): toward zero
    if not -_INT32 <= count < _INT32:
        raise ScriptError(f"replica count {replica} does not fit an int32")
    if requires is None:
        return count, None
    if not isinstance(requires, dict | list):
        raise ScriptError(
            f"expect the returned requires type is table but got {type(requires).__name__}"
        )
    return count, _requirements(restore_empty(requires, True, []))


def _requirements(value: Json) -> Json:
    """The ``ReplicaRequirements`` struct: its resource quantities in canonical form."""
    if not isinstance(value, dict):
        raise ScriptError("json: cannot unmarshal array into ReplicaRequirements")
    result = {k: v for k, v in json_numbers(value).items() if k in _REQUIREMENT_FIELDS}
    request = result.get("resourceRequest")
    if request is not None:
        if not isinstance(request, dict):
            raise ScriptError("json: cannot unmarshal resourceRequest into a ResourceList")
        try:
            result["resourceRequest"] = {
                name: str(_quantity_of(amount)) for name, amount in sorted(request.items())
            }
        except quantity.QuantityError as exc:
            raise ScriptError(f"resourceRequest: {exc}") from exc
    return {k: v for k, v in result.items() if v not in (None, "", {})}


_REQUIREMENT_FIELDS = ("nodeClaim", "resourceRequest", "namespace", "priorityClassName")


def _quantity_of(amount: Json) -> quantity.Quantity:
    if isinstance(amount, str):
        return quantity.parse(amount)
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        return quantity.from_number(amount)
    raise quantity.QuantityError(f"quantity {amount!r} is neither a string nor a number")


def revise_replica(script: Script, obj: Mapping[str, Any], replicas: int) -> dict[str, Any]:
    """``VM.ReviseReplica``: the object as the script writes ``replicas`` into it."""
    (revised,) = vm().call(script.text, "ReviseReplica", 1, dict(obj), replicas)
    return _object(revised, obj)


def retain(
    script: Script, desired: Mapping[str, Any], observed: Mapping[str, Any]
) -> dict[str, Any]:
    """``VM.Retain``: the desired object with what the script keeps from the observed one."""
    (retained,) = vm().call(script.text, "Retain", 1, dict(desired), dict(observed))
    return _object(retained, desired, observed)


def get_dependencies(script: Script, obj: Mapping[str, Any]) -> list[dict[str, str]]:
    """``VM.GetDependencies`` with ``validation.VerifyDependencies``: the references."""
    (result,) = vm().call(script.text, "GetDependencies", 1, dict(obj))
    if not isinstance(result, dict | list):
        kind = "nil" if result is None else type(result).__name__
        raise ScriptError(f"expect the returned requires type is table but got {kind}")
    fixed = restore_empty(result, False, [])
    if not isinstance(fixed, list):
        raise ScriptError("json: cannot unmarshal object into []DependentObjectReference")
    references = []
    for index, item in enumerate(fixed):
        if not isinstance(item, dict):
            raise ScriptError(f"dependency [{index}] is not an object")
        reference = {
            key: item[key]
            for key in ("apiVersion", "kind", "namespace", "name", "labelSelector")
            if item.get(key) not in (None, "")
        }
        for key in ("apiVersion", "kind"):
            if not isinstance(reference.get(key), str):
                raise ScriptError(f"dependency [{index}]: {key} is required")
        if "name" in reference and "labelSelector" in reference:
            raise ScriptError(f"dependency [{index}]: name and labelSelector cannot both be set")
        references.append(reference)
    return references
