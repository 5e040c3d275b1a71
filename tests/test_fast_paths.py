"""Faster implementations give exactly the answers of the plain ones they replaced."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.emit import MANIFEST_PATH, OutputTree, manifest_bytes, path_problem
from kfedgen.errors import Location, OutputError
from kfedgen.load import Document
from kfedgen.model import Cluster, FederatedObject, OverrideEntry, Placement, TargetType
from kfedgen.selectors import LabelSelector, Requirement
from kfedgen.write import compare, write

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


LABELS = [{}, {"env": "prod"}, {"env": "dev"}, {"env": "prod", "zone": "a"}]


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["c0", "c1", "c2", "c9"]).map(lambda name: ("name", name)),
            st.sampled_from(LABELS).map(lambda labels: ("selector", labels)),
            st.just(("neither", None)),
        ),
        max_size=8,
    )
)
def test_overrides_for_a_cluster_are_the_entries_that_apply_in_order(
    targets: list[tuple[str, Any]],
) -> None:
    entries = tuple(
        OverrideEntry(
            index,
            value if how == "name" else None,
            selector(value) if how == "selector" else None,
            (),
        )
        for index, (how, value) in enumerate(targets)
    )
    obj = federated_object(entries)
    for index, labels in enumerate(LABELS):
        cluster = Cluster(f"c{index}", labels, Location("fleet.yaml"))
        expected = [entry for entry in entries if entry.applies_to(cluster)]
        assert obj.overrides_for(cluster) == expected


def selector(labels: dict[str, str]) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, "In", (v,)) for k, v in sorted(labels.items())))


def federated_object(overrides: tuple[OverrideEntry, ...]) -> FederatedObject:
    target = TargetType(
        "apps", "v1", "Deployment", "deployments", True, "types.kubefed.io/v1beta1", "Deployment"
    )
    return FederatedObject(
        doc=Document({}, "fleet.yaml", 0),
        target=target,
        name="web",
        namespace="shop",
        template={},
        placement=Placement(None, None),
        overrides=overrides,
        retain_replicas=False,
    )


def test_a_longer_file_with_the_same_start_is_changed(tmp_path: Path) -> None:
    """compare reads at most one byte more than it expects; that byte must count."""
    output = tmp_path / "rendered"
    tree = OutputTree({"a/x.yaml": b"x\n", MANIFEST_PATH: manifest_bytes({"a/x.yaml": b"x\n"})})
    write(output, tree)
    (output / "a" / "x.yaml").write_bytes(b"x\n" + b"appended by hand\n" * 100_000)
    assert compare(output, tree).changed == ["a/x.yaml"]
    (output / "a" / "x.yaml").write_bytes(b"x")
    assert compare(output, tree).changed == ["a/x.yaml"]
    write(output, tree)
    assert (output / "a" / "x.yaml").read_bytes() == b"x\n"


def test_a_fifo_in_place_of_an_output_file_does_not_hang(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    tree = OutputTree({"a/x.yaml": b"x\n", MANIFEST_PATH: manifest_bytes({"a/x.yaml": b"x\n"})})
    write(output, tree)
    (output / "a" / "x.yaml").unlink()
    os.mkfifo(output / "a" / "x.yaml")
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(diff=compare(output, tree)))
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader so the test run can end, then fail
        os.close(os.open(output / "a" / "x.yaml", os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("compare blocked on a FIFO")
    assert result["diff"].changed == ["a/x.yaml"]


def test_an_unreadable_output_directory_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "rendered"
    tree = OutputTree({"a/x.yaml": b"x\n", MANIFEST_PATH: manifest_bytes({"a/x.yaml": b"x\n"})})
    write(output, tree)
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        if path.endswith("/a"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    # Root (which runs these tests) can read any directory: simulate the refusal.
    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(OutputError, match=r"cannot read .*/rendered/a: Permission denied"):
        compare(output, tree)
