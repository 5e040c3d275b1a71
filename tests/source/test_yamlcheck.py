"""The values the loader's walk builds are PyYAML's, to the type and to the shared object.

:class:`~kfedgen.source.yamlcheck.DocumentIndex` builds a document's values while it checks
it, and leaves documents with merge keys, other tags or complex keys to PyYAML's safe
constructor.  These tests load random YAML both ways (the second by making the walk give
every document to PyYAML, as the loader did before) and compare values, problems and
which parts are one shared object (aliases).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import Problems
from kfedgen.source import load
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from kfedgen.source.yamlcheck import DocumentIndex, RepeatedText

WORDS = (
    "a", "web", "1", "-2", "0x1F", "1.5", "1e3", "08", ".inf", "true", "yes", "no", "on", "y",
    "null", "~", "2024-01-01", "12:30", "=", "<<", "é", "a b", "3.0",
)  # fmt: skip
TAGS = ("!!str", "!!int", "!!float", "!!bool", "!!null", "!custom", "!!map", "!!seq", "!")


class _ToPyYAML(DocumentIndex):
    """The walk as it was before it built values: every document goes to PyYAML."""

    def walk(self, node: Any, path: Any = ()) -> Any:
        value = super().walk(node, path)
        self.built = False
        return value


def _shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """``value`` with every type spelled out and every repeated container as a reference."""
    seen = {} if seen is None else seen
    if isinstance(value, dict | list):
        if id(value) in seen:
            return ("same as", seen[id(value)])
        seen[id(value)] = len(seen)
        if isinstance(value, dict):
            return ("dict", [(_shape(k, seen), _shape(v, seen)) for k, v in value.items()])
        return ("list", [_shape(item, seen) for item in value])
    return (type(value).__name__, repr(value))


def _load(text: str) -> tuple[Any, list[str]]:
    problems = Problems()
    try:
        # A subtree written out twice is one shared value on purpose (RepeatedText, tested
        # in test_repeats.py); here only aliases may share, as in PyYAML.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(RepeatedText, "MIN_LENGTH", len(text) + 1)
            documents = parse_file(SourceFile("f.yaml", text.encode()), problems, LoadOptions())
    except Exception as exc:  # PyYAML raises KeyError on "!!bool a", both ways
        return ("raised", type(exc).__name__), [str(p) for p in problems]
    data = [(d.index, _shape(d.data), list(d.positions.items())) for d in documents]
    return data, [str(p) for p in problems]


@st.composite
def scalars(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(WORDS))
    style = draw(st.sampled_from(("plain", "plain", "single", "double", "tagged")))
    if style == "single":
        return f"'{word}'"
    if style == "double":
        return f'"{word}"'
    if style == "tagged":
        return f"{draw(st.sampled_from(TAGS))} {word}"
    return word if word not in ("a b",) else "ab"


@st.composite
def nodes(draw: st.DrawFn, anchors: list[str], depth: int = 0) -> str:
    """A flow node; may define anchors (added to ``anchors``) and use earlier ones."""
    kind = draw(st.sampled_from(("scalar", "map", "seq", "alias") if depth < 3 else ("scalar",)))
    if kind == "alias" and anchors:
        return f"*{draw(st.sampled_from(anchors))}"
    if kind == "map":
        pairs = []
        for _ in range(draw(st.integers(0, 3))):
            key_kind = draw(st.sampled_from(("word", "word", "merge", "complex", "quoted")))
            if key_kind == "merge" and anchors:
                key = "<<"
                value = (
                    f"*{draw(st.sampled_from(anchors))}"
                    if draw(st.booleans())
                    else f"[*{draw(st.sampled_from(anchors))}]"
                )
            else:
                key = {
                    "complex": "[k]",
                    "quoted": '"<<"',
                }.get(key_kind, draw(st.sampled_from(("a", "b", "c", "1", "true", "y"))))
                value = draw(nodes(anchors, depth + 1))
            pairs.append(f"{key}: {value}")
        text = "{" + ", ".join(pairs) + "}"
    elif kind == "seq":
        text = "[" + ", ".join(draw(st.lists(nodes(anchors, depth + 1), max_size=3))) + "]"
    else:
        text = draw(scalars())
    if kind in ("map", "seq") and draw(st.booleans()):
        tag = draw(st.sampled_from(("", "", "!!map ", "!!seq ", "!!set ", "!x ")))
        text = f"{tag}{text}"
    if draw(st.integers(0, 3)) == 0:
        name = f"n{len(anchors)}"
        text = f"&{name} {text}"
        anchors.append(name)
    return text


@st.composite
def streams(draw: st.DrawFn) -> str:
    documents = []
    for _ in range(draw(st.integers(1, 3))):
        anchors: list[str] = []
        body = [f"k{i}: {draw(nodes(anchors))}" for i in range(draw(st.integers(0, 4)))]
        if draw(st.booleans()) and body:
            body.append(body[0])  # a duplicate key
        documents.append("\n".join(body) or draw(nodes(anchors)))
    return "\n---\n".join(documents) + "\n"


@settings(max_examples=600, deadline=None)
@given(streams())
def test_the_walk_builds_what_pyyaml_builds(text: str) -> None:
    built = _load(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "DocumentIndex", _ToPyYAML)
        reference = _load(text)
    assert built == reference


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: *x\n",  # one object, twice
        "a: &x [1, {b: *y}]\n",  # an undefined alias: a YAML error
        "a: &x\n  b: *x\n",  # an alias inside its own anchor: too deep
        "<<: {a: 1}\nb: 2\n",  # a merge key: PyYAML builds it
        "a: !!int '3'\n",
        "? [a]\n: b\n",
        "'<<': 1\n",
        "a: <<\n",
        "- !!binary aGk=\n",
    ],
)
def test_documents_the_walk_leaves_to_pyyaml_or_refuses_load_as_before(text: str) -> None:
    built = _load(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "DocumentIndex", _ToPyYAML)
        assert built == _load(text)


def test_the_loader_has_no_path_resolvers_so_its_resolve_shortcut_is_pyyamls_answer() -> None:
    # kfedgen.source.load._Loader.resolve answers collections and quoted scalars from a
    # table: what PyYAML's resolver returns when no path resolver is registered.
    loader = load._Loader("a: [b, 'c']\n")
    pyyaml_resolve: Any = yaml.resolver.BaseResolver.resolve  # untyped in PyYAML's stubs
    assert not loader.yaml_path_resolvers
    for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
        expected = pyyaml_resolve(loader, kind, "x", (False, False))
        assert loader.resolve(kind, "x", (False, False)) == expected
