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
Where the file repeats itself the walk does the work once (:class:`RepeatedText`, and the
positions and cost of an alias expanded again); ``tests/source/test_repeats.py`` compares
that with walking every node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.scalars import key_problem, kubernetes_reading
from kfedgen.source.positions import FilePositions, Positions, Region

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


@dataclass(frozen=True)
class _Walked:
    """A subtree walked once: its value, and where its positions are in the first walk."""

    value: Any
    index: DocumentIndex  # the document it was first walked in
    path: DocPath  # its path there
    first: int  # its positions are index.positions.order[first:last]
    last: int
    line: int  # its node's line there
    start: int  # its text is the file's [start:end]
    end: int


class RepeatedText:
    """Subtrees written out more than once in a file: walked once, their value shared.

    A large inventory repeats whole blocks (the same ``compute`` under a thousand
    clusters), as overrides repeat the same patches.  A collection node's text (from its
    start mark to its end mark, which are character offsets) at the same depth, column,
    style and tag reads as the same value wherever it is, so the second copy gets the
    value the first built, as an alias would give it, and the first copy's positions
    moved by the line difference.  Only a walk that met no alias, reported no problem and
    built its value itself is remembered, so a repeat is exactly what walking it would
    have given, shared object apart.  Short texts are walked: the lookup would cost more.
    """

    MIN_LENGTH = 48
    MAX_LENGTH = 1 << 16

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions = FilePositions()  # of every document of the file
        self._walked: dict[tuple[int, int, bool | None, str, int, int], _Walked] = {}

    def walk(self, index: DocumentIndex, node: yaml.CollectionNode, path: DocPath) -> Any:
        """``index.collection(node, path)``, or what the same text gave before."""
        start_mark = node.start_mark
        start, end = start_mark.index, node.end_mark.index
        if not self.MIN_LENGTH <= end - start <= self.MAX_LENGTH:
            return index.collection(node, path, True)
        if self.positions.written_out:
            # A path was placed twice (a duplicate or merge key): a first copy's positions
            # may not be what its text gives any more, so every copy is walked.
            return index.collection(node, path, True)
        text = self.text[start:end]
        key = (len(path), start_mark.column, node.flow_style, node.tag, end - start, hash(text))
        walked = self._walked.get(key)
        if walked is not None and self.text[walked.start : walked.end] == text:
            index.replay(
                path,
                walked.index,
                walked.path,
                walked.first,
                walked.last,
                start_mark.line - walked.line,
            )
            index.share(node, walked.value)
            index.not_walked(node, walked.value)
            return walked.value
        before, first = index.impurity, index.placed
        value = index.collection(node, path, True)
        if walked is None and index.impurity == before:
            self._walked[key] = _Walked(
                value, index, path, first, index.placed, start_mark.line, start, end
            )
        return value


class DocumentIndex:
    """One document's walk: positions, duplicate keys and plain-scalar problems."""

    def __init__(
        self,
        name: str,
        budget: AliasBudget,
        problems: Problems,
        repeats: RepeatedText | None = None,
    ) -> None:
        self.name = name
        self.budget = budget
        self.problems = problems
        # A repeated subtree's positions refer to its first copy's (RepeatedText).
        self.positions = Positions(repeats.positions if repeats is not None else None)
        self.repeats = repeats
        # False once the document holds something only PyYAML's constructor builds.
        self.built = True
        # Counts what makes a subtree's walk more than a function of its text: an alias,
        # a problem, a value only PyYAML builds.  A subtree is remembered only when its
        # walk left the count alone.
        self._impure = 0
        # What each collection node was built into, so an alias gives the same object
        # (as PyYAML's constructor does within a document).
        self._values: dict[int, Any] = {}
        # An aliased node walked again: its cost to the budget (nodes, bytes), its height,
        # the path it was walked at and its positions (self.positions.order[a:b]).
        self._aliases: dict[int, tuple[int, int, int, DocPath, int, int]] = {}
        # Repeats given their value without a walk, whose nodes are not yet counted as
        # met (see not_walked), with that value.
        self._unwalked: list[tuple[yaml.CollectionNode, Any]] = []

    def walk_document(self, node: yaml.Node) -> Any:
        """Index the document whose root is ``node``; return its value (see :meth:`walk`)."""
        self._place((), node)
        return self.walk(node)

    def _place(self, path: DocPath, node: yaml.Node) -> None:
        self.positions.place(path, (node.start_mark.line + 1, node.start_mark.column + 1))

    def walk(self, node: yaml.Node, path: DocPath = ()) -> Any:
        """Index everything under ``node`` (at ``path``, placed by the caller); return its value.

        The value is meaningful only while :attr:`built` stays True.
        """
        first = self.budget.visit(node, len(path) + 1)
        if not first:
            self._impure += 1
        if isinstance(node, yaml.CollectionNode):
            if not first:
                return self._alias(node, path)
            repeats = self.repeats
            if repeats is not None:
                return repeats.walk(self, node, path)
            return self.collection(node, path, True)
        tag = node.tag
        if tag == PLAIN_TAG:
            reading = kubernetes_reading(node.value)
            if first and reading.problem:
                self._error(node, path, reading.problem, reading.hint)
            return reading.value
        if tag not in (STR_TAG, MERGE_TAG):  # "<<" as a value is the string
            self._unbuilt()
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

    def collection(self, node: yaml.CollectionNode, path: DocPath, first: bool) -> Any:
        """Walk a mapping or sequence node met at ``path``; its value."""
        if isinstance(node, yaml.MappingNode):
            value: Any = self._mapping(node, path)
            tag = _MAP_TAG
        else:
            value = []
            for index, item in enumerate(node.value):
                child = (*path, index)
                self._place(child, item)
                value.append(self.walk(item, child))
            tag = _SEQ_TAG
        if node.tag != tag:
            self._unbuilt()
        if first:
            self._values[id(node)] = value
            return value
        return self._values[id(node)]  # an alias: the object built the first time

    def _alias(self, node: yaml.CollectionNode, path: DocPath) -> Any:
        """Walk an aliased collection again (its positions under ``path``, its cost).

        The first walk under an alias is remembered: what it cost the budget, the
        positions it gave, how deep it goes.  A later alias of the same node gives the same
        positions under its own path and costs the same, unless that would break a limit:
        then it is walked, and the limit is reported where the walk breaks it.
        """
        budget = self.budget
        known = self._aliases.get(id(node))
        if known is not None and not self.positions.written_out:  # see RepeatedText.walk
            nodes, size, height, walked_at, first, last = known
            if (
                budget.nodes + nodes <= budget.max_nodes
                and budget.bytes + size <= budget.max_bytes
                and len(path) + 1 + height <= budget.max_depth
            ):
                budget.nodes += nodes
                budget.bytes += size
                self.replay(path, self, walked_at, first, last, 0)
                return self._values[id(node)]
        self._meet_unwalked()  # the walk below may meet a repeat's nodes again
        nodes, size = budget.nodes, budget.bytes
        problems, placed = len(self.problems), self.placed
        value = self.collection(node, path, False)
        if known is None and len(self.problems) == problems:
            self._aliases[id(node)] = (
                budget.nodes - nodes,
                budget.bytes - size,
                _height(node),
                path,
                placed,
                self.placed,
            )
        return value

    @property
    def impurity(self) -> int:
        """How many aliases, problems and values only PyYAML builds the walk met so far."""
        return self._impure

    @property
    def placed(self) -> int:
        """How many paths have a position so far."""
        return len(self.positions.order)

    def replay(
        self,
        path: DocPath,
        source: DocumentIndex,
        source_path: DocPath,
        first: int,
        last: int,
        lines: int,
    ) -> None:
        """Give the paths under ``path`` the positions of ``source``'s paths ``first:last``.

        Those are the paths under ``source_path`` in ``source``, a subtree with the same
        text, which starts ``lines`` lines before this one (0: it is this node, aliased).
        They are kept as a reference to the first copy (:mod:`kfedgen.source.positions`).
        """
        self.positions.replay(Region(path, source.positions, source_path, first, last, lines))

    def not_walked(self, node: yaml.CollectionNode, value: Any) -> None:
        """``node`` is a repeat given ``value`` without a walk (:class:`RepeatedText`).

        Walking it would have met every node below it.  That matters only to an alias
        expanded later (it costs the nodes it meets again, and gives the objects they
        were built into) of a node at or above the repeat, so the nodes below are counted
        as met only before such an expansion (:meth:`_meet_unwalked`).
        """
        self._unwalked.append((node, value))

    def _meet_unwalked(self) -> None:
        """Count every node below each repeat not walked as met, and built into its part."""
        seen, values, pending = self.budget.seen, self._values, self._unwalked
        while pending:
            current, built = pending.pop()
            if isinstance(current, yaml.MappingNode):
                # A remembered walk has plain or string keys only, each once.
                parts = [(child, built[key.value]) for key, child in current.value]
            else:
                parts = list(zip(current.value, built, strict=True))
            for child, part in parts:
                if id(child) not in seen:
                    seen.add(id(child))
                    if isinstance(child, yaml.CollectionNode):
                        values[id(child)] = part
                        pending.append((child, part))

    def share(self, node: yaml.Node, value: Any) -> None:
        """Make ``value`` what ``node`` was built into (an alias of it gives the same)."""
        self._values[id(node)] = value

    def _unbuilt(self) -> None:
        self.built = False
        self._impure += 1

    def _mapping(self, node: yaml.MappingNode, path: DocPath) -> dict[str, Any]:
        seen: set[str] = set()
        data: dict[str, Any] = {}
        met, positions = self.budget.seen, self.positions
        own, order = positions.own, positions.order
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._unbuilt()
                self.walk(value_node, path)
                continue
            key = key_node.value
            if key == "<<" and key_node.tag == MERGE_TAG:
                self._unbuilt()
                self.walk(value_node, path)
                continue
            child = (*path, key)
            if key_node.tag == PLAIN_TAG:
                self._check_key(key_node, child)
            elif key_node.tag != STR_TAG:
                self._unbuilt()
            if key in seen:
                self._error(
                    key_node,
                    child,
                    "duplicate key; YAML mappings must not repeat a key",
                    "remove one of the two entries",
                )
            seen.add(key)
            mark = key_node.start_mark
            if child in own:  # a duplicate key, or one a merge key placed
                positions.placing_again()
            own[child] = (mark.line + 1, mark.column + 1)
            order.append(child)
            # A plain scalar met for the first time, inline: most values are one, and
            # this is walk()'s own reading of it without the call.
            if (
                value_node.__class__ is yaml.ScalarNode
                and value_node.tag == PLAIN_TAG
                and id(value_node) not in met
            ):
                met.add(id(value_node))
                reading = kubernetes_reading(value_node.value)
                if reading.problem:
                    self._error(value_node, child, reading.problem, reading.hint)
                data[key] = reading.value
            else:
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
        self._impure += 1
        mark = node.start_mark
        self.problems.error(
            Location(self.name, mark.line + 1, mark.column + 1), path, message, hint
        )


def _height(node: yaml.Node, known: dict[int, int] | None = None) -> int:
    """How many levels of collections ``node`` holds below itself (0: none).

    Each node once (``known``), so an alias-laden graph costs its nodes, not its expansion.
    """
    known = {} if known is None else known
    if id(node) in known:
        return known[id(node)]
    if isinstance(node, yaml.MappingNode):
        children: list[yaml.Node] = [value for _, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        return 0
    height = max(
        (1 + _height(c, known) for c in children if isinstance(c, yaml.CollectionNode)), default=0
    )
    known[id(node)] = height
    return height
