"""Every rendered cluster directory builds with the real kustomize and yields exactly its files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import GOLDEN, ROOT, kubectl_available

pytestmark = pytest.mark.skipif(
    not kubectl_available(), reason="kubectl is not installed; kustomize builds cannot be checked"
)


def cluster_dirs() -> list[Path]:
    trees = [ROOT / "rendered", *sorted(GOLDEN.glob("*/expected"))]
    return [
        directory
        for tree in trees
        for directory in sorted(tree.iterdir())
        if (directory / "kustomization.yaml").is_file()
    ]


def canonical(documents: list[object]) -> list[str]:
    return sorted(json.dumps(doc, sort_keys=True) for doc in documents if doc is not None)


@pytest.mark.parametrize("directory", cluster_dirs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cluster_directory_builds(directory: Path) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stderr
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    files = [yaml.safe_load((directory / name).read_text()) for name in kustomization["resources"]]
    on_disk = sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*.yaml")
        if p.name != "kustomization.yaml"
    )
    assert sorted(kustomization["resources"]) == on_disk, "kustomization.yaml lists every file"
    assert canonical(list(yaml.safe_load_all(built.stdout))) == canonical(files)
