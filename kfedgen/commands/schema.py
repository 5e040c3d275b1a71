"""``kfedgen schema``: print the JSON Schema of an input kind."""

from __future__ import annotations

from kfedgen.frontends.schema import schema_names, schema_text


def run_schema(kind: str | None) -> str:
    if kind is None:
        return "".join(f"{name}\n" for name in schema_names())
    return schema_text(kind)
