"""The ownership manifest: patched in place, it is the manifest written whole."""

from __future__ import annotations

import json
import string

from hypothesis import given
from hypothesis import strategies as st

from kfedgen.backend.outtree import MANIFEST_PATH, manifest_of, patched_manifest

names = st.text(string.ascii_lowercase + 'é"\\ /_-.\n', min_size=1, max_size=12)
digests = st.text("0123456789abcdef", min_size=64, max_size=64)


@given(st.dictionaries(names, digests, min_size=1, max_size=30), st.data())
def test_a_patched_manifest_is_the_manifest_of_the_new_digests(
    files: dict[str, str], data: st.DataObject
) -> None:
    changed_paths = data.draw(st.lists(st.sampled_from(sorted(files)), unique=True))
    changed = {path: data.draw(digests) for path in changed_paths}
    patched = patched_manifest(manifest_of(files, files), changed)
    new = {**files, **changed}
    assert patched == manifest_of(new, new)
    assert json.loads(patched)["files"] == new  # what every reader of the manifest sees


def test_a_path_the_manifest_does_not_list_is_no_patch() -> None:
    files = {"c0/a.yaml": "a" * 64, MANIFEST_PATH: "m" * 64}
    manifest = manifest_of(files, files)
    assert patched_manifest(manifest, {"c0/b.yaml": "b" * 64}) is None
    # A path that is only a prefix of a listed one is not that one.
    assert patched_manifest(manifest, {"c0/a": "b" * 64}) is None
    assert patched_manifest(manifest, {"c0/a.yaml": "short"}) is None
