"""Comparing the output tree on disk with a render: what compare reads and refuses."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.ownership import compare
from kfedgen.backend.write import write
from kfedgen.errors import OutputError


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
    real_open = os.open

    def open_(path: str, flags: int, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith("/a") and flags & os.O_DIRECTORY:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    # Root (which runs these tests) can read any directory: simulate the refusal
    # (the scan opens each directory, then lists it through the descriptor).
    monkeypatch.setattr(os, "open", open_)
    with pytest.raises(OutputError, match=r"cannot read .*/rendered/a: Permission denied"):
        compare(output, tree)
