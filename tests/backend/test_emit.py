"""Output paths and the ownership manifest of the emitted tree."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.backend.emit import MANIFEST_PATH, manifest_bytes, path_problem
from tests.fleets import INVENTORY, compile_fleet
from tests.placement.rsp_documents import namespace

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


labels = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?", fullmatch=True)


@given(labels, paths)
def test_a_path_under_a_cluster_has_a_problem_exactly_when_its_file_name_has(
    cluster: str, file: str
) -> None:
    # emit checks each object's file name once, not each cluster's path (many clusters).
    assert path_problem(f"{cluster}/{file}") == path_problem(file)


CONFIG = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {{name: {name}, namespace: app}}
spec:
  template: {{data: {{a: b}}}}
  placement: {placement}
"""


def test_clusters_with_the_same_files_share_one_kustomization_and_others_get_their_own() -> None:
    files = {
        "ns": namespace(),
        "all": CONFIG.format(name="everywhere", placement="{clusterSelector: {}}"),
        "lab": CONFIG.format(name="lab-only", placement="{clusters: [{name: lab}]}"),
    }
    tree = compile_fleet(INVENTORY, files=files).tree.files
    east, west, lab = (tree[f"{c}/kustomization.yaml"] for c in ("east", "west", "lab"))
    assert east is west  # one object: the manifest hashes it once
    resources = "resources:\n- _cluster/namespace_app.yaml\n- app/configmap_everywhere.yaml\n"
    head = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
    assert east.decode() == head + resources
    assert lab.decode() == head + resources + "- app/configmap_lab-only.yaml\n"
