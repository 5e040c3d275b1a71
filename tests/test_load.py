"""Finding the fleet's files: which are read, in which order, under which names."""

from __future__ import annotations

from pathlib import Path

from kfedgen.errors import Problems
from kfedgen.load import discover
from tests.conftest import INVENTORY, RunCli


def names(paths: list[Path], base: Path) -> list[str]:
    problems = Problems()
    found = [source.display_name for source in discover(paths, base, problems)]
    assert not problems.items
    return found


def test_yaml_and_yml_are_read_sorted_and_hidden_files_skipped(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    (fleet / "b").mkdir(parents=True)
    (fleet / ".git").mkdir()
    for name in [
        "z.yaml",
        "a.yml",
        "b/c.yaml",
        ".hidden.yaml",
        ".git/x.yaml",
        "notes.md",
        "x.json",
    ]:
        (fleet / name).write_text("{}\n")
    assert names([fleet], tmp_path) == ["fleet/a.yml", "fleet/b/c.yaml", "fleet/z.yaml"]


def test_repeated_paths_are_read_once_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "b.yaml").write_text("{}\n")
    (tmp_path / "extra.yaml").write_text("{}\n")
    paths = [tmp_path / "fleet", tmp_path / "extra.yaml", tmp_path / "fleet" / "b.yaml"]
    assert names(paths, tmp_path) == ["extra.yaml", "fleet/b.yaml"]


def test_fleet_option_is_repeatable_with_files_and_directories(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "ns.yaml").write_text(
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\nspec: {placement: {clusterSelector: {}}}\n"
    )
    result = run_cli("render", "-f", "inventory.yaml", "-f", "apps", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "rendered" / "lab" / "_cluster" / "namespace_app.yaml").is_file()


def test_missing_fleet_path_is_an_error(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("render", "-f", "nowhere", cwd=tmp_path)
    assert result.code == 2
    assert "nowhere: no such file or directory\n" in result.err
    assert not (tmp_path / "rendered").exists()
