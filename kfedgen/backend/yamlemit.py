"""A fast writer of kfedgen's canonical YAML, byte-identical to the PyYAML path.

PyYAML's representer is pure Python and visits every node of every document;
at a thousand clusters it was most of a render's time.  Clusters share most of
each object copy-on-write (:mod:`kfedgen.backend.materialize` never copies a subtree it
does not change), so this writer caches the text of every mapping and list by
``(id, indentation)``: a Deployment that differs per cluster only in
``spec.replicas`` costs a few string joins per cluster, not a full dump.

It only assembles block structure, which is simple for JSON-like data: keys,
``:``, ``- ``, indentation, ``{}``/``[]``.  How each scalar is written (plain,
quoted, a literal block) is still decided by libyaml itself, once per distinct
value, through the reference dumper.  Anything outside that safe subset (keys
that are not strings or that YAML writes as complex ``?`` keys, line breaks
other than ``\\n``, literal blocks that keep trailing newlines, which make
libyaml end the document with ``...``, values of other types) sends the whole
document to the reference dumper, so the output never depends on which path
wrote it.  ``tests/test_yamlemit.py`` checks that with random documents.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

# The canonical key order of a mapping found under a key (None: the document root).
KeyOrder = Callable[[Mapping[str, Any], str | None], list[str]]

# Line breaks other than "\n" that libyaml honours (CR, NEL, LS, PS): it writes them
# in single-quoted scalars followed by indentation, which would depend on context.
_OTHER_BREAKS = frozenset("\r\x85\u2028\u2029")
# libyaml writes a mapping key longer than this (in UTF-8 bytes) as a "? " complex key.
_SIMPLE_KEY_MAX_BYTES = 128
_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))  # exact types, no subclasses
_PROBE = "k"  # a key libyaml writes plain, to probe how a value is written after it
# What holds a subtree held by one container while _block writes it: the container,
# the caller's variable, _block's parameter and sys.getrefcount's own argument.
_REFERENCES_OF_AN_UNSHARED_NODE = 4


class Unsupported(Exception):
    """The document holds something the fast path does not write; use the reference."""


class CanonicalWriter:
    """Writes documents in canonical YAML, caching the text of shared subtrees.

    ``reference`` is the canonical dumper (PyYAML) this writer must agree with,
    byte for byte.  The caches are keyed by object identity, so a writer must
    only see documents that are not mutated while it lives; it keeps every
    cached node alive so that no identity is reused.  Make one per render.
    """

    def __init__(self, key_order: KeyOrder, reference: Callable[[Any], str]) -> None:
        self._key_order = key_order
        self._reference = reference
        # Keyed by (id, indentation, under "metadata"): the key order of a mapping depends
        # on the key it is found under only through that one case (see emit.heads_first).
        self._blocks: dict[tuple[int, int, bool], str] = {}
        self._alive: list[Any] = []
        self._keys: dict[str, str] = {}
        # The canonical order of each distinct key sequence (see _ordered).
        self._orders: dict[tuple[tuple[str, ...], str | None], list[str]] = {}
        # A scalar's text after "key:" (leading space included), written at indentation 0;
        # keyed by type too, because 1 == 1.0 == True.
        self._scalars: dict[tuple[type, Any], str] = {}

    def dump(self, document: Any) -> str:
        """The canonical YAML text of ``document``."""
        kind = type(document)
        if (kind is dict or kind is list) and document:
            try:
                # A document is never part of another one: its text is not cached.
                return self._write(document, 0, None)
            except Unsupported:
                pass
        return self._reference(document)

    def _block(self, node: dict[str, Any] | list[Any], indent: int, parent_key: str | None) -> str:
        """``node`` (under ``parent_key``) written at column ``indent``, without the first
        line's indentation."""
        cache_key = (id(node), indent, parent_key == "metadata")
        text = self._blocks.get(cache_key)
        if text is None:
            text = self._write(node, indent, parent_key)
            # Only a subtree that more than one container holds can be written again.
            # One cluster's own copy (its spec with its replicas, say) is held by its
            # parent alone: caching it would keep a second copy of that cluster's text
            # for the whole render, most of the memory of a large fleet's emit.
            if sys.getrefcount(node) > _REFERENCES_OF_AN_UNSHARED_NODE:
                self._blocks[cache_key] = text
                self._alive.append(node)
        return text

    def _write(self, node: dict[str, Any] | list[Any], indent: int, parent_key: str | None) -> str:
        if isinstance(node, dict):
            return self._mapping(node, indent, parent_key)
        return self._sequence(node, indent)

    def _mapping(self, mapping: dict[str, Any], indent: int, parent_key: str | None) -> str:
        for key in mapping:
            if type(key) is not str:
                raise Unsupported
        parts = []
        child_indent = indent + 2
        for key in self._ordered(mapping, parent_key):
            key_text = self._keys.get(key)
            if key_text is None:
                key_text = self._key_text(key)
            value = mapping[key]
            kind = type(value)
            if kind is dict:
                if value:
                    child = self._block(value, child_indent, key)
                    parts.append(f"{key_text}:\n{' ' * child_indent}{child}")
                else:
                    parts.append(f"{key_text}: {{}}\n")
            elif kind is list:
                if value:
                    # Lists under a key are not indented (kubectl style).
                    parts.append(f"{key_text}:\n{' ' * indent}{self._block(value, indent, key)}")
                else:
                    parts.append(f"{key_text}: []\n")
            else:
                parts.append(f"{key_text}:{self._scalar(value, indent)}\n")
        return (" " * indent).join(parts)

    def _ordered(self, mapping: dict[str, Any], parent_key: str | None) -> list[str]:
        """``key_order(mapping, parent_key)``, computed once per distinct key sequence.

        The order depends on the keys alone and on ``parent_key`` only through the
        document root (None) and ``metadata`` (see :func:`kfedgen.backend.emit.heads_first`,
        the assumption the block cache makes too); every other parent is the same to it.
        """
        under = parent_key if parent_key is None or parent_key == "metadata" else ""
        memo_key = (tuple(mapping), under)
        order = self._orders.get(memo_key)
        if order is None:
            order = self._orders[memo_key] = self._key_order(mapping, under)
        return order

    def _sequence(self, sequence: list[Any], indent: int) -> str:
        parts = []
        item_indent = indent + 2
        for item in sequence:
            kind = type(item)
            if kind is dict or kind is list:
                parts.append(f"- {self._block(item, item_indent, '')}" if item else f"- {item!r}\n")
            else:
                parts.append(f"-{self._scalar(item, indent)}\n")
        return (" " * indent).join(parts)

    def _scalar(self, value: Any, indent: int) -> str:
        kind = type(value)
        if kind not in _SCALAR_TYPES:
            raise Unsupported
        cache_key = (kind, repr(value) if kind is float else value)
        text = self._scalars.get(cache_key)
        if text is None:
            text = self._scalar_text(value)
            self._scalars[cache_key] = text
        if indent and "\n" in text:
            # A literal block: its lines sit 2 columns right of the enclosing
            # collection; libyaml writes no indentation on empty lines.
            pad = " " * indent
            head, *lines = text.split("\n")
            text = "\n".join([head, *(pad + line if line else line for line in lines)])
        return text

    def _scalar_text(self, value: Any) -> str:
        if type(value) is str and not _OTHER_BREAKS.isdisjoint(value):
            raise Unsupported
        text = self._probe({_PROBE: value})
        body = text[len(_PROBE) + 1 : -1]
        if "\n" in body:
            header = body.partition("\n")[0]
            # "|+" (trailing newlines kept) makes libyaml end the document with "...".
            if not header.startswith(" |") or "+" in header or "\n..." in body:
                raise Unsupported
        return body

    def _key_text(self, key: str) -> str:
        if len(key.encode("utf-8", "surrogatepass")) > _SIMPLE_KEY_MAX_BYTES:
            raise Unsupported
        if not _OTHER_BREAKS.isdisjoint(key) or "\n" in key:
            raise Unsupported
        text = self._probe({key: 0})
        if text.startswith("? ") or not text.endswith(": 0\n") or "\n" in text[:-1]:
            raise Unsupported
        key_text = text[: -len(": 0\n")]
        self._keys[key] = key_text
        return key_text

    def _probe(self, document: dict[str, Any]) -> str:
        try:
            return self._reference(document)
        except Exception as exc:  # e.g. a lone surrogate: let the reference fail on the document
            raise Unsupported from exc
