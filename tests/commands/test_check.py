"""``kfedgen render --check`` (writes nothing) and ``render --exit-code`` (the hook mode)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import RunCli, snapshot
from tests.gitutil import OBJECT_FILES, FleetRepo, apps_yaml, fleet_yaml, rendered_fleet


@pytest.fixture
def repo(tmp_path: Path, run_cli: RunCli) -> FleetRepo:
    """A fleet with east and west, rendered and committed."""
    return rendered_fleet(tmp_path / "repo", run_cli)


def tree_state(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: proof that nothing was written."""
    return {
        path: (content, (directory / path).stat().st_mtime_ns)
        for path, content in snapshot(directory).items()
    }


def check(run_cli: RunCli, repo: FleetRepo, *args: str) -> tuple[int, str, str]:
    before = tree_state(repo.path / "rendered")
    result = run_cli("render", "--check", *args, cwd=repo.path)
    assert tree_state(repo.path / "rendered") == before, "render --check wrote something"
    return result.code, result.out, result.err


def test_current_tree(repo: FleetRepo, run_cli: RunCli) -> None:
    code, out, err = check(run_cli, repo)
    assert (code, out) == (0, "")
    assert err == "kfedgen: rendered is up to date\n"


def test_changed_spec_lists_every_changed_file(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4, color="red"))
    code, out, err = check(run_cli, repo)
    assert code == 1
    assert out == (
        "changed: rendered/.kfedgen/manifest.json\n"
        "changed: rendered/east/web/configmap_settings.yaml\n"
        "changed: rendered/east/web/deployment.apps_api.yaml\n"
        "changed: rendered/west/web/configmap_settings.yaml\n"
    )
    assert err == (
        "kfedgen: rendered is out of date (4 files: 0 added, 4 changed, 0 stale); "
        "run 'kfedgen render' and commit the result\n"
    )


def test_deleted_and_edited_rendered_files(repo: FleetRepo, run_cli: RunCli) -> None:
    (repo.path / "rendered/east/web/configmap_settings.yaml").unlink()
    edited = repo.path / "rendered/west/web/deployment.apps_api.yaml"
    edited.write_text(edited.read_text().replace("replicas: 3", "replicas: 30"))
    code, out, _ = check(run_cli, repo)
    assert code == 1
    assert out == (
        "added: rendered/east/web/configmap_settings.yaml\n"
        "changed: rendered/west/web/deployment.apps_api.yaml\n"
    )


def test_foreign_files_are_reported_not_stale(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("rendered/east/README.md", "notes by a human\n")
    repo.write("rendered/extra/thing.yaml", "kind: Thing\n")
    code, out, err = check(run_cli, repo)
    assert (code, out) == (0, "")
    assert err == (
        "kfedgen: rendered/east/README.md: not written by kfedgen; left alone\n"
        "kfedgen: rendered/extra/thing.yaml: not written by kfedgen; left alone\n"
        "kfedgen: rendered is up to date\n"
    )


def test_cluster_removed_from_the_inventory_is_stale(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("fleet/fleet.yaml", fleet_yaml("west"))
    repo.write("fleet/apps.yaml", apps_yaml())
    repo.write("rendered/east/README.md", "foreign: stays\n")
    code, out, err = check(run_cli, repo)
    assert code == 1
    stale = sorted([*OBJECT_FILES, "kustomization.yaml"])
    assert out == "changed: rendered/.kfedgen/manifest.json\n" + "".join(
        f"stale: rendered/east/{path}\n" for path in stale
    )
    assert "rendered/east/README.md: not written by kfedgen" in err
    assert "(5 files: 0 added, 1 changed, 4 stale)" in err
    # ...and render removes exactly those files.
    assert run_cli("render", cwd=repo.path).code == 0
    assert sorted(snapshot(repo.path / "rendered" / "east")) == ["README.md"]


def test_verbose_prints_unified_diffs(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("fleet/fleet.yaml", fleet_yaml("west", "north"))
    repo.write("fleet/apps.yaml", apps_yaml(west_replicas=4))
    code, out, _ = check(run_cli, repo, "-v")
    assert code == 1
    assert "added: rendered/north/web/deployment.apps_api.yaml\n" in out
    assert "stale: rendered/east/web/deployment.apps_api.yaml\n" in out
    assert (
        "--- /dev/null\n+++ b/rendered/north/web/deployment.apps_api.yaml\n@@ -0,0 +1,20 @@\n"
        in out
    )
    assert "--- a/rendered/east/web/deployment.apps_api.yaml\n+++ /dev/null\n" in out
    assert (
        "--- a/rendered/west/web/deployment.apps_api.yaml\n"
        "+++ b/rendered/west/web/deployment.apps_api.yaml\n" in out
    )
    assert "-  replicas: 3\n+  replicas: 4\n" in out
    assert "a/rendered/.kfedgen/manifest.json" not in out  # listed, but its diff is noise


def test_invalid_input_exits_2_and_writes_nothing(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("fleet/apps.yaml", apps_yaml().replace("clusterName: west", "clusterName: wset"))
    code, out, err = check(run_cli, repo)
    assert code == 2
    assert out == ""
    assert "fleet/apps.yaml:" in err
    assert "spec.overrides[0].clusterName" in err
    assert "Traceback" not in err


def test_github_format_annotates_each_file(repo: FleetRepo, run_cli: RunCli) -> None:
    (repo.path / "rendered/east/kustomization.yaml").unlink()
    repo.write("fleet/apps.yaml", apps_yaml(west_replicas=4))
    code, out, err = check(run_cli, repo, "--format", "github")
    assert code == 1
    assert "changed: rendered/west/web/deployment.apps_api.yaml\n" in out
    annotations = [line for line in err.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=rendered/.kfedgen/manifest.json,title=kfedgen::out of date: kfedgen "
        "renders this file differently (run 'kfedgen render' and commit the result)",
        "::error file=rendered/east/kustomization.yaml,title=kfedgen::missing: kfedgen renders "
        "this file but it is not in the tree (run 'kfedgen render' and commit the result)",
        "::error file=rendered/west/web/deployment.apps_api.yaml,title=kfedgen::out of date: "
        "kfedgen renders this file differently (run 'kfedgen render' and commit the result)",
    ]


def test_json_format(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("rendered/README.md", "foreign\n")
    repo.write("fleet/fleet.yaml", fleet_yaml("west"))
    code, out, _ = check(run_cli, repo, "--format", "json")
    assert code == 1
    assert json.loads(out) == {
        "command": "render --check",
        "version": 1,
        "exitCode": 1,
        "error": None,
        "output": "rendered",
        "current": False,
        "added": [],
        "changed": [".kfedgen/manifest.json"],
        "stale": [f"east/{path}" for path in sorted([*OBJECT_FILES, "kustomization.yaml"])],
        "foreign": ["README.md"],
        "adopted": [],
        "conflicts": [],
        "problems": [],
    }


def test_missing_output_directory_is_all_added(repo: FleetRepo, run_cli: RunCli) -> None:
    result = run_cli("render", "--check", "-o", "elsewhere", cwd=repo.path)
    assert result.code == 1
    assert result.out.count("added: elsewhere/") == 9
    assert not (repo.path / "elsewhere").exists()


def test_render_exit_code_only_in_hook_mode(repo: FleetRepo, run_cli: RunCli) -> None:
    """--exit-code: 1 when render wrote something (as formatters do), 0 when current."""
    assert run_cli("render", "--exit-code", cwd=repo.path).code == 0
    repo.write("fleet/apps.yaml", apps_yaml(replicas=4))
    manifest = repo.path / "rendered/.kfedgen/manifest.json"
    os.utime(manifest, ns=(0, 0))
    first = run_cli("render", "--exit-code", cwd=repo.path)
    assert first.code == 1
    assert "1 changed" not in first.err  # manifest and deployment: 2 changed
    assert "2 changed" in first.err
    assert manifest.stat().st_mtime_ns != 0  # it really wrote
    assert run_cli("render", "--exit-code", cwd=repo.path).code == 0
    # Without --exit-code a render that writes succeeds.
    repo.write("fleet/apps.yaml", apps_yaml(replicas=5))
    assert run_cli("render", cwd=repo.path).code == 0
    assert run_cli("render", "--check", cwd=repo.path).code == 0
