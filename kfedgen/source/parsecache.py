"""A per-file parse cache: an unchanged input file is not parsed again.

Parsing (libyaml, then the walk that records every value's line and column)
is a pure function of a file's name, its bytes, the load limits and
kfedgen's code.  So the documents of a file that parsed without a single
problem are stored, keyed by the sha256 of all four (:func:`entry_key`), and
the next render that reads the same bytes loads them instead.  Files with
problems are parsed every time, so their messages are always fresh.

Entries are pickles (documents are plain dicts, lists and scalars, with
shared subtrees where the YAML had aliases, which pickle keeps), each
preceded by the sha256 of its bytes: a truncated or flipped entry is parsed
again, never used.  They live in the directory of the output's other caches
(:func:`kfedgen.backend.statcache.cache_dir`: inside ``.git/``, or the user's
cache directory), which only the user can write, as the repository's hooks.
After a parse, entries no input file used are removed, so the cache holds
one entry per input file.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Sequence
from pathlib import Path

from kfedgen.cachefiles import write_atomically
from kfedgen.codedigest import running_code_digest
from kfedgen.errors import Problems
from kfedgen.source.load import Document, LoadOptions, SourceFile, parse_file, parse_sources

PARSE_DIRECTORY = "parse"
_VERSION = 1


def entry_key(source: SourceFile, options: LoadOptions) -> str:
    """The key of ``source``'s parsed documents: its name, bytes, the limits and the code."""
    digest = hashlib.sha256(f"parse {_VERSION}\0{running_code_digest()}\0{options!r}\0".encode())
    name = source.display_name.encode("utf-8", "surrogateescape")
    digest.update(b"%d:%s%d:" % (len(name), name, len(source.content)))
    digest.update(source.content)
    return digest.hexdigest()


def parse_cached(
    sources: Sequence[SourceFile],
    problems: Problems,
    options: LoadOptions,
    directory: Path | None,
    unread: Sequence[SourceFile] = (),
) -> list[Document]:
    """:func:`kfedgen.source.load.parse_sources`, with the cache in ``directory`` (None: off).

    The entries of ``unread`` files are kept though they are not loaded now: they are
    input files that this compile does not need (:mod:`kfedgen.partial`).
    """
    if directory is None:
        return parse_sources(sources, problems, options)
    store = directory / PARSE_DIRECTORY
    documents: list[Document] = []
    used = {entry_key(source, options) for source in unread}
    for source in sources:
        key = entry_key(source, options)
        used.add(key)
        cached = _load(store / key)
        if cached is None:
            before = len(problems.items)
            cached = parse_file(source, problems, options)
            if len(problems.items) == before:
                # Stored before any later stage sees (and might change) the documents.
                _store(store / key, cached)
        documents.extend(cached)
    _prune(store, used)
    return documents


def _load(path: Path) -> list[Document] | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    check, _, payload = raw.partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != check:
        return None  # corrupt (truncated, bit flip): parse again
    try:
        documents = pickle.loads(payload)  # noqa: S301 - checksummed, in the user's own cache
    except Exception:
        return None
    if not isinstance(documents, list) or not all(isinstance(d, Document) for d in documents):
        return None
    return documents


def _store(path: Path, documents: list[Document]) -> None:
    try:
        payload = pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, RecursionError):
        return  # not storable: parsed again next time
    with contextlib.suppress(OSError):
        write_atomically(path, hashlib.sha256(payload).hexdigest().encode(), b"\n", payload)


def _prune(store: Path, used: set[str]) -> None:
    with contextlib.suppress(OSError):
        for entry in store.iterdir():
            if entry.name not in used and not entry.name.startswith("."):
                with contextlib.suppress(OSError):
                    entry.unlink()
