"""kfedgen.jsonpointer: the RFC 6901 core both JSON-patch dialects share."""

from __future__ import annotations

import pytest

from kfedgen import jsonpointer
from kfedgen.jsonpointer import PointerError

# RFC 6901 section 5: the document's keys and the pointers that name them.
RFC_KEYS = {"": "/", "foo": "/foo", "a/b": "/a~1b", "m~n": "/m~0n", "~1": "/~01", " ": "/ "}


@pytest.mark.parametrize(("key", "pointer"), RFC_KEYS.items())
def test_tokens_escape_and_unescape_as_the_rfc_examples(key: str, pointer: str) -> None:
    assert "/" + jsonpointer.encode_token(key) == pointer
    assert jsonpointer.tokens(pointer) == [key]


def test_tokens_are_what_follows_the_first_slash() -> None:
    assert jsonpointer.tokens("/spec/template/0") == ["spec", "template", "0"]
    assert jsonpointer.tokens("") == []
    assert jsonpointer.tokens("spec/replicas") == ["replicas"]  # json-patch v5's findObject


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("01", 1), ("+1", 1), ("-2", -2)])
def test_indices_parse_like_go_atoi(text: str, value: int) -> None:
    assert jsonpointer.atoi(text) == value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "invalid syntax"),
        ("1\n", "invalid syntax"),
        ("x", "invalid syntax"),
        ("٣", "invalid syntax"),
        ("9223372036854775808", "value out of range"),
    ],
)
def test_what_go_atoi_rejects(text: str, why: str) -> None:
    with pytest.raises(PointerError, match=why):
        jsonpointer.atoi(text)


def test_element_and_insertion_indices_count_negatives_from_the_end() -> None:
    array = ["a", "b", "c"]
    assert [jsonpointer.element_index(array, t) for t in ("0", "2", "-1", "-3")] == [0, 2, 2, 0]
    assert [jsonpointer.insertion_index(array, t) for t in ("-", "3", "-1", "-4")] == [3, 3, 3, 0]
    for token in ("3", "-4"):
        with pytest.raises(PointerError, match="invalid index referenced"):
            jsonpointer.element_index(array, token)
    for token in ("4", "-5"):
        with pytest.raises(PointerError, match="invalid index referenced"):
            jsonpointer.insertion_index(array, token)


def test_get_and_set_existing() -> None:
    document = {"a": [1, 2]}
    assert jsonpointer.get(document, "a") == [1, 2]
    jsonpointer.set_existing(document["a"], "-1", 3)
    assert document == {"a": [1, 3]}
    with pytest.raises(PointerError, match="nonexistent key: b"):
        jsonpointer.get(document, "b")
