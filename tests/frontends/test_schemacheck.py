"""The quick schema check agrees with jsonschema wherever it decides.

Documents come from the shipped schemas themselves (a generator that follows
their keywords, so most are valid or nearly so), from the golden fleets, and
from random mutations of both.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kfedgen.frontends.schema import (
    SCHEMA_FILES,
    ecma_validator_class,
    is_valid_quickly,
    schema_text,
)
from kfedgen.frontends.schemacheck import Undecided, compile_schema, ecma_regex

KINDS = sorted(SCHEMA_FILES)
SCHEMAS = {kind: json.loads(schema_text(kind)) for kind in KINDS}
# The reference is the validator kfedgen explains errors with: jsonschema, with
# ``pattern`` read as ECMA-262 (as JSON Schema defines it).
REFERENCE = {kind: ecma_validator_class()(schema) for kind, schema in SCHEMAS.items()}
CHECKS = {kind: compile_schema(schema) for kind, schema in SCHEMAS.items()}
GOLDEN = Path(__file__).parent.parent / "golden"
EXAMPLE_FLEET = Path(__file__).parent.parent.parent / "fleet"

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.sampled_from([0, 1, -1, 2**31, -(2**31) - 1, 1.0, 0.5, -0.0, math.inf, math.nan]),
    st.text(max_size=8),
    st.sampled_from(["", "a", "Deployment", "v1", "NoSchedule", "In", "https://x", "c-1", "A"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def from_schema(schema: Any, root: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped by ``schema``'s keywords (mostly valid; ``not`` is ignored)."""
    if schema is True or depth > 6:
        return json_values
    if schema is False:
        return st.nothing()
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return from_schema(root["$defs"][name], root, depth + 1)
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            return st.one_of([from_schema(b, root, depth + 1) for b in schema[keyword]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type", ["object", "array", "string", "integer"])
    names = [types] if isinstance(types, str) else types
    return st.one_of([_typed(name, schema, root, depth) for name in names])


def _typed(name: str, schema: Any, root: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if name == "object":
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        extra = schema.get("additionalProperties", True)

        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            optional = st.sampled_from(sorted(properties) or [""])
            keys = [*required, *draw(st.lists(optional, max_size=min(len(properties), 5)))]
            value = {k: draw(from_schema(properties.get(k, extra), root, depth + 1)) for k in keys}
            if extra is not False and draw(st.booleans()):
                value[draw(st.text(max_size=5))] = draw(from_schema(extra, root, depth + 1))
            return value

        return build()
    if name == "array":
        items = from_schema(schema.get("items", True), root, depth + 1)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=3)
    if name == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"]) | st.text(max_size=4)
        return st.text(min_size=schema.get("minLength", 0), max_size=10)
    if name in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        edges = [v for v in (low, high) if v is not None]
        edges += [v + d for v in edges for d in (-1, 1)]
        base = st.integers(low, high) if name == "integer" else st.floats(low, high)
        return base | st.sampled_from(edges or [0]) | st.just(1.0)
    if name == "boolean":
        return st.booleans()
    return st.none()


def golden_documents() -> list[tuple[str, Any]]:
    """(schema kind, document) for every fleet document of the golden cases and the example."""
    found = []
    files = sorted(GOLDEN.glob("*/fleet/**/*.yaml")) + sorted(GOLDEN.glob("*/overlays/**/*.yaml"))
    for path in [*files, *sorted(EXAMPLE_FLEET.glob("*.yaml"))]:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            kind = schema_kind(doc) if isinstance(doc, dict) else None
            if kind:
                found.append((kind, doc))
    return found


def schema_kind(doc: Mapping[str, Any]) -> str | None:
    kind = str(doc.get("kind", ""))
    if kind in SCHEMA_FILES:
        return kind
    if kind.startswith("Federated") and str(doc.get("apiVersion", "")).startswith("types."):
        return "FederatedResource"
    return None


GOLDEN_DOCUMENTS = golden_documents()


def verdicts(kind: str, value: Any) -> tuple[bool | None, bool]:
    """(quick check: True, False or None when undecided, jsonschema's answer)."""
    check = CHECKS[kind]
    assert check is not None
    try:
        quick: bool | None = check(value)
    except Undecided:
        quick = None
    return quick, not any(REFERENCE[kind].iter_errors(value))


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with a few values replaced, removed or added at random places."""
    value = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(value))
        if not slots:
            return draw(json_values)
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            container[key] = draw(json_values)
        elif action == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[draw(st.text(max_size=6))] = draw(json_values)
        else:
            container.append(copy.deepcopy(container[key]))
    return value


def _slots(value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _slots(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _slots(item)


def test_every_shipped_schema_compiles() -> None:
    assert all(CHECKS[kind] is not None for kind in KINDS)


@pytest.mark.parametrize(("kind", "document"), GOLDEN_DOCUMENTS, ids=lambda v: str(v)[:40])
def test_golden_documents_pass_the_quick_check(kind: str, document: Any) -> None:
    """Valid fleets never pay for jsonschema."""
    assert verdicts(kind, document) == (True, True)


@settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.data())
def test_schema_shaped_documents_agree(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(KINDS))
    document = data.draw(from_schema(SCHEMAS[kind], SCHEMAS[kind]))
    if data.draw(st.booleans()):
        document = data.draw(mutated(document))
    quick, reference = verdicts(kind, document)
    assert quick is None or quick == reference, (kind, document)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.data())
def test_mutated_golden_documents_agree(data: st.DataObject) -> None:
    kind, document = data.draw(st.sampled_from(GOLDEN_DOCUMENTS))
    document = data.draw(mutated(document))
    quick, reference = verdicts(kind, document)
    assert quick is None or quick == reference, (kind, document)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"enum": [1]}, 1.0),  # jsonschema: equal; the check cannot tell: undecided
        ({"const": "x"}, ["x"]),
        ({"minimum": 0}, complex(1, 1)),
    ],
)
def test_values_it_cannot_compare_are_undecided(schema: dict[str, Any], value: Any) -> None:
    check = compile_schema(schema)
    assert check is not None
    with pytest.raises(Undecided):
        check(value)
    assert not is_valid_quickly({"apiVersion": 1.0}, "Fleet")


@pytest.mark.parametrize(
    "schema",
    [
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
        {"type": "string", "format": "email"},
        {"patternProperties": {"^a": {"type": "string"}}},
        {"$ref": "https://example.com/other.json"},
        {"$defs": {"a~1b": {}}, "$ref": "#/$defs/a~1b"},
        {"properties": {"a": {"$id": "nested", "type": "string"}}},
        {"enum": [1.5]},
        {"type": "decimal"},
    ],
)
def test_schemas_it_does_not_mirror_are_not_compiled(schema: dict[str, Any]) -> None:
    assert compile_schema(schema) is None


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("^[a-z0-9]+$", "c1", True),
        ("^[a-z0-9]+$", "c1\n", False),  # Python's $ alone would match before the newline
        ("^a[$]$", "a$", True),  # a $ in a character class is a character
        ("^a\\$$", "a$", True),  # so is an escaped one
        ("^a\\$$", "a$\n", False),
        ("^https?://", "https://x\n", True),  # no $: a prefix test, newline or not
    ],
)
def test_patterns_mean_what_ecma_262_says(pattern: str, value: str, matches: bool) -> None:
    assert (ecma_regex(pattern).search(value) is not None) is matches
    schema = {"type": "string", "pattern": pattern}
    check = compile_schema(schema)
    assert check is not None
    assert check(value) is matches
    assert (not any(ecma_validator_class()(schema).iter_errors(value))) is matches


def test_a_trailing_newline_never_passes_a_name_pattern() -> None:
    """The shipped schemas' name patterns end in $; "c1\\n" once passed them into a path."""
    fleet = {
        "apiVersion": "kfedgen.io/v1alpha1",
        "kind": "Fleet",
        "spec": {"clusters": [{"name": "c1\n"}]},
    }
    quick, reference = verdicts("Fleet", fleet)
    assert quick is False
    assert reference is False


def test_an_item_shared_by_two_arrays_is_judged_once_per_call_and_afresh_on_the_next() -> None:
    schema = {
        "type": "object",
        "properties": {
            "pools": {"type": "array", "items": {"type": "object", "required": ["name"]}}
        },
    }
    check = compile_schema(schema)
    assert check is not None
    pool: dict[str, Any] = {"name": "gpu"}
    document = {"pools": [pool, pool, {"name": "general"}]}  # an alias: one object twice
    assert check(document)
    del pool["name"]  # the same object, now invalid: the last call's verdict must not stand
    assert not check(document)
    assert not check({"pools": [{"name": "a"}, pool]})
