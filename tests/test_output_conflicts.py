"""A file kfedgen did not write is never overwritten: conflicts, adoption, the manifest's state.

The attack of issue 12: a hand-written ``rendered/c1/shop/configmap_m1.yaml``
that the ownership manifest does not list, then a ``FederatedConfigMap
shop/m1`` is added to the fleet.  kfedgen must refuse (exit 2, the path, how
to resolve it) and leave the tree exactly as it was; ``render --check``
reports the conflict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.write import compare, write
from kfedgen.errors import InvalidInput, OutputError
from tests.conftest import RunCli, snapshot

FLEET = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
metadata: {name: test}
spec:
  clusters:
    - {name: c1, labels: {env: prod}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec: {placement: {clusters: [{name: c1}]}}
"""
CONFIGMAP = """\
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: m1, namespace: shop}
spec:
  template: {data: {colour: blue}}
  placement: {clusters: [{name: c1}]}
"""
TARGET = "c1/shop/configmap_m1.yaml"
HAND_WRITTEN = b"# mine: the ops team's ConfigMap\nkind: ConfigMap\n"


def tree(files: dict[str, bytes]) -> OutputTree:
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


def fleet_repo(tmp_path: Path, *documents: str) -> Path:
    (tmp_path / "fleet").mkdir(exist_ok=True)
    (tmp_path / "fleet" / "fleet.yaml").write_text("".join((FLEET, *documents)))
    return tmp_path


def test_the_attack_a_foreign_file_where_a_new_object_renders_is_refused(
    tmp_path: Path, run_cli: RunCli
) -> None:
    repo = fleet_repo(tmp_path)
    assert run_cli("render", cwd=repo).code == 0
    (repo / "rendered" / "c1" / "shop").mkdir(exist_ok=True)
    (repo / "rendered" / TARGET).write_bytes(HAND_WRITTEN)
    before = snapshot(repo / "rendered")
    fleet_repo(tmp_path, CONFIGMAP)

    result = run_cli("render", cwd=repo)

    assert result.code == 2, result.err
    assert snapshot(repo / "rendered") == before, "nothing may be written"
    assert (
        f"rendered/{TARGET}: not written by kfedgen (not in rendered/{MANIFEST_PATH}), but "
        "kfedgen now renders ConfigMap shop/m1 of cluster c1 to this path; refusing to "
        "overwrite it"
    ) in result.err
    assert "delete or move the file if it may go, or rename the object" in result.err
    assert "changed" not in result.err
    assert "Traceback" not in result.err
    assert "nothing was written" in result.err


def test_check_reports_the_conflict_in_text_and_json(tmp_path: Path, run_cli: RunCli) -> None:
    repo = fleet_repo(tmp_path)
    assert run_cli("render", cwd=repo).code == 0
    (repo / "rendered" / "c1" / "shop").mkdir(exist_ok=True)
    (repo / "rendered" / TARGET).write_bytes(HAND_WRITTEN)
    fleet_repo(tmp_path, CONFIGMAP)
    before = snapshot(repo / "rendered")

    text = run_cli("render", "--check", cwd=repo)
    assert text.code == 2, text.err
    assert f"conflict: rendered/{TARGET}\n" in text.out
    assert f"changed: rendered/{TARGET}" not in text.out
    assert f"rendered/{TARGET}: not written by kfedgen" in text.err
    assert "render would refuse" in text.err

    as_json = run_cli("render", "--check", "--format", "json", cwd=repo)
    assert as_json.code == 2
    document = json.loads(as_json.out)
    assert document["conflicts"] == [TARGET]
    assert document["current"] is False
    assert TARGET not in document["changed"]
    assert TARGET not in document["foreign"]
    problems = [p for p in document["problems"] if p["severity"] == "error"]
    assert [p["file"] for p in problems] == [f"rendered/{TARGET}"]
    assert "rename the object" in problems[0]["hint"]
    assert snapshot(repo / "rendered") == before


def test_deleting_the_foreign_file_resolves_the_conflict(tmp_path: Path, run_cli: RunCli) -> None:
    repo = fleet_repo(tmp_path, CONFIGMAP)
    (repo / "rendered" / "c1" / "shop").mkdir(parents=True)
    (repo / "rendered" / TARGET).write_bytes(HAND_WRITTEN)
    assert run_cli("render", cwd=repo).code == 2
    (repo / "rendered" / TARGET).unlink()
    assert run_cli("render", cwd=repo).code == 0
    assert b"colour: blue" in (repo / "rendered" / TARGET).read_bytes()


def test_every_conflict_is_reported_in_one_run(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/keep.yaml": b"k\n"}))
    (output / "a" / "x.yaml").write_text("mine\n")
    (output / "b").mkdir()
    (output / "b" / "y.yaml").write_text("mine too\n")
    before = snapshot(output)
    with pytest.raises(InvalidInput) as caught:
        write(output, tree({"a/keep.yaml": b"k\n", "a/x.yaml": b"x\n", "b/y.yaml": b"y\n"}))
    assert [p.location.file for p in caught.value.problems] == [
        f"{output}/a/x.yaml",
        f"{output}/b/y.yaml",
    ]
    assert str(caught.value) == f"2 files in {output} are in the way of the render"
    assert snapshot(output) == before


def test_a_foreign_directory_where_kfedgen_writes_a_file_is_a_conflict(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/keep.yaml": b"k\n"}))
    (output / "a" / "x.yaml").mkdir()
    (output / "a" / "x.yaml" / "notes.txt").write_text("mine\n")
    diff = compare(output, tree({"a/keep.yaml": b"k\n", "a/x.yaml": b"x\n"}))
    assert [c.path for c in diff.conflicts] == ["a/x.yaml"]
    assert "a/x.yaml" not in diff.added
    assert diff.foreign == [], "the directory's files are part of the conflict, not foreign"
    with pytest.raises(InvalidInput, match="in the way"):
        write(output, tree({"a/keep.yaml": b"k\n", "a/x.yaml": b"x\n"}))
    assert (output / "a" / "x.yaml" / "notes.txt").read_text() == "mine\n"


def test_a_foreign_file_where_kfedgen_needs_a_directory_is_a_conflict(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/keep.yaml": b"k\n"}))
    (output / "a" / "shop").write_text("a file named like a namespace\n")
    wanted = tree({"a/keep.yaml": b"k\n", "a/shop/x.yaml": b"x\n", "a/shop/y.yaml": b"y\n"})
    diff = compare(output, wanted)
    assert [(c.path, c.wanted) for c in diff.conflicts] == [("a/shop", "a/shop/x.yaml")]
    assert diff.foreign == []
    with pytest.raises(InvalidInput) as caught:
        write(output, wanted)
    (problem,) = caught.value.problems
    assert problem.location.file == f"{output}/a/shop"
    assert "needs this path as the directory of a/shop/x.yaml" in problem.message
    assert (output / "a" / "shop").read_text() == "a file named like a namespace\n"


def test_an_empty_foreign_directory_where_kfedgen_writes_a_file_is_a_conflict(
    tmp_path: Path,
) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/keep.yaml": b"k\n"}))
    (output / "a" / "x.yaml").mkdir()
    with pytest.raises(InvalidInput, match="in the way"):
        write(output, tree({"a/keep.yaml": b"k\n", "a/x.yaml": b"x\n"}))
    assert (output / "a" / "x.yaml").is_dir()


def test_a_foreign_file_identical_to_the_render_is_adopted(tmp_path: Path) -> None:
    """Same bytes as kfedgen renders: nothing is lost by owning it, so it is adopted, reported."""
    output = tmp_path / "rendered"
    write(output, tree({"a/keep.yaml": b"k\n"}))
    (output / "a" / "x.yaml").write_bytes(b"x\n")
    inode = (output / "a" / "x.yaml").stat().st_ino
    diff = write(output, tree({"a/keep.yaml": b"k\n", "a/x.yaml": b"x\n"}))
    assert diff.adopted == ["a/x.yaml"]
    assert diff.conflicts == []
    assert diff.changed == [MANIFEST_PATH]
    assert (output / "a" / "x.yaml").stat().st_ino == inode, "adopted, not rewritten"
    owned = json.loads((output / MANIFEST_PATH).read_text())["files"]
    assert "a/x.yaml" in owned
    # From now on it is kfedgen's: it is pruned when the object goes.
    assert write(output, tree({"a/keep.yaml": b"k\n"})).stale == ["a/x.yaml"]
    assert not (output / "a" / "x.yaml").exists()


def test_adoption_is_reported_by_render_and_check(tmp_path: Path, run_cli: RunCli) -> None:
    repo = fleet_repo(tmp_path, CONFIGMAP)
    assert run_cli("render", cwd=repo).code == 0
    rendered = (repo / "rendered" / TARGET).read_bytes()
    (repo / "rendered" / MANIFEST_PATH).unlink()  # the manifest is lost
    check = run_cli("render", "--check", "--format", "json", cwd=repo)
    assert check.code == 1
    assert json.loads(check.out)["adopted"] == sorted(path for path in snapshot(repo / "rendered"))
    result = run_cli("render", cwd=repo)
    assert result.code == 0, result.err
    assert f"rendered/{TARGET}: not in the ownership manifest, but identical" in result.err
    assert (repo / "rendered" / TARGET).read_bytes() == rendered
    assert run_cli("render", "--check", cwd=repo).code == 0


def test_first_render_into_an_existing_directory_without_a_manifest(
    tmp_path: Path, run_cli: RunCli
) -> None:
    repo = fleet_repo(tmp_path, CONFIGMAP)
    (repo / "rendered" / "c1" / "shop").mkdir(parents=True)
    (repo / "rendered" / "README.md").write_text("hand-written\n")
    (repo / "rendered" / TARGET).write_bytes(HAND_WRITTEN)
    result = run_cli("render", cwd=repo)
    assert result.code == 2
    assert f"there is no rendered/{MANIFEST_PATH}" in result.err
    assert "restore it from git" in result.err
    (repo / "rendered" / TARGET).unlink()
    result = run_cli("render", cwd=repo)
    assert result.code == 0, result.err
    assert "rendered/README.md: not written by kfedgen; left alone" in result.err
    assert (repo / "rendered" / "README.md").read_text() == "hand-written\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"files": {"a/x.yaml": "ab"', "it is not JSON"),
        (b"[]", "it is not a kfedgen ownership manifest"),
        (b'{"generator": "kfedgen", "version": 1, "files": []}', "not a kfedgen ownership"),
        (b'{"generator": "kfedgen", "version": 1, "files": {"a": 1}}', "not a kfedgen ownership"),
        (b'{"generator": "other", "version": 1, "files": {}}', "not a kfedgen ownership"),
        (b'{"generator": "kfedgen", "version": 2, "files": {}}', "version 2"),
        (b'{"generator": "kfedgen", "version": 1, "files": {"../x": "0"}}', "'../x'"),
        (b"\xff\xfe", "it is not JSON"),
    ],
)
def test_a_corrupt_manifest_is_refused_by_render_and_check(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    output = tmp_path / "rendered"
    wanted = tree({"a/x.yaml": b"x\n"})
    write(output, wanted)
    (output / "a" / "x.yaml").write_text("edited\n")
    (output / MANIFEST_PATH).write_bytes(content)
    before = snapshot(output)
    for operation in (compare, write):
        with pytest.raises(OutputError) as caught:
            operation(output, wanted)
        message = str(caught.value)
        assert message.startswith(f"{output}/{MANIFEST_PATH} is unusable: ")
        assert reason in message
        assert "git checkout" in message
    assert snapshot(output) == before


def test_a_manifest_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    (output / MANIFEST_PATH).mkdir(parents=True)
    with pytest.raises(OutputError, match="is unusable: it is not a file"):
        write(output, tree({"a/x.yaml": b"x\n"}))
    assert (output / MANIFEST_PATH).is_dir()
