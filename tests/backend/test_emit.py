"""Output paths and the ownership manifest of the emitted tree."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.backend.emit import MANIFEST_PATH, manifest_bytes, path_problem

path_parts = st.sampled_from(["a", "b.yaml", ".", "..", "", ".kfedgen", "x\\y", "n\0", "é", " "])
paths = st.lists(path_parts, max_size=4).map("/".join) | st.text(alphabet="/.a\\\0", max_size=6)


def reference_path_problem(path: str) -> str | None:
    """The component-by-component check path_problem had before it became substring tests."""
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return "it is not a plain relative path"
    if any(c in path for c in "\\\0"):
        return "it contains a backslash or a NUL character"
    return None


@given(paths)
def test_path_problem_matches_the_component_check(path: str) -> None:
    assert path_problem(path) == reference_path_problem(path)


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.text(max_size=12) | paths,
        st.sampled_from([b"", b"x\n", b"shared\n", "é\n".encode()]),
        max_size=8,
    )
)
def test_manifest_bytes_is_the_indented_json_document(files: dict[str, bytes]) -> None:
    shared = b"one object " * 3
    files = {**files, "c1/o.yaml": shared, "c2/o.yaml": shared, MANIFEST_PATH: b"old"}
    owned = {
        path: hashlib.sha256(content).hexdigest()
        for path, content in sorted(files.items())
        if path != MANIFEST_PATH
    }
    document = {"generator": "kfedgen", "version": 1, "files": owned}
    expected = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    assert manifest_bytes(files) == expected
    assert manifest_bytes({}) == (
        json.dumps({"generator": "kfedgen", "version": 1, "files": {}}, indent=2, sort_keys=True)
        + "\n"
    ).encode("utf-8")
