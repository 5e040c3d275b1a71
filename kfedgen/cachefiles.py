"""Writing kfedgen's cache files: whole, or not at all.

Shared by the caches of every stage (parse, compile, stat), so it depends on
none of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any


def write_atomically(path: Path, *content: bytes) -> None:
    """Replace ``path`` with ``content`` (its parts, in order): readers see the old or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as stream:
            stream.writelines(content)
        temporary.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def checked_document(version: int, body: Any) -> bytes:
    """``body`` as a JSON cache file: its format ``version`` and a checksum of the body."""
    document = {"version": version, "check": _checksum(body), "body": body}
    return json.dumps(document).encode("utf-8")


def read_checked(path: Path, version: int) -> Any:
    """The body of a :func:`checked_document` at ``path``; None when there is none.

    None too for another format version or a body that does not match its checksum
    (truncated, a bit flipped): a cache that cannot be trusted is not used.
    """
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("version") != version:
        return None
    body = document.get("body")
    return body if document.get("check") == _checksum(body) else None


def _checksum(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
