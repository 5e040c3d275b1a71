"""Stage 1: find the fleet's YAML files and parse them into documents with positions.

This is the only stage (with :mod:`kfedgen.backend.write`) that touches the file system.
Parsing uses libyaml's C parser to build a node graph, which keeps the line and
column of every value; the positions are kept per document as a map from
document path to location, so later stages can point at the exact key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.scalars import kubernetes_reading
from kfedgen.source.files import (
    DEFAULT_MAX_ALIAS_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_NODES,
    YAML_SUFFIXES,
    LoadOptions,
    SourceFile,
    discover,
    is_fleet_file,
    is_hidden,
    size_problem,
)
from kfedgen.source.yamlcheck import (
    MERGE_TAG,
    PLAIN_TAG,
    AliasBudget,
    DocumentIndex,
    LimitError,
    RepeatedText,
    TooDeepError,
)

# The reading half (kfedgen.source.files) is part of this module's interface.
__all__ = [
    "DEFAULT_MAX_ALIAS_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_NODES",
    "YAML_SUFFIXES",
    "Document",
    "LoadOptions",
    "SourceFile",
    "discover",
    "is_fleet_file",
    "is_hidden",
    "parse_file",
    "parse_sources",
]

# libyaml's composer recurses in C and overflows the stack somewhere past
# 20,000 levels; files that might nest deeper than this are checked with a
# (slower) event scan before they are composed.
_COMPOSER_SAFE_DEPTH = 1000

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """libyaml's safe loader, reading plain scalars the way ``kubectl apply`` does.

    PyYAML follows YAML 1.1: ``12:30`` would be 750, ``2024-01-01`` a date and
    ``=`` a constructor error.  Kubernetes tools read go-yaml's types, then JSON.
    """

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return MERGE_TAG if value == "<<" else PLAIN_TAG
        # What PyYAML's resolver gives the rest without path resolvers (the safe loader
        # has none), looked up: it is asked for every node of every file.
        return _DEFAULT_TAGS[kind]


_DEFAULT_TAGS: dict[type[yaml.Node], str] = {
    yaml.ScalarNode: _Loader.DEFAULT_SCALAR_TAG,
    yaml.SequenceNode: _Loader.DEFAULT_SEQUENCE_TAG,
    yaml.MappingNode: _Loader.DEFAULT_MAPPING_TAG,
}


def _construct_plain(loader: _Loader, node: yaml.ScalarNode) -> Any:
    return kubernetes_reading(node.value).value


_Loader.add_constructor(PLAIN_TAG, _construct_plain)
# "<<" is a merge key only as a key; as a value it is the string, as in go-yaml.
_Loader.add_constructor(MERGE_TAG, _Loader.construct_yaml_str)


@dataclass
class Document:
    """One YAML document of the fleet and where each of its values stands."""

    data: Any
    file: str
    index: int
    positions: Mapping[DocPath, tuple[int, int]] = field(default_factory=dict, repr=False)

    def location(self, path: DocPath = ()) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one."""
        probe = path
        while True:
            found = self.positions.get(probe)
            if found is not None:
                return Location(self.file, found[0], found[1])
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else ""

    @property
    def kind(self) -> str:
        value = self.data.get("kind") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else ""


def parse_sources(
    sources: Iterable[SourceFile], problems: Problems, options: LoadOptions | None = None
) -> list[Document]:
    """Parse every source into documents, recording problems instead of raising."""
    opts = options or LoadOptions()
    documents: list[Document] = []
    for source in sources:
        documents.extend(parse_file(source, problems, opts))
    return documents


def parse_file(source: SourceFile, problems: Problems, options: LoadOptions) -> list[Document]:
    """Parse one file's documents; an unparsable file yields no documents."""
    name = source.display_name
    if len(source.content) > options.max_file_bytes:
        size_problem(name, len(source.content), options.max_file_bytes, problems)
        return []
    text = _decode(source.content, name, problems)
    if text is None:
        return []
    if _may_nest_too_deep(text) and not _depth_ok(text, name, options.max_depth, problems):
        return []
    loader = _Loader(text)
    documents: list[Document] = []
    budget = AliasBudget(options.max_nodes, options.max_alias_bytes, options.max_depth)
    repeats = RepeatedText(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            budget.start_document()
            walk = DocumentIndex(name, budget, problems, repeats)
            data = walk.walk_document(node)
            if not walk.built:
                data = loader.construct_document(node)
            if data is not None:
                documents.append(Document(data, name, index, walk.positions))
            index += 1
    except LimitError as exc:
        problems.error(exc.location(name), (), str(exc), exc.hint)
        return []
    except yaml.reader.ReaderError as exc:
        problems.error(
            _reader_location(name, text, exc.position),
            (),
            f"invalid YAML: {exc.reason} (character #x{exc.character:02x})",
            "remove the character, or write it as an escape in a double-quoted string",
        )
        return []
    except yaml.MarkedYAMLError as exc:
        if _is_libyaml_depth_limit(exc):
            error = TooDeepError(options.max_depth, exc.problem_mark)
            problems.error(error.location(name), (), str(error), error.hint)
            return []
        mark = exc.problem_mark or exc.context_mark
        location = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        problems.error(location, (), f"invalid YAML: {_yaml_message(exc)}")
        return []
    except yaml.YAMLError as exc:
        problems.error(Location(name), (), f"invalid YAML: {exc}")
        return []
    except (ValueError, OverflowError, RecursionError) as exc:
        # SafeConstructor raises these for timestamps and numbers it cannot build.
        problems.error(Location(name), (), f"invalid YAML value: {exc}")
        return []
    finally:
        loader.dispose()
    return documents


def _decode(content: bytes, name: str, problems: Problems) -> str | None:
    for bom, encoding in _FOREIGN_BOMS:
        if content.startswith(bom):
            problems.error(
                Location(name, 1, 1),
                (),
                f"file is not valid UTF-8: it starts with a {encoding} byte-order mark",
                "save the file as UTF-8",
            )
            return None
    if b"\x00" in content:
        offset = content.index(b"\x00")
        line = content.count(b"\n", 0, offset) + 1
        column = offset - (content.rfind(b"\n", 0, offset) + 1) + 1
        problems.error(Location(name, line, column), (), "file contains a NUL byte")
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.error(
            Location(name, line, column),
            (),
            f"file is not valid UTF-8 (byte 0x{content[exc.start]:02x})",
            "save the file as UTF-8",
        )
        return None
    # A byte-order mark and CRLF line ends are valid input; normalising them
    # here means they can never change the output.
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


# UTF-32 first: its little-endian mark starts with UTF-16's.
_FOREIGN_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _reader_location(name: str, text: str, position: int) -> Location:
    # libyaml counts the position in bytes of the UTF-8 text.
    prefix = text.encode("utf-8")[:position].decode("utf-8", "replace")
    return Location(name, prefix.count("\n") + 1, len(prefix) - prefix.rfind("\n"))


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "; ".join(parts) if parts else str(exc)


def _depth_ok(text: str, name: str, limit: int, problems: Problems) -> bool:
    """Refuse documents nested deeper than ``limit`` collections, before composing them."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limit:
                    error = TooDeepError(limit, event.start_mark)
                    problems.error(error.location(name), (), str(error), error.hint)
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if _is_libyaml_depth_limit(exc):
            # libyaml (0.2.6 and newer) stops at its own nesting limit before
            # any event reaches us; such a document is deeper than ours too.
            error = TooDeepError(limit, exc.problem_mark)
            problems.error(error.location(name), (), str(error), error.hint)
            return False
        return True  # the real parse reports the syntax error with its position
    except yaml.YAMLError:
        return True
    finally:
        loader.dispose()
    return True


# libyaml's scanner refuses collections nested deeper than its own limit (1000
# in 0.2.6); PyYAML 6.0.4 wheels carry that version.
_LIBYAML_DEPTH_PROBLEM = "exceeded maximum nesting depth"


def _is_libyaml_depth_limit(exc: yaml.MarkedYAMLError) -> bool:
    return _LIBYAML_DEPTH_PROBLEM in (exc.problem or "")


_DOCUMENT_START = re.compile(r"^---(?=[ \t\n]|$)", re.MULTILINE)
# A block collection starts at a line's indentation, or after the "- ", "? "
# and ": " indicators that begin the line (node properties cannot stand before
# a block collection on its line), and every block collection nested in
# another starts at a greater column, except a sequence under a mapping key.
# So a file without a line prefix this long nests blocks at most about twice
# as deep, and each flow level needs an opening bracket.
_LONG_LINE_PREFIX = re.compile(rf"^[ \t?:-]{{{_COMPOSER_SAFE_DEPTH // 4}}}", re.MULTILINE)


def _may_nest_too_deep(text: str) -> bool:
    """False when no document of ``text`` can nest deeper than ``_COMPOSER_SAFE_DEPTH``."""
    if _LONG_LINE_PREFIX.search(text):
        return True
    half = _COMPOSER_SAFE_DEPTH // 2
    if text.count("[") + text.count("{") <= half:
        return False
    # A document marker ends every collection, so each document is bounded alone.
    return any(c.count("[") + c.count("{") > half for c in _DOCUMENT_START.split(text))
