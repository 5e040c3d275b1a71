"""Finding the fleet's files: which are read, in which order, under which names."""

from __future__ import annotations

from pathlib import Path

from kfedgen.errors import Problems
from kfedgen.source.load import LoadOptions, SourceFile, discover, parse_file
from tests.conftest import (
    RunCli,
)
from tests.fleets import (
    INVENTORY,
)


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


def test_a_scalar_aliased_thousands_of_times_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    """1 MiB of text anchored once and aliased 2,000 times: 2 GB per cluster if expanded."""
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "inventory.yaml").write_text(INVENTORY)
    aliases = ", ".join(["*big"] * 2000)
    (tmp_path / "fleet" / "bomb.yaml").write_text(
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        "metadata: {name: lol, namespace: lol}\n"
        f"big: &big {'x' * 2**20}\n"
        f"spec:\n  template:\n    data: {{x: [{aliases}]}}\n"
        "  placement: {clusterSelector: {}}\n"
    )
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2, result.err
    assert "fleet/bomb.yaml:4:6: aliases expand to more than 4194304 bytes of text" in result.err
    assert not (tmp_path / "rendered").exists()


def test_sharing_text_through_aliases_within_the_budget_is_fine(tmp_path: Path) -> None:
    script = "echo hello\n" * 1000  # 11 KB, shared by 300 entries: 3.3 MB expanded
    entries = "\n".join(f"s{i}: *script" for i in range(300))
    text = f"first: &script |\n{''.join('  ' + line + chr(10) for line in script.splitlines())}{entries}\n"
    problems = Problems()
    (document,) = parse_file(SourceFile("f.yaml", text.encode()), problems, LoadOptions())
    assert not problems.items
    assert document.data["s299"] == script


def test_plain_scalars_mean_what_kubectl_reads(tmp_path: Path, run_cli: RunCli) -> None:
    """``12:30`` is the string kubectl reads (not YAML 1.1's 750), ``=`` a string, and
    every string that some reader would take for something else is written quoted."""
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\nspec: {placement: {clusterSelector: {}}}\n"
        "---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        "metadata: {name: cfg, namespace: app}\n"
        "spec:\n  placement: {clusterSelector: {}}\n  template:\n    data:\n"
        "      time: 12:30\n      eq: =\n      merge: <<\n      sha: '5e0123'\n"
        "      built: 2001-12-14T21:59:43Z\n"
        "---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\n"
        "metadata: {name: web, namespace: app}\n"
        "spec:\n  placement: {clusterSelector: {}}\n  template:\n    spec:\n"
        "      replicas: 1e3\n      minReadySeconds: 0755\n      revisionHistoryLimit: 0x1F\n"
        "      progressDeadlineSeconds: 08\n"
    )
    result = run_cli("render", "-f", "inventory.yaml", "-f", "cm.yaml", cwd=tmp_path)
    assert result.code == 0, result.err
    written = (tmp_path / "rendered" / "lab" / "app" / "configmap_cfg.yaml").read_text()
    assert written == (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: app\n"
        "data:\n  built: '2001-12-14T21:59:43Z'\n  eq: '='\n  merge: '<<'\n"
        "  sha: '5e0123'\n  time: '12:30'\n"
    )
    deployment = (tmp_path / "rendered" / "lab" / "app" / "deployment.apps_web.yaml").read_text()
    assert deployment.endswith(
        "spec:\n  minReadySeconds: 493\n  progressDeadlineSeconds: 8\n  replicas: 1000\n"
        "  revisionHistoryLimit: 31\n"
    )


def test_a_symlink_loop_is_called_a_loop(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "inventory.yaml").write_text(INVENTORY)
    (fleet / "self.yaml").symlink_to("self.yaml")
    (fleet / "a.yaml").symlink_to("b.yaml")
    (fleet / "b.yaml").symlink_to("a.yaml")
    (fleet / "dir").symlink_to("dir")
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2, result.err
    for name in ("a.yaml", "b.yaml", "self.yaml"):
        assert f"fleet/{name}: symlink loop: following it never reaches a file;" in result.err
    assert "fleet/dir" not in result.err  # not a fleet file name: never read
    given = run_cli("render", "-f", "fleet/self.yaml", cwd=tmp_path)
    assert given.code == 2, given.err
    assert "fleet/self.yaml: symlink loop: following it never reaches a file\n" in given.err
    assert not (tmp_path / "rendered").exists()
