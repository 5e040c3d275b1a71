"""Unpack ``kind: List`` documents (what ``kubectl get ... -o yaml`` writes) into their items.

This runs on parsed documents, between :mod:`kfedgen.source.load` and
:mod:`kfedgen.frontends.spec`: an item
becomes a document of its own that keeps the positions of its values in the file, so a later
problem in an item points at its own line and column.

kubectl reads a list the same way: the items are the objects, and an item that names neither
``apiVersion`` nor ``kind`` takes the list's ``apiVersion`` and the list's kind without its
``List`` suffix (apimachinery's ``UnstructuredJSONScheme`` decoding a typed list such as
``DeploymentList``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.source.load import Document

LIST_SUFFIX = "List"


def is_list(doc: Document) -> bool:
    """Whether ``doc`` is a Kubernetes list (``List``, ``DeploymentList``, ...), not an object.

    A ``List`` always is; another kind ending in ``List`` is when it has ``items`` (kubectl's
    decoder looks for ``items``), so an object kind that merely ends in "List" stays an object.
    """
    if not isinstance(doc.data, dict):
        return False
    return doc.kind == LIST_SUFFIX or (doc.kind.endswith(LIST_SUFFIX) and "items" in doc.data)


def unpack_lists(documents: Iterable[Document], problems: Problems) -> list[Document]:
    """``documents`` with every list replaced by its items, in order (nested lists too)."""
    result: list[Document] = []
    for doc in documents:
        if is_list(doc):
            result.extend(unpack_lists(_items(doc, problems), problems))
        else:
            result.append(doc)
    return result


def _items(doc: Document, problems: Problems) -> list[Document]:
    items = doc.data.get("items")
    if items is None:
        return []  # `kubectl get` of nothing writes `items: []`; absent means the same
    if not isinstance(items, list):
        problems.error(
            doc.location(("items",)),
            ("items",),
            f"items of a {doc.kind} must be a list of objects",
            "write the objects as '- apiVersion: ...' entries, or as documents of their own",
        )
        return []
    positions = _positions_by_item(doc)
    inherited = _inherited_type(doc)
    unpacked = []
    for index, item in enumerate(items):
        typed = item
        if isinstance(item, dict) and "apiVersion" not in item and "kind" not in item:
            typed = {**inherited, **item}
        # The item keeps its place in the file: the list's own document index (the loader's
        # count of YAML documents) is shared, its positions are the item's own.
        unpacked.append(Document(typed, doc.file, doc.index, positions.get(index, {})))
    return unpacked


def _positions_by_item(doc: Document) -> dict[int, dict[DocPath, tuple[int, int]]]:
    """The list's positions regrouped per item, with ``items[i]`` stripped: one pass over all."""
    grouped: dict[int, dict[DocPath, tuple[int, int]]] = {}
    for path, position in doc.positions.items():
        if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
            grouped.setdefault(path[1], {})[path[2:]] = position
    return grouped


def _inherited_type(doc: Document) -> dict[str, Any]:
    """What an item without ``apiVersion`` and ``kind`` is (``TrimSuffix(kind, "List")``)."""
    kind = doc.kind.removesuffix(LIST_SUFFIX)
    if not kind:
        return {}  # items of a plain `List` must say what they are
    return {"apiVersion": doc.api_version, "kind": kind} if doc.api_version else {"kind": kind}
