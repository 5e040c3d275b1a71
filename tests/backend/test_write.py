"""The output tree: atomic replacement, pruning by ownership, foreign files, no-op renders."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.outtree import first_path_problem, path_problem
from kfedgen.backend.write import compare, write
from kfedgen.errors import OutputError
from tests.backend.test_emit import paths as emit_paths
from tests.conftest import (
    RunCli,
    snapshot,
)
from tests.fleets import (
    INVENTORY,
)


def tree(files: dict[str, bytes]) -> OutputTree:
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


def test_first_write_creates_the_tree(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    diff = write(output, tree({"a/x.yaml": b"x\n"}))
    assert diff.added == [MANIFEST_PATH, "a/x.yaml"]
    assert snapshot(output)["a/x.yaml"] == b"x\n"
    owned = json.loads((output / MANIFEST_PATH).read_text())["files"]
    assert owned == {"a/x.yaml": hashlib.sha256(b"x\n").hexdigest()}


def test_prunes_only_owned_files_and_keeps_foreign_ones(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n", "b/y.yaml": b"y\n"}))
    (output / "a" / "README.md").write_text("mine\n")
    diff = write(output, tree({"a/x.yaml": b"x\n"}))
    assert diff.stale == ["b/y.yaml"]
    assert diff.foreign == ["a/README.md"]
    assert sorted(snapshot(output)) == [MANIFEST_PATH, "a/README.md", "a/x.yaml"]
    assert not (output / "b").exists(), "a cluster that is gone loses its directory"


def test_noop_render_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    files = tree({"a/x.yaml": b"x\n"})
    write(output, files)
    before = {p: (output / p).stat().st_ino for p in files.files}
    directory_inode = output.stat().st_ino
    diff = write(output, files)
    assert diff.is_current
    assert output.stat().st_ino == directory_inode
    assert {p: (output / p).stat().st_ino for p in files.files} == before


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n", "a/y.yaml": b"y\n"}))
    inode = (output / "a" / "x.yaml").stat().st_ino
    diff = write(output, tree({"a/x.yaml": b"x\n", "a/y.yaml": b"changed\n"}))
    assert diff.changed == [MANIFEST_PATH, "a/y.yaml"]
    assert (output / "a" / "x.yaml").stat().st_ino == inode
    assert (output / "a" / "y.yaml").read_bytes() == b"changed\n"


def test_hand_edited_output_is_restored(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    files = tree({"a/x.yaml": b"x\n"})
    write(output, files)
    (output / "a" / "x.yaml").write_text("edited\n")
    assert compare(output, files).changed == ["a/x.yaml"]
    write(output, files)
    assert (output / "a" / "x.yaml").read_bytes() == b"x\n"


def test_symlink_inside_output_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    (output / "a" / "link.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(OutputError, match="symlink inside the output tree"):
        write(output, tree({"a/x.yaml": b"y\n"}))
    assert (output / "a" / "x.yaml").read_bytes() == b"x\n"


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    output.write_text("not a directory\n")
    with pytest.raises(OutputError, match="is not a directory"):
        write(output, tree({"a/x.yaml": b"x\n"}))


def test_leftovers_of_an_interrupted_render_are_cleaned(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    staging = tmp_path / ".rendered.kfedgen-new-12345"
    (staging / "a").mkdir(parents=True)
    (staging / "a" / "half.yaml").write_text("half")
    write(output, tree({"a/x.yaml": b"y\n"}))
    assert not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rendered"]


def test_previous_tree_is_restored_when_killed_between_renames(tmp_path: Path) -> None:
    """The two-rename fallback can be interrupted with no output; the old tree comes back."""
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    output.rename(tmp_path / ".rendered.kfedgen-old-999")
    diff = write(output, tree({"a/x.yaml": b"x\n"}))
    assert diff.is_current
    assert (output / "a" / "x.yaml").read_bytes() == b"x\n"


def test_cluster_removed_from_inventory_loses_its_directory(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(INVENTORY)
    assert run_cli("render", cwd=tmp_path).code == 0
    assert (tmp_path / "rendered" / "lab" / "kustomization.yaml").exists()
    (tmp_path / "fleet" / "fleet.yaml").write_text(INVENTORY.replace("    - {name: lab", "    #"))
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0
    assert "1 removed" in result.err
    assert not (tmp_path / "rendered" / "lab").exists()


def test_foreign_files_are_reported(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(INVENTORY)
    assert run_cli("render", cwd=tmp_path).code == 0
    (tmp_path / "rendered" / "NOTES.md").write_text("hand-written\n")
    result = run_cli("render", cwd=tmp_path)
    assert "rendered/NOTES.md: not written by kfedgen; left alone" in result.err
    assert (tmp_path / "rendered" / "NOTES.md").read_text() == "hand-written\n"


@settings(max_examples=300)
@given(st.lists(emit_paths, max_size=6))
def test_the_joined_path_check_finds_what_the_check_per_path_finds(paths: list[str]) -> None:
    expected = next(((p, path_problem(p)) for p in paths if path_problem(p)), None)
    assert first_path_problem(paths) == expected
