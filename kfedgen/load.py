"""Stage 1: find the fleet's YAML files and parse them into documents with positions.

This is the only stage (with :mod:`kfedgen.write`) that touches the file system.
Parsing uses libyaml's C parser to build a node graph, which keeps the line and
column of every value; the positions are kept per document as a map from
document path to location, so later stages can point at the exact key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from kfedgen.errors import DocPath, Location, Problems

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
# Expanding aliases is how "billion laughs" documents blow up; a real fleet
# document has a few thousand nodes, so a million is generous and still fast.
DEFAULT_MAX_NODES = 1_000_000

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """libyaml's safe loader, minus timestamp resolution.

    Kubernetes reads YAML into JSON, where ``2024-01-01`` stays a string; PyYAML
    would build a ``datetime.date`` from it.
    """

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class SourceFile:
    """One input file: the name shown to users and its raw bytes."""

    display_name: str
    content: bytes


@dataclass
class Document:
    """One YAML document of the fleet and where each of its values stands."""

    data: Any
    file: str
    index: int
    positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict, repr=False)

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


@dataclass(frozen=True)
class LoadOptions:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_nodes: int = DEFAULT_MAX_NODES


def discover(paths: Sequence[Path], base: Path, problems: Problems) -> list[SourceFile]:
    """Read every ``.yaml``/``.yml`` file under ``paths``, sorted by display name.

    Sorting by the name shown to users (relative to ``base`` when possible)
    makes the document order, and so every message order, independent of the
    file system.  Symlinks that lead outside the directory being walked are
    refused: a fleet must not read files it does not contain.
    """
    found: dict[str, Path] = {}
    for root in paths:
        if not root.exists() and not root.is_symlink():
            problems.error(Location(_display(root, base)), (), "no such file or directory")
            continue
        if root.is_dir():
            for file in _walk(root, problems, base):
                found.setdefault(_display(file, base), file)
        else:
            found.setdefault(_display(root, base), root)
    sources = []
    for name in sorted(found):
        content = _read(found[name], name, problems)
        if content is not None:
            sources.append(SourceFile(name, content))
    return sources


def _walk(root: Path, problems: Problems, base: Path) -> Iterator[Path]:
    resolved_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        directory = Path(dirpath)
        for name in list(dirnames):
            if is_hidden(name):
                dirnames.remove(name)  # .git, editor state: never fleet content
                continue
            if (directory / name).is_symlink():
                dirnames.remove(name)
                if not _inside(directory / name, resolved_root):
                    problems.error(
                        Location(_display(directory / name, base)),
                        (),
                        "symlink points outside the fleet directory; refusing to follow it",
                    )
        for name in sorted(filenames):
            if not is_fleet_file(name):
                continue
            file = directory / name
            if file.is_symlink() and not _inside(file, resolved_root):
                problems.error(
                    Location(_display(file, base)),
                    (),
                    "symlink points outside the fleet directory; refusing to read it",
                )
                continue
            yield file


def is_hidden(name: str) -> bool:
    """Hidden files and directories (``.git``, editor state) are never fleet content."""
    return name.startswith(".")


def is_fleet_file(name: str) -> bool:
    """Whether a file of this name, found in a fleet directory, is read."""
    return name.endswith(YAML_SUFFIXES) and not is_hidden(name)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _display(path: Path, base: Path) -> str:
    try:
        return path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, name: str, problems: Problems) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.error(Location(name), (), f"cannot read file: {exc.strerror or exc}")
        return None


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
        problems.error(
            Location(name),
            (),
            f"file is {len(source.content)} bytes, over the limit of {options.max_file_bytes}",
            "raise it with --max-file-size if the file is really meant to be this large",
        )
        return []
    text = _decode(source.content, name, problems)
    if text is None:
        return []
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            positions: dict[DocPath, tuple[int, int]] = {}
            counter = _NodeCounter(options.max_nodes)
            duplicates: list[tuple[DocPath, yaml.Node]] = []
            _index_positions(node, (), positions, counter, duplicates)
            for path, key_node in duplicates:
                problems.error(
                    Location(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                    path,
                    "duplicate key; YAML mappings must not repeat a key",
                    "remove one of the two entries",
                )
            data = loader.construct_document(node)
            if data is not None:
                documents.append(Document(data, name, index, positions))
            index += 1
    except _TooManyNodesError as exc:
        problems.error(exc.location(name), (), str(exc), "YAML alias expansion is limited")
        return []
    except yaml.MarkedYAMLError as exc:
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


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "; ".join(parts) if parts else str(exc)


class _TooManyNodesError(Exception):
    def __init__(self, limit: int, node: yaml.Node) -> None:
        super().__init__(f"document expands to more than {limit} YAML nodes (an alias bomb?)")
        self.mark = node.start_mark

    def location(self, name: str) -> Location:
        return Location(name, self.mark.line + 1, self.mark.column + 1)


class _NodeCounter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def visit(self, node: yaml.Node) -> None:
        self.count += 1
        if self.count > self.limit:
            raise _TooManyNodesError(self.limit, node)


def _index_positions(
    node: yaml.Node,
    path: DocPath,
    positions: dict[DocPath, tuple[int, int]],
    counter: _NodeCounter,
    duplicates: list[tuple[DocPath, yaml.Node]],
) -> None:
    """Record the position of every value, count nodes (aliases expanded), find duplicates."""
    counter.visit(node)
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                _index_positions(value_node, path, positions, counter, duplicates)
                continue
            key = key_node.value
            if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                _index_positions(value_node, path, positions, counter, duplicates)
                continue
            child = (*path, key)
            if key in seen:
                duplicates.append((child, key_node))
            seen.add(key)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _index_positions(value_node, child, positions, counter, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_positions(item, (*path, index), positions, counter, duplicates)
