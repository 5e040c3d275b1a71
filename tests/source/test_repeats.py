"""Repeated subtrees and repeated aliases are walked once, and nothing else changes.

:class:`~kfedgen.source.yamlcheck.RepeatedText` gives a subtree written out again the value
of its first copy, and the walk gives a node aliased again the positions and the budget
cost of its first expansion.  Neither may change what a file loads to: these tests load
random block-style YAML (PyYAML's dumper writes anchors for shared objects and the same
text for equal ones) both ways, the second with every node walked, and compare the
values, every position in order, the problems and the limits' errors.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import Problems
from kfedgen.source import load
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from kfedgen.source.yamlcheck import DocumentIndex, RepeatedText

# Plain scalars kfedgen reads as numbers or strings; PROBLEM becomes a plain ``yes``, which
# it reports (PyYAML's dumper would quote it).
PROBLEM = "problem-word"
WORDS = ("web", "1e3", "0x1F", "08", "a b", "é", "x" * 40, "2024-01-01", PROBLEM)


class _EveryNode(DocumentIndex):
    """The walk without shortcuts: every repeat and every alias walked node by node."""

    def __init__(
        self,
        name: str,
        budget: Any,
        problems: Problems,
        repeats: RepeatedText | None = None,
    ) -> None:
        super().__init__(name, budget, problems, None)

    def _alias(self, node: Any, path: Any) -> Any:
        return self.collection(node, path, False)


def _load(text: str, options: LoadOptions) -> tuple[Any, list[str]]:
    problems = Problems()
    documents = parse_file(SourceFile("f.yaml", text.encode()), problems, options)
    loaded = [(d.index, d.data, list(d.positions.items()), _looked_up(d)) for d in documents]
    return loaded, [f"{p.location} {p.message}" for p in problems]


def _looked_up(document: load.Document) -> list[Any]:
    """Each path's position as a lookup finds it, and a path below each that is not there."""
    paths = list(document.positions)
    return [document.positions.get(p) for p in paths] + [
        document.location((*p, "absent")) for p in paths
    ]


def _both(text: str, options: LoadOptions) -> tuple[Any, Any]:
    fast = _load(text, options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "DocumentIndex", _EveryNode)
        slow = _load(text, options)
    return fast, slow


def _same_both_ways(text: str) -> list[load.Document]:
    """The documents of ``text``, once both ways of walking it are found to agree."""
    fast, slow = _both(text, LoadOptions())
    assert fast == slow
    return parse_file(SourceFile("f.yaml", text.encode()), Problems(), LoadOptions())


@st.composite
def values(draw: st.DrawFn, shared: list[Any], depth: int = 0) -> Any:
    """A value; collections may be reused (an alias) or copied (the same text again)."""
    if shared and draw(st.integers(0, 4)) == 0:
        earlier = draw(st.sampled_from(shared))
        return earlier if draw(st.booleans()) else copy.deepcopy(earlier)
    kind = draw(st.sampled_from(("scalar", "map", "seq") if depth < 3 else ("scalar",)))
    if kind == "scalar":
        return draw(st.one_of(st.sampled_from(WORDS), st.integers(-3, 3)))
    if kind == "map":
        keys = draw(st.lists(st.sampled_from(("a", "b", "name", "nodes", "1")), max_size=4))
        value: Any = {key: draw(values(shared, depth + 1)) for key in keys}
    else:
        value = draw(st.lists(values(shared, depth + 1), max_size=4))
    shared.append(value)
    return value


@st.composite
def streams(draw: st.DrawFn) -> str:
    shared: list[Any] = []
    documents = [
        {"items": draw(st.lists(values(shared), min_size=1, max_size=6))}
        for _ in range(draw(st.integers(1, 2)))
    ]
    text = yaml.dump_all(documents, default_flow_style=False, sort_keys=False, width=1000)
    return text.replace(PROBLEM, "yes")


@settings(max_examples=400, deadline=None)
@given(streams(), st.sampled_from((None, 40, 200)), st.sampled_from((None, 3, 6)))
def test_shortcuts_load_what_walking_every_node_loads(
    text: str, max_nodes: int | None, max_depth: int | None
) -> None:
    options = LoadOptions(
        max_nodes=max_nodes or LoadOptions().max_nodes,
        max_alias_bytes=max_nodes * 4 if max_nodes else LoadOptions().max_alias_bytes,
        max_depth=max_depth or LoadOptions().max_depth,
    )
    fast, slow = _both(text, options)
    assert fast == slow


def test_a_repeated_block_is_one_value_with_its_own_positions() -> None:
    pool = "  compute:\n    nodePools:\n    - name: general\n      nodes: 6\n      labels: {a: b}\n"
    text = f"clusters:\n- name: one\n{pool}- name: two\n{pool}"
    documents = _same_both_ways(text)
    first, second = documents[0].data["clusters"]
    assert first["compute"] is second["compute"]  # walked once, shared as an alias would be
    positions = documents[0].positions
    assert positions[("clusters", 0, "compute", "nodePools", 0, "nodes")] == (6, 7)
    assert positions[("clusters", 1, "compute", "nodePools", 0, "nodes")] == (12, 7)


def test_a_repeat_with_a_problem_is_walked_again_and_reported_at_its_own_line() -> None:
    block = "  spec:\n    enabled: yes\n    name: a-name-long-enough-to-be-remembered\n"
    text = f"items:\n- one: 1\n{block}- two: 2\n{block}"
    (loaded, problems), slow = _both(text, LoadOptions())
    assert (loaded, problems) == slow
    assert [p.split(" ", 1)[0] for p in problems] == ["f.yaml:4:14", "f.yaml:8:14"]


def test_an_alias_that_would_break_the_node_limit_breaks_it_where_the_walk_does() -> None:
    text = "a: &x [1, 2, 3, 4, 5, 6, 7, 8]\nb: [*x, *x, *x, *x]\n"
    fast, slow = _both(text, LoadOptions(max_nodes=30))
    assert fast == slow
    assert "aliases expand to more than 30 YAML nodes" in fast[1][0]


@st.composite
def placed_twice(draw: st.DrawFn) -> str:
    """A stream whose first document places a path again: a duplicate key or a merge key."""
    text = draw(streams())
    first, sep, rest = text.partition("\n---")
    again = draw(st.sampled_from(("items:\n- web\n", "<<: {items: [web, 1]}\n")))
    where = draw(st.sampled_from(("end", "start")))
    first = f"{first.rstrip()}\n{again}" if where == "end" else f"{again}{first}"
    return first + sep + rest


@settings(max_examples=300, deadline=None)
@given(placed_twice())
def test_a_path_placed_twice_loads_what_walking_every_node_loads(text: str) -> None:
    fast, slow = _both(text, LoadOptions())
    assert fast == slow


def test_positions_under_a_repeat_are_those_of_the_text_after_a_duplicate_key() -> None:
    block = "  spec:\n    name: a-name-long-enough-to-be-remembered\n    nodes: 6\n"
    # The first copy's positions change (the duplicate "one" walks another spec there);
    # the copy under "two" keeps the positions of its own text.
    text = f"one:\n{block}one:\n  spec: {{name: x, nodes: 1}}\ntwo:\n{block}"
    documents = _same_both_ways(text)
    assert documents[0].positions[("two", "spec", "nodes")] == (10, 5)


def test_an_anchor_in_a_repeat_costs_its_alias_what_walking_every_node_costs() -> None:
    # The second "a:" block repeats the first's text, so it is not walked; &id002 anchors
    # a mapping inside it, and expanding *id002 must meet (and count) the nodes below it
    # as walking the repeat would have made them met.
    block = (
        "    a:\n      a:\n        a: {}\n        b: {}\n      b: {}\n      name:\n        a: {}\n"
    )
    text = (
        "items:\n- &id001\n  a:\n    a: {}\n    b: {}\n  b: {}\n  name:\n    a: {}\n"
        f"- a:\n{block}    b: *id001\n- a: *id001\n  b: &id002\n{block}    b: {{}}\n- *id002\n"
    )
    options = LoadOptions(max_nodes=40, max_alias_bytes=160)
    fast, slow = _both(text, options)
    assert fast == slow
    assert "aliases expand to more than 40 YAML nodes" in fast[1][0]
