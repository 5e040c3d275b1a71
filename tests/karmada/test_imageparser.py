"""Image reference parsing and overriding, driven by Karmada's parser tests."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kfedgen.karmada.imageparser import (
    ImageParseError,
    ImageReference,
    override_image,
    parse_image,
    split_hostname,
)
from tests.karmada import _cases

DATA = _cases.load("imageparser.yaml")


@pytest.mark.parametrize("case", _cases.params(DATA["parse"]))
def test_parse(case: dict[str, Any]) -> None:
    ref = parse_image(case["image"])
    assert ref == ImageReference(case["hostname"], case["repository"], case["tag"], case["digest"])
    # parser_test.go checks that String() gives the input back; here with the digest dropped.
    assert str(ref) == case.get("string", case["image"])


@pytest.mark.parametrize("case", _cases.params(DATA["invalid"]))
def test_parse_rejects(case: dict[str, Any]) -> None:
    image = "a" * case["name_length"] if "name_length" in case else case["image"]
    with pytest.raises(ImageParseError, match=case["reason"]) as info:
        parse_image(image)
    assert isinstance(info.value, ValueError)
    assert repr(image) in str(info.value)


def test_name_length_limit_is_inclusive() -> None:
    assert parse_image("a" * 255).repository == "a" * 255


@pytest.mark.parametrize("case", _cases.params(DATA["split_hostname"]))
def test_split_hostname(case: dict[str, Any]) -> None:
    assert split_hostname(case["input"]) == (case["hostname"], case["repository"])


@pytest.mark.parametrize("case", _cases.params(DATA["override_sequences"]))
def test_override_sequences(case: dict[str, Any]) -> None:
    image = case["image"]
    for step in case["steps"]:
        image = override_image(image, step["component"], step["operator"], step["value"])
        assert image == step["expected"]


@pytest.mark.parametrize("case", _cases.params(DATA["string"]))
def test_string(case: dict[str, Any]) -> None:
    ref = ImageReference(case["hostname"], case["repository"], case["tag"], case["digest"])
    assert str(ref) == case["expected"]
    assert f"{ref}" == case["expected"]


@pytest.mark.parametrize("case", _cases.params(DATA["tag_or_digest"]))
def test_tag_or_digest(case: dict[str, Any]) -> None:
    if "value_repeat" in case:
        value = case["value_repeat"]["char"] * case["value_repeat"]["count"]
    else:
        value = case["value"]
    base = ImageReference("gcr.io", "app", "old", "")
    got = base.with_tag_or_digest(value)
    expected = {
        "tag": dataclasses.replace(base, tag=value, digest=""),
        "digest": dataclasses.replace(base, tag="", digest=value),
        "none": base,
    }[case["kind"]]
    assert got == expected


def test_reference_is_frozen() -> None:
    ref = parse_image("nginx:1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.tag = "2"  # type: ignore[misc]


def test_unknown_component() -> None:
    with pytest.raises(ValueError, match=r"unsupported image component\(Digest\)"):
        override_image("nginx:1", "Digest", "replace", "x")


def test_tag_add_concatenates_to_tag_or_digest() -> None:
    assert override_image("nginx:1.0", "Tag", "add", "-debug") == "nginx:1.0-debug"
    digest = "sha256:" + "a" * 64
    # Appending to a digest gives neither a tag nor a digest: silently unchanged.
    assert override_image("nginx@" + digest, "Tag", "add", "x") == "nginx@" + digest
