"""Schema errors say in words what a value must look like, and suggest the fixed value."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfedgen.frontends.schema import SCHEMA_FILES, schema_text
from kfedgen.frontends.schemapatterns import PATTERNS, describe_mismatch
from tests.fleets import fleet_errors


def patterns(schema: Any) -> Iterator[tuple[str, int | None]]:
    """Every ``pattern`` of a schema, with the ``maxLength`` beside it."""
    if isinstance(schema, dict):
        if isinstance(schema.get("pattern"), str):
            yield schema["pattern"], schema.get("maxLength")
        for value in schema.values():
            yield from patterns(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from patterns(value)


SHIPPED = sorted({p for kind in SCHEMA_FILES for p in patterns(json.loads(schema_text(kind)))})


def test_every_pattern_of_the_shipped_schemas_has_words() -> None:
    assert SHIPPED, "the schemas have patterns"
    missing = [pattern for pattern, _ in SHIPPED if pattern not in PATTERNS]
    assert missing == [], "add these to kfedgen.frontends.schemapatterns.PATTERNS"


@pytest.mark.parametrize(("pattern", "max_length"), SHIPPED)
@given(value=st.text(max_size=80))
def test_messages_never_show_the_pattern_and_fixes_fit(
    pattern: str, max_length: int | None, value: str
) -> None:
    if re.search(pattern, value) and (max_length is None or len(value) <= max_length):
        return  # valid: never described
    message, hint = describe_mismatch(value, pattern, max_length)
    # The message quotes the value, so only a value without the pattern's text can tell.
    assert pattern not in message.replace(repr(value), "")
    assert pattern not in hint
    assert message.startswith(repr(value))
    if hint:
        fixed = re.fullmatch(r"did you mean (.*)\?", hint, re.S)
        assert fixed is not None
        suggestion = ast.literal_eval(fixed.group(1))
        assert re.search(pattern, suggestion)
        assert max_length is None or len(suggestion) <= max_length
        assert suggestion != value


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("East_1", "east-1"),
        ("My Cluster!", "my-cluster"),
        ("-edge-", "edge"),
        ("a" * 70, "a" * 63),
        ("..", None),
    ],
)
def test_cluster_name_fix(value: str, suggestion: str | None) -> None:
    message, hint = describe_mismatch(value, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    assert message == (
        f"{value!r} must be a DNS-1123 label (lower-case letters, digits and '-', starting and "
        "ending with a letter or digit, at most 63 characters)"
    )
    assert hint == (f"did you mean {suggestion!r}?" if suggestion else "")


def test_a_pattern_kfedgen_does_not_know_is_quoted_in_the_hint() -> None:
    assert describe_mismatch("x", "^[0-9]+$") == (
        "'x' does not have the form this field requires",
        "the schema's pattern is ^[0-9]+$",
    )


def test_fleet_errors_use_the_words() -> None:
    fleet = (
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n"
        "  clusters: [{name: Prod_EU, server: prod.example.com}]\n"
        "  gitops:\n    flux: {enabled: true, interval: 5 minutes}\n"
    )
    problems = fleet_errors(fleet)
    assert problems == [
        "fleet/inventory.yaml:4:15: spec.clusters[0].name: 'Prod_EU' must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters) (did you mean 'prod-eu'?)",
        "fleet/inventory.yaml:4:30: spec.clusters[0].server: 'prod.example.com' must be a URL starting with https:// or http:// (did you mean 'https://prod.example.com'?)",
        "fleet/inventory.yaml:6:27: spec.gitops.flux.interval: '5 minutes' must be a duration: numbers with a unit of ms, s, m or h, such as 30s, 10m or 1h30m",
    ]
    assert not any("^" in p or "$" in p for p in problems), problems
