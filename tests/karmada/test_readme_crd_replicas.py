"""The README's "CRD replicas" examples are the golden cases, with real output."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import GOLDEN, ROOT, RunCli

pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")

KARMADA = GOLDEN / "karmada-crd-replicas"
KUBEFED = GOLDEN / "kubefed-crd-replicas"
README = (ROOT / "README.md").read_text()
SECTION = README.split("### CRD replicas\n", 1)[1].split("\n## ", 1)[0]


def _block(text: str, fence: str, index: int = 0) -> str:
    return text.split(f"```{fence}\n")[index + 1].split("```", 1)[0]


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_the_customization_shown_is_the_golden_one() -> None:
    shown = yaml.safe_load(_block(SECTION, "yaml"))
    assert shown == _documents(KARMADA / "fleet" / "rollout.yaml")[1]


def test_the_plan_and_explain_shown_are_real(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(KARMADA / "fleet", tmp_path / "fleet")
    for args in (("plan",), ("explain", "Rollout/shop/checkout", "--cluster", "west")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.code == 0, result.err
        assert f"$ kfedgen {' '.join(args)}\n{result.out}" in SECTION


def test_the_script_error_shown_is_real(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(KARMADA / "fleet", tmp_path / "fleet")
    rollout = tmp_path / "fleet" / "rollout.yaml"
    text = rollout.read_text().replace("obj.spec.replicas\n", "obj.spec.replica.count\n", 1)
    rollout.write_text(text)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    shown = _block(SECTION, "", 0).strip()
    assert shown in result.err.splitlines()


def test_the_type_config_shown_is_the_golden_one() -> None:
    part = README.split("**Custom resources (a kfedgen extension).**", 1)[1]
    shown = yaml.safe_load(_block(part, "yaml"))
    assert shown in _documents(KUBEFED / "fleet" / "types.yaml")
