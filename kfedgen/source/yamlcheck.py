"""Checks on a composed YAML node graph, and the Python values it holds.

One walk over each document's nodes (aliases expanded) records where every
value stands, enforces the alias and depth limits, finds duplicate keys and
asks :mod:`kfedgen.scalars` what every plain scalar means to Kubernetes tools.

The same walk builds the document's Python values, as PyYAML's safe constructor with
kfedgen's loader would (that constructor was a third of the time spent loading a
large fleet): mappings, sequences, plain scalars as Kubernetes reads them and strings.
A document with anything else (a merge key, an explicit tag of another type, a key that
is not a scalar) is left to PyYAML's constructor, so the values never depend on which
one built them; ``tests/source/test_yamlcheck.py`` compares the two on random documents.
"""

from __future__ import annotations

from typing import Any

import yaml

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.scalars import key_problem, kubernetes_reading

MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# The loader gives every plain scalar but "<<" this tag: what it means is
# decided by kfedgen.scalars, not by YAML 1.1's resolvers.
PLAIN_TAG = "tag:kfedgen.io,2024:plain"


class LimitError(Exception):
    """A document exceeds a safety limit; ``str()`` is the user's message."""

    hint = ""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        # libyaml's marks and PyYAML's are different classes with the same fields.
        self.line = mark.line + 1 if mark is not None else 0
        self.column = mark.column + 1 if mark is not None else 0

    def location(self, name: str) -> Location:
        return Location(name, self.line, self.column)


class TooManyNodesError(LimitError):
    hint = "YAML alias expansion is limited"

    def __init__(self, limit: int, mark: Any) -> None:
        super().__init__(
            f"aliases expand to more than {limit} YAML nodes in this file (an alias bomb?)", mark
        )


class TooMuchTextError(LimitError):
    hint = "write the value out where it is needed, or share less of it through aliases"

    def __init__(self, limit: int, mark: Any) -> None:
        super().__init__(
            f"aliases expand to more than {limit} bytes of text in this file (an alias bomb?); "
            "the value anchored here is one of them",
            mark,
        )


class TooDeepError(LimitError):
    hint = "Kubernetes objects are never this deep; is the file generated wrongly?"

    def __init__(self, limit: int, mark: Any) -> None:
        super().__init__(f"document is nested more than {limit} levels deep", mark)


class UnreadableScalarError(LimitError):
    """A scalar with an explicit ``!!bool``, ``!!int``, ``!!float`` or ``!!timestamp`` tag
    whose text is not a value of that type.

    PyYAML's constructor fails on such text without saying where, and on some (``!!bool
    maybe``, ``!!timestamp abc``) with a KeyError or AttributeError.
    """

    hint = "write a value of that type, or remove the tag"

    def __init__(self, kind: str, text: str, mark: Any) -> None:
        super().__init__(f"!!{kind} {text!r} is not a valid {kind}", mark)


# The explicit scalar tags whose text PyYAML's safe constructor parses, by tag.
_TYPED_SCALARS = {
    f"tag:yaml.org,2002:{kind}": kind for kind in ("bool", "int", "float", "timestamp")
}
_SAFE_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class AliasBudget:
    """What the aliases of one file expand to, over all its documents.

    A node met again in a document was reached through an alias (directly or
    inside an aliased collection).  Each such collection costs its node and its
    direct children against ``max_nodes``; each such scalar costs its text, in
    UTF-8 bytes, against ``max_bytes``.  Nodes written out in the file cost
    nothing: the file size limit pays for them.
    """

    def __init__(self, max_nodes: int, max_bytes: int, max_depth: int) -> None:
        self.max_nodes = max_nodes
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.nodes = 0
        self.bytes = 0
        self.seen: set[int] = set()
        self._sizes: dict[int, int] = {}

    def start_document(self) -> None:
        self.seen = set()  # anchors never reach across documents

    def visit(self, node: yaml.Node, depth: int) -> bool:
        """Count ``node``; True the first time it is met in this document."""
        collection = isinstance(node, yaml.CollectionNode)
        if collection and depth > self.max_depth:
            raise TooDeepError(self.max_depth, node.start_mark)
        key = id(node)
        if key not in self.seen:
            self.seen.add(key)
            return True
        if collection:
            self.nodes += 1 + len(node.value)
            if self.nodes > self.max_nodes:
                raise TooManyNodesError(self.max_nodes, node.start_mark)
        else:
            size = self._sizes.get(key)
            if size is None:
                size = self._sizes[key] = len(node.value.encode("utf-8", "surrogatepass"))
            self.bytes += size
            if self.bytes > self.max_bytes:
                raise TooMuchTextError(self.max_bytes, node.start_mark)
        return False


class DocumentIndex:
    """One document's walk: positions, duplicate keys and plain-scalar problems."""

    def __init__(self, name: str, budget: AliasBudget, problems: Problems) -> None:
        self.name = name
        self.budget = budget
        self.problems = problems
        self.positions: dict[DocPath, tuple[int, int]] = {}
        # False once the document holds something only PyYAML's constructor builds.
        self.built = True
        # What each collection node was built into, so an alias gives the same object
        # (as PyYAML's constructor does within a document).
        self._values: dict[int, Any] = {}

    def walk(self, node: yaml.Node, path: DocPath = ()) -> Any:
        """Index ``node`` (at ``path``) and everything under it; return its value.

        The value is meaningful only while :attr:`built` stays True.
        """
        first = self.budget.visit(node, len(path) + 1)
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._collection(node, first, self._mapping(node, path), _MAP_TAG)
        if isinstance(node, yaml.SequenceNode):
            items = [self.walk(item, (*path, index)) for index, item in enumerate(node.value)]
            return self._collection(node, first, items, _SEQ_TAG)
        tag = node.tag
        if tag == PLAIN_TAG:
            reading = kubernetes_reading(node.value)
            if first and reading.problem:
                self._error(node, path, reading.problem, reading.hint)
            return reading.value
        if tag not in (STR_TAG, MERGE_TAG):  # "<<" as a value is the string
            self.built = False
            kind = _TYPED_SCALARS.get(tag)
            if kind is not None:
                self._check_typed(node, kind)
        return node.value

    @staticmethod
    def _check_typed(node: yaml.Node, kind: str) -> None:
        """Raise :class:`UnreadableScalarError` unless PyYAML can build this tagged scalar."""
        construct = _SAFE_CONSTRUCTOR.yaml_constructors[node.tag]
        try:
            construct(_SAFE_CONSTRUCTOR, node)
        except (KeyError, AttributeError, ValueError, TypeError, OverflowError):
            raise UnreadableScalarError(kind, node.value, node.start_mark) from None

    def _collection(self, node: yaml.Node, first: bool, value: Any, tag: str) -> Any:
        if node.tag != tag:
            self.built = False
        if first:
            self._values[id(node)] = value
            return value
        return self._values[id(node)]  # an alias: the object built the first time

    def _mapping(self, node: yaml.MappingNode, path: DocPath) -> dict[str, Any]:
        seen: set[str] = set()
        data: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.built = False
                self.walk(value_node, path)
                continue
            key = key_node.value
            if key == "<<" and key_node.tag == MERGE_TAG:
                self.built = False
                self.walk(value_node, path)
                continue
            child = (*path, key)
            if key_node.tag == PLAIN_TAG:
                self._check_key(key_node, child)
            elif key_node.tag != STR_TAG:
                self.built = False
            if key in seen:
                self._error(
                    key_node,
                    child,
                    "duplicate key; YAML mappings must not repeat a key",
                    "remove one of the two entries",
                )
            seen.add(key)
            self.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            data[key] = self.walk(value_node, child)
        return data

    def _check_key(self, key_node: yaml.ScalarNode, path: DocPath) -> None:
        problem = key_problem(key_node.value)
        if problem:
            text = key_node.value
            hint = f'quote it: "{text}"' if text else 'quote it: ""'
            self._error(key_node, path, problem, hint)
        # Reported once, and built as its text, so later stages see a string key.
        key_node.tag = STR_TAG

    def _error(self, node: yaml.Node, path: DocPath, message: str, hint: str) -> None:
        mark = node.start_mark
        self.problems.error(
            Location(self.name, mark.line + 1, mark.column + 1), path, message, hint
        )
