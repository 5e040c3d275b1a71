"""``kfedgen init``: the scaffold renders out of the box and is never written over files."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli


def test_scaffold_renders(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("init", "demo", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "created demo/fleet/fleet.yaml" in result.err
    rendered = run_cli("render", "--strict", cwd=tmp_path / "demo")
    assert rendered.code == 0, rendered.err
    west = (
        tmp_path / "demo" / "rendered" / "west" / "hello" / "deployment.apps_hello.yaml"
    ).read_text()
    assert "replicas: 3" in west


def test_init_refuses_to_overwrite(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text("mine\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 2
    assert "fleet/fleet.yaml already exists; kfedgen init does not overwrite files" in result.err
    assert (tmp_path / "fleet" / "fleet.yaml").read_text() == "mine\n"
