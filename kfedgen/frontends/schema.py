"""JSON Schemas of the input kinds, and validation of documents against them."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from kfedgen.errors import DocPath, Problems, did_you_mean
from kfedgen.frontends.kubefed.fedtypes import default_types
from kfedgen.frontends.schemacheck import Check, Undecided, compile_schema, ecma_regex
from kfedgen.frontends.schemapatterns import describe_mismatch
from kfedgen.source.load import Document

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

# Input kind -> schema file shipped in kfedgen/schemas/.  `kfedgen schema KIND`
# prints these, and the repository's schemas/ directory holds the same files.
SCHEMA_FILES: dict[str, str] = {
    "Fleet": "fleet.json",
    "FederatedResource": "federated-resource.json",
    "FederatedTypeConfig": "federatedtypeconfig.json",
    "KubeFedCluster": "kubefedcluster.json",
    "ReplicaSchedulingPreference": "replicaschedulingpreference.json",
    # Karmada (cluster.karmada.io, policy.karmada.io): a policy kind and its cluster-scoped
    # twin share one schema.
    "Cluster": "karmada-cluster.json",
    "PropagationPolicy": "karmada-propagationpolicy.json",
    "ClusterPropagationPolicy": "karmada-propagationpolicy.json",
    "OverridePolicy": "karmada-overridepolicy.json",
    "ClusterOverridePolicy": "karmada-overridepolicy.json",
    "ResourceInterpreterCustomization": "karmada-resourceinterpretercustomization.json",
    "ResourceInterpreterWebhookConfiguration": "karmada-interpreterwebhook.json",
    "MultiClusterService": "karmada-multiclusterservice.json",
}


def schema_names() -> list[str]:
    """The kinds ``kfedgen schema`` knows, sorted."""
    return sorted(SCHEMA_FILES)


# `kfedgen schema FederatedDeployment`: every federated kind has the one schema.
_FEDERATED_KINDS = frozenset(kind.lower() for _, kind in default_types())


def schema_kind(name: str) -> str | None:
    """The schema kind ``kfedgen schema NAME`` means; None when there is none.

    Any case is accepted, and a federated kind (``FederatedDeployment``) has the
    FederatedResource schema.
    """
    lower = name.lower()
    exact = next((kind for kind in SCHEMA_FILES if kind.lower() == lower), None)
    if exact is None and lower in _FEDERATED_KINDS:
        return "FederatedResource"
    return exact


def schema_text(kind: str) -> str:
    """The JSON Schema of ``kind`` exactly as shipped."""
    return resources.files("kfedgen").joinpath("schemas", SCHEMA_FILES[kind]).read_text("utf-8")


@functools.cache
def _quick_check(kind: str) -> Check | None:
    return compile_schema(json.loads(schema_text(kind)))


def is_valid_quickly(data: Any, kind: str) -> bool:
    """True when ``data`` is certainly valid against the schema of ``kind``.

    False means "ask jsonschema": invalid, or not decidable by the quick check.
    """
    check = _quick_check(kind)
    if check is None:
        return False
    try:
        return check(data)
    except Undecided:
        return False


@functools.cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    # jsonschema is imported (by ecma_validator_class) only for documents the quick
    # check does not pass: its import alone was about 30 ms of every render.
    # The shipped schemas are fixed: tests/test_schema.py checks them against the
    # metaschema, so a run does not (that cost about 30 ms of every render).
    return ecma_validator_class()(json.loads(schema_text(kind)))


@functools.cache
def ecma_validator_class(
    base: type[jsonschema.Validator] | None = None,
) -> type[jsonschema.Draft202012Validator]:
    """``base`` (draft 2020-12 by default) with ``pattern`` read as ECMA-262.

    That is how JSON Schema defines patterns and how the quick check reads them
    (:func:`~kfedgen.frontends.schemacheck.ecma_regex`); Kubernetes' Go regular
    expressions agree where Python's do not (``$`` before a final newline).
    """
    import jsonschema  # noqa: PLC0415 - see _validator

    def pattern(
        validator: Validator, expected: str, instance: Any, schema: dict[str, Any]
    ) -> Iterator[jsonschema.ValidationError]:
        del schema
        if validator.is_type(instance, "string") and not ecma_regex(expected).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {expected!r}")

    return jsonschema.validators.extend(  # type: ignore[no-any-return,no-untyped-call]
        base or jsonschema.Draft202012Validator, {"pattern": pattern}
    )


def validate_document(doc: Document, kind: str, problems: Problems) -> bool:
    """Validate ``doc`` against the schema of ``kind``; report and return False when invalid."""
    if is_valid_quickly(doc.data, kind):
        return True
    valid = True
    for path, message, hint in schema_errors(_validator(kind), doc.data):
        valid = False
        problems.error(doc.location(path), path, message, hint)
    return valid


def schema_errors(validator: Validator, data: Any) -> Iterator[tuple[DocPath, str, str]]:
    """Every error of ``data`` against ``validator``: (path to point at, message, fix hint)."""
    errors = [leaf for error in validator.iter_errors(data) for leaf in _leaf_errors(error)]
    for error in sorted(errors, key=_error_order):
        message, hint, path = _describe(error, tuple(error.absolute_path))
        yield path, message, hint


def _leaf_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For oneOf/anyOf, the errors inside the branches that fit the value's type.

    "is not valid under any of the given schemas" does not say what to fix;
    the branch the value was meant for does ("2 is not of type string").
    """
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    fitting = [c for c in error.context if not (c.validator == "type" and not c.relative_path)]
    if not fitting:
        return [error]  # the value fits no branch's type: _describe lists the types
    return [leaf for branch in fitting for leaf in _leaf_errors(branch)]


def _error_order(error: jsonschema.ValidationError) -> tuple[str, str]:
    return (json.dumps(list(error.absolute_path)), error.message)


def _describe(error: jsonschema.ValidationError, path: DocPath) -> tuple[str, str, DocPath]:
    """Turn a jsonschema error into a user message, a fix hint and the best path to point at."""
    validator = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        known = schema.get("properties", {})
        allowed = sorted(known)
        extra = sorted(k for k in error.instance if k not in known)
        if extra:
            key = extra[0]
            hint = did_you_mean(str(key), allowed) or f"allowed: {', '.join(allowed)}"
            return f"unknown field {key!r}", hint, (*path, key)
    if validator == "required":
        return error.message.replace("is a required property", "is required"), "", path
    names = _expected_types(error)
    if names:
        return (
            f"expected {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}, "
            f"got {_type_name(error.instance)}",
            "",
            path,
        )
    if validator == "pattern" and isinstance(error.instance, str):
        message, hint = describe_mismatch(
            error.instance, str(error.validator_value), schema.get("maxLength")
        )
        return message, hint, path
    if validator in ("enum", "const"):
        value = error.validator_value
        options = value if validator == "enum" and isinstance(value, list) else [value]
        listed = ", ".join(json.dumps(o) for o in options)
        return f"{json.dumps(error.instance)} is not one of {listed}", "", path
    if validator == "not" and path and isinstance(error.instance, dict):
        return "give either 'server' or 'destinationName', not both", "", path
    return error.message, "", path


def _expected_types(error: jsonschema.ValidationError) -> list[str]:
    """The JSON types a type error (or a oneOf/anyOf that no branch's type fits) wanted."""
    if error.validator == "type":
        wanted = [error.validator_value]
    elif error.validator in ("oneOf", "anyOf") and error.context:
        wanted = [c.validator_value for c in error.context if c.validator == "type"]
    else:
        return []
    return [str(n) for value in wanted for n in (value if isinstance(value, list) else [value])]


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def check_json_compatible(doc: Document, problems: Problems) -> bool:
    """Report values Kubernetes cannot hold: non-string keys, NaN/infinity, binary and sets."""
    if _compatible(doc.data, set()):
        return True  # nearly every document: no paths to build
    ok = True
    for path, message in _incompatible(doc.data, ()):
        ok = False
        problems.error(doc.location(path), path, message)
    return ok


def _compatible(value: Any, clean: set[int]) -> bool:
    """True only when :func:`_incompatible` finds nothing in ``value`` (False: ask it).

    ``clean`` holds the containers found compatible, by identity: a part the document
    shares (an alias, a block written out again) is looked at once.
    """
    kind = value.__class__
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(_INT64[0] <= value <= _INT64[1])
    if kind is dict:
        if id(value) in clean:
            return True
        for key, item in value.items():
            if key.__class__ is not str:
                return False
            if item.__class__ is not str and not _compatible(item, clean):
                return False
    elif kind is list:
        if id(value) in clean:
            return True
        for item in value:
            if item.__class__ is not str and not _compatible(item, clean):
                return False
    elif kind is float:
        return math.isfinite(value)
    else:
        return False  # anything else: the full walk says what it is
    clean.add(id(value))
    return True


_INT64 = (-(2**63), 2**63 - 1)


def _incompatible(value: Any, path: DocPath) -> Iterator[tuple[DocPath, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield path, f"mapping key {key!r} is not a string; quote it"
                continue
            yield from _incompatible(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _incompatible(item, (*path, index))
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path, f"{value} is not a valid number in Kubernetes objects"
    elif (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not _INT64[0] <= value <= _INT64[1]
    ):
        # Kubernetes decodes integers into int64; larger ones cannot be applied.
        yield path, f"{value} is out of the range of a 64-bit integer"
    elif not (value is None or isinstance(value, str | int | bool)):
        yield path, f"values of type {type(value).__name__} are not allowed in Kubernetes objects"
