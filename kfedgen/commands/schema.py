"""``kfedgen schema``: print the JSON Schema of an input kind, or the editors' one."""

from __future__ import annotations

from kfedgen.frontends.schema import schema_names, schema_text


def run_schema(kind: str | None, editor: bool = False) -> str:
    """The schema of ``kind``; the editors' schema (``editor``); else the list of kinds."""
    if editor:
        from kfedgen.frontends.editorschema import editor_schema_text  # noqa: PLC0415

        return editor_schema_text()
    if kind is None:
        return "".join(f"{name}\n" for name in schema_names())
    return schema_text(kind)
