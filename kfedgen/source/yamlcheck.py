"""Checks on a composed YAML node graph, before it is turned into Python values.

One walk over each document's nodes (aliases expanded) records where every
value stands, enforces the alias and depth limits, finds duplicate keys and
asks :mod:`kfedgen.scalars` what every plain scalar means to Kubernetes tools.
"""

from __future__ import annotations

from typing import Any

import yaml

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.scalars import key_problem, kubernetes_reading

MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
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

    def walk(self, node: yaml.Node, path: DocPath = ()) -> None:
        """Index ``node`` (at ``path``) and everything under it."""
        first = self.budget.visit(node, len(path) + 1)
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index))
        elif first and node.tag == PLAIN_TAG:
            reading = kubernetes_reading(node.value)
            if reading.problem:
                self._error(node, path, reading.problem, reading.hint)

    def _mapping(self, node: yaml.MappingNode, path: DocPath) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.walk(value_node, path)
                continue
            key = key_node.value
            if key == "<<" and key_node.tag == MERGE_TAG:
                self.walk(value_node, path)
                continue
            child = (*path, key)
            if key_node.tag == PLAIN_TAG:
                self._check_key(key_node, child)
            if key in seen:
                self._error(
                    key_node,
                    child,
                    "duplicate key; YAML mappings must not repeat a key",
                    "remove one of the two entries",
                )
            seen.add(key)
            self.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            self.walk(value_node, child)

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
