"""One JSON Schema for editors: every fleet document, chosen by its ``apiVersion`` and ``kind``.

A fleet file holds documents of several kinds, and an editor's YAML language server checks
each document of a file against the one schema the file is associated with.  This schema
holds every input kind's schema under ``$defs`` and picks one per document with
``if``/``then`` on ``apiVersion`` and ``kind`` (the pairs of :data:`kfedgen.frontends.kinds.KINDS`,
plus KubeFed's ``Federated<Kind>`` objects); a document of any other kind -- a plain object
a Karmada policy propagates -- is left alone, as kfedgen leaves it to Kubernetes' schemas.

It is self-contained (no reference leaves the file), so it works from a file path or a URL
alike: each kind's schema is embedded without its ``$id``, and its own ``#/$defs/...``
references are rewritten to point into its embedded copy.  ``schemas/kfedgen.json`` in the
repository is this schema, and ``kfedgen schema --editor`` prints it.
"""

from __future__ import annotations

import json
from typing import Any

from kfedgen.frontends.kinds import KINDS
from kfedgen.frontends.schema import SCHEMA_FILES, schema_text
from kfedgen.model import FEDERATED_API_VERSION

EDITOR_SCHEMA_FILE = "kfedgen.json"
_DEFS = "#/$defs/"


def editor_schema() -> dict[str, Any]:
    """The dispatching schema (a JSON value; :func:`editor_schema_text` is its file)."""
    dispatch: list[tuple[dict[str, Any], str]] = [
        (
            {"apiVersion": {"const": api_version}, "kind": {"const": kind}},
            SCHEMA_FILES[kind].removesuffix(".json"),
        )
        for api_version, kind in KINDS
    ]
    dispatch.append(
        (
            {"apiVersion": {"const": FEDERATED_API_VERSION}, "kind": {"pattern": "^Federated"}},
            SCHEMA_FILES["FederatedResource"].removesuffix(".json"),
        )
    )
    kinds_by_name = {file.removesuffix(".json"): kind for kind, file in SCHEMA_FILES.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kfedgen fleet documents",
        "description": (
            "Any document of a kfedgen fleet: each kind kfedgen reads is checked against its "
            "own schema (chosen by apiVersion and kind); other documents are not checked here."
        ),
        "type": "object",
        "allOf": [
            {
                "if": {"properties": match, "required": ["apiVersion", "kind"]},
                "then": {"$ref": _DEFS + name},
            }
            for match, name in dispatch
        ],
        "$defs": {
            name: _embedded(json.loads(schema_text(kind)), name)
            for name, kind in sorted(kinds_by_name.items())
        },
    }


def editor_schema_text() -> str:
    """The schema as ``schemas/kfedgen.json`` holds it."""
    return json.dumps(editor_schema(), indent=2, ensure_ascii=False) + "\n"


def _embedded(schema: dict[str, Any], name: str) -> dict[str, Any]:
    # Without $id the copy is part of this resource, so its references must name it.
    prefix = f"{_DEFS}{name}/$defs/"
    return {
        key: _rewrite_refs(value, prefix)
        for key, value in schema.items()
        if key not in ("$schema", "$id")
    }


def _rewrite_refs(value: Any, prefix: str) -> Any:
    if isinstance(value, dict):
        return {
            key: prefix + item.removeprefix(_DEFS)
            if key == "$ref" and isinstance(item, str) and item.startswith(_DEFS)
            else _rewrite_refs(item, prefix)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rewrite_refs(item, prefix) for item in value]
    return value
