"""The same fleet gives the same bytes whatever the file names, file order and hash seed."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

from tests.conftest import GOLDEN, run_subprocess, snapshot


def scatter(source: Path, target: Path, seed: int) -> None:
    """Re-split the fleet's documents into differently named files in a shuffled order."""
    documents: list[str] = []
    for path in sorted(source.rglob("*.yaml")):
        documents.extend(
            part for part in path.read_text().split("\n---\n") if yaml.safe_load(part) is not None
        )
    rng = random.Random(seed)
    rng.shuffle(documents)
    target.mkdir(parents=True)
    for index, document in enumerate(documents):
        name = f"{rng.randrange(10**6):06d}-{index}.{'yml' if index % 2 else 'yaml'}"
        subdir = target / ("nested" if index % 3 == 0 else "")
        subdir.mkdir(exist_ok=True)
        (subdir / name).write_text(document if document.endswith("\n") else document + "\n")


def test_shuffled_files_and_hash_seeds_render_identical_bytes(tmp_path: Path) -> None:
    source = GOLDEN / "semantics" / "fleet"
    shutil.copytree(source, tmp_path / "a" / "fleet")
    scatter(source, tmp_path / "b" / "fleet", seed=7)
    first = run_subprocess("render", cwd=tmp_path / "a", env={"PYTHONHASHSEED": "1"})
    second = run_subprocess("render", cwd=tmp_path / "b", env={"PYTHONHASHSEED": "4242"})
    assert first.code == 0, first.err
    assert second.code == 0, second.err
    assert snapshot(tmp_path / "a" / "rendered") == snapshot(tmp_path / "b" / "rendered")
