"""``kfedgen diff``: real git repositories, revisions of every kind, all three formats."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kfedgen.commands.diff import COMMENT_MARKER, compute_diff, format_markdown
from kfedgen.pipeline import Options
from tests.conftest import ROOT, RunCli
from tests.gitutil import FleetRepo, apps_yaml, rendered_fleet


@pytest.fixture
def repo(tmp_path: Path, run_cli: RunCli) -> FleetRepo:
    """A fleet rendered and committed on main (tagged v1), then a branch 'feature'."""
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    repo.repo.create_tag("v1")
    repo.repo.git.checkout("-b", "feature")
    return repo


def render_and_commit(
    repo: FleetRepo, run_cli: RunCli, message: str, cwd: Path | None = None
) -> str:
    result = run_cli("render", cwd=cwd or repo.path)
    assert result.code == 0, result.err
    return repo.commit(message)


def short(repo: FleetRepo, rev: str) -> str:
    return repo.repo.commit(rev).hexsha[:7]


@pytest.mark.parametrize("base", ["main", "v1", "HEAD~1"])
def test_changed_spec_between_revisions(repo: FleetRepo, run_cli: RunCli, base: str) -> None:
    repo.write_fleet(replicas=4, color="red")
    render_and_commit(repo, run_cli, "more replicas, red")
    result = run_cli("diff", "--base", base, "--head", "HEAD", cwd=repo.path)
    assert result.code == 1, result.err
    span = f"rendered/ from {base} ({short(repo, 'main')}) to HEAD ({short(repo, 'HEAD')})"
    assert result.out.endswith(
        f"Summary of {span}: 2 clusters affected; objects: 0 added, 0 removed, 3 changed; "
        "1 replica change\n"
        "Replica changes:\n"
        "  east: Deployment web/api 2 -> 4\n"
    )
    assert result.out.startswith(
        "=== east: 2 changed ===\n"
        "--- a/rendered/east/web/configmap_settings.yaml\n"
        "+++ b/rendered/east/web/configmap_settings.yaml\n"
    )
    assert "=== west: 1 changed ===\n" in result.out
    assert "-  replicas: 2\n+  replicas: 4\n" in result.out
    assert "-  color: blue\n+  color: red\n" in result.out
    assert result.err == ""


def test_json_summary_has_exact_numbers(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write_fleet(replicas=4, west_replicas=1, color="red")
    head = render_and_commit(repo, run_cli, "change")
    result = run_cli(
        "diff", "--base", "main", "--head", "feature", "--format", "json", cwd=repo.path
    )
    assert result.code == 1, result.err
    document = json.loads(result.out)
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "web", "name": "api"}
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "web", "name": "settings"}
    assert document == {
        "command": "diff",
        "version": 1,
        "exitCode": 1,
        "error": None,
        "base": {
            "revision": "main",
            "commit": repo.repo.commit("main").hexsha,
            "source": "fleet",
            "problems": [],
        },
        "head": {"revision": "feature", "commit": head, "source": "fleet", "problems": []},
        "output": "rendered",
        "different": True,
        "scaleUpDecreases": [],
        "summary": {
            "clusters": ["east", "west"],
            "objects": {"added": 0, "removed": 0, "changed": 4},
            "replicaChanges": 2,
        },
        "clusters": [
            {
                "name": cluster,
                "objects": {"added": 0, "removed": 0, "changed": 2},
                "files": [
                    {
                        "path": f"{cluster}/web/configmap_settings.yaml",
                        "change": "changed",
                        "object": configmap,
                    },
                    {
                        "path": f"{cluster}/web/deployment.apps_api.yaml",
                        "change": "changed",
                        "object": deployment,
                    },
                ],
                "replicas": [
                    {
                        "path": f"{cluster}/web/deployment.apps_api.yaml",
                        "object": deployment,
                        "change": "changed",
                        "before": before,
                        "after": after,
                    }
                ],
            }
            for cluster, before, after in (("east", 2, 4), ("west", 3, 1))
        ],
        "problems": [],
    }


def test_a_scale_up_that_lowers_a_cluster_is_flagged(repo: FleetRepo, run_cli: RunCli) -> None:
    # karmada#6735: the workload grows from 5 to 7 replicas, yet west loses two.
    repo.write_fleet(replicas=6, west_replicas=1)
    render_and_commit(repo, run_cli, "scale up, west down")
    result = run_cli("diff", "--base", "main", "--head", "HEAD", cwd=repo.path)
    assert result.code == 1, result.err
    assert result.out.endswith(
        "Replica changes:\n"
        "  east: Deployment web/api 2 -> 6\n"
        "  west: Deployment web/api 3 -> 1\n"
        "Scale-ups that lower a cluster's replicas (pods stop there; karmada#6735):\n"
        "  warning: west: Deployment web/api 3 -> 1 while the workload grows by 2\n"
    )
    markdown = run_cli("diff", "--base", "main", "--format", "markdown", cwd=repo.path).out
    assert (
        "> [!WARNING]\n> Scale-ups that lower a cluster's replicas (pods stop there; "
        "karmada#6735):\n> - west: Deployment web/api 3 → 1 while the workload grows by 2\n"
    ) in markdown
    document = json.loads(run_cli("diff", "--base", "main", "--format", "json", cwd=repo.path).out)
    assert document["scaleUpDecreases"] == [
        {
            "cluster": "west",
            "path": "west/web/deployment.apps_api.yaml",
            "object": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "namespace": "web",
                "name": "api",
            },
            "before": 3,
            "after": 1,
            "growth": 2,
        }
    ]


def test_markdown_comment(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write_fleet(replicas=4)
    render_and_commit(repo, run_cli, "more replicas")
    result = run_cli(
        "diff", "--base", "main", "--head", "HEAD", "--format", "markdown", cwd=repo.path
    )
    assert result.code == 1, result.err
    lines = result.out.splitlines()
    assert lines[0] == COMMENT_MARKER
    assert (
        f"Changes to `rendered/` from `main` (`{short(repo, 'main')}`) to `HEAD` "
        f"(`{short(repo, 'HEAD')}`): **1** cluster affected; objects: **0** added, "
        "**0** removed, **1** changed; **1** replica change." in lines
    )
    table = lines.index("| cluster | added | removed | changed | replicas |")
    assert lines[table + 1 : table + 4] == [
        "| --- | ---: | ---: | ---: | --- |",
        "| `east` | 0 | 0 | 1 | Deployment web/api 2 → 4 |",
        "",
    ]
    assert result.out.count("<details>") == result.out.count("</details>") == 1
    assert "<summary><code>east</code>: 1 changed</summary>" in lines
    assert "```diff" in lines
    assert "-  replicas: 2" in lines


def test_renamed_cluster(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write_fleet(clusters=("south", "west"))
    render_and_commit(repo, run_cli, "east is now south")
    result = run_cli("diff", "--base", "main", "--head", "HEAD", "--format", "json", cwd=repo.path)
    assert result.code == 1, result.err
    document = json.loads(result.out)
    assert document["summary"] == {
        "clusters": ["east", "south"],
        "objects": {"added": 3, "removed": 3, "changed": 0},
        "replicaChanges": 2,
    }
    east, south = document["clusters"]
    assert [(f["path"], f["change"]) for f in east["files"]] == [
        ("east/_cluster/namespace_web.yaml", "removed"),
        ("east/kustomization.yaml", "removed"),
        ("east/web/configmap_settings.yaml", "removed"),
        ("east/web/deployment.apps_api.yaml", "removed"),
    ]
    assert {f["change"] for f in south["files"]} == {"added"}
    assert [(r["before"], r["after"]) for r in east["replicas"]] == [(2, None)]
    assert [(r["before"], r["after"]) for r in south["replicas"]] == [(None, 2)]
    text = run_cli("diff", "--base", "main", "--head", "HEAD", cwd=repo.path)
    assert "  east: Deployment web/api 2 -> absent\n" in text.out
    assert "  south: Deployment web/api absent -> 2\n" in text.out
    assert "--- a/rendered/east/kustomization.yaml\n+++ /dev/null\n" in text.out
    assert "--- /dev/null\n+++ b/rendered/south/kustomization.yaml\n" in text.out


def test_work_tree_is_the_default_head_and_is_left_untouched(
    repo: FleetRepo, run_cli: RunCli
) -> None:
    """An uncommitted, unrendered change is diffed; nothing in the work tree or index moves."""
    repo.write("fleet/apps.yaml", apps_yaml(west_replicas=7))
    repo.write("notes.txt", "untracked\n")
    repo.repo.git.add("notes.txt")  # something staged too
    status = repo.status()  # git status may refresh the index: take it first
    mtimes = repo.mtimes()
    index = (repo.path / ".git" / "index").read_bytes()
    result = run_cli("diff", "--base", "HEAD", cwd=repo.path)
    assert result.code == 1, result.err
    assert f"rendered/ from HEAD ({short(repo, 'HEAD')}) to the work tree" in result.out
    assert "  west: Deployment web/api 3 -> 7\n" in result.out
    assert repo.mtimes() == mtimes
    assert (repo.path / ".git" / "index").read_bytes() == index
    assert repo.status() == status
    assert repo.repo.active_branch.name == "feature"


def test_head_revision_leaves_the_work_tree_untouched(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write_fleet(replicas=5)
    render_and_commit(repo, run_cli, "five")
    repo.write("fleet/apps.yaml", apps_yaml(replicas=9))  # uncommitted: not part of HEAD
    status = repo.status()  # git status may refresh the index: take it first
    mtimes = repo.mtimes()
    result = run_cli("diff", "--base", "main", "--head", "HEAD", cwd=repo.path)
    assert result.code == 1
    assert "  east: Deployment web/api 2 -> 5\n" in result.out
    assert repo.mtimes() == mtimes
    assert repo.status() == status


def test_no_differences_exit_zero(repo: FleetRepo, run_cli: RunCli) -> None:
    result = run_cli("diff", "--base", "main", cwd=repo.path)
    assert result.code == 0, result.err
    assert result.out == (
        f"no differences in rendered/ from main ({short(repo, 'main')}) to the work tree\n"
    )
    markdown = run_cli("diff", "--base", "main", "--format", "markdown", cwd=repo.path)
    assert markdown.code == 0
    assert markdown.out.startswith(COMMENT_MARKER + "\n")
    assert "no cluster receives anything new" in markdown.out
    data = run_cli("diff", "--base", "main", "--format", "json", cwd=repo.path)
    assert json.loads(data.out)["different"] is False


def test_a_comment_only_change_is_no_difference(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("fleet/apps.yaml", "# a comment\n" + apps_yaml())
    repo.commit("comment")
    result = run_cli("diff", "--base", "main", "--head", "HEAD", cwd=repo.path)
    assert result.code == 0


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_unknown_revision(repo: FleetRepo, run_cli: RunCli, option: str) -> None:
    args = ["--base", "main", "--head", "HEAD"]
    args[args.index(option) + 1] = "no-such-branch"
    result = run_cli("diff", *args, cwd=repo.path)
    assert result.code == 2
    assert result.out == ""
    assert "unknown revision 'no-such-branch'" in result.err
    assert "Traceback" not in result.err


def test_outside_a_repository(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("diff", "--base", "main", cwd=tmp_path)
    assert result.code == 2
    assert "is not inside a git repository" in result.err


def test_subdirectory_and_chdir(tmp_path: Path, run_cli: RunCli) -> None:
    """A monorepo with the fleet in deploy/: every way of pointing at it gives one diff."""
    repo = FleetRepo.create(tmp_path / "mono")
    repo.write("README.md", "monorepo\n")
    repo.write_fleet(prefix="deploy/")
    render_and_commit(repo, run_cli, "base", cwd=repo.path / "deploy")
    repo.write_fleet(prefix="deploy/", replicas=6)
    runs = {
        "in deploy/": run_cli("diff", "--base", "HEAD", cwd=repo.path / "deploy"),
        "-C deploy": run_cli("-C", "deploy", "diff", "--base", "HEAD", cwd=repo.path),
        "from the root": run_cli(
            "diff",
            "--base",
            "HEAD",
            "-f",
            "deploy/fleet",
            "--overlays",
            "deploy/overlays",
            "-o",
            "deploy/rendered",
            cwd=repo.path,
        ),
        "in deploy/fleet": run_cli(
            "diff", "--base", "HEAD", "-f", ".", "-o", "../rendered", cwd=repo.path / "deploy/fleet"
        ),
    }
    outputs = {name: (r.code, r.out) for name, r in runs.items()}
    assert len(set(outputs.values())) == 1, outputs
    code, out = outputs["in deploy/"]
    assert code == 1
    assert "--- a/deploy/rendered/east/web/deployment.apps_api.yaml\n" in out
    assert "  east: Deployment web/api 2 -> 6\n" in out
    assert "Summary of deploy/rendered/ from HEAD" in out


def test_invalid_head_is_reported_with_locations(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write(
        "fleet/apps.yaml",
        apps_yaml().replace("clusterName: west", "clusterName: wset"),
    )
    result = run_cli("diff", "--base", "main", cwd=repo.path)
    assert result.code == 2
    assert result.out == ""
    assert "fleet/apps.yaml:" in result.err
    assert "wset" in result.err
    repo.commit("broken")
    named = run_cli("diff", "--base", "main", "--head", "HEAD", cwd=repo.path)
    assert named.code == 2
    assert f"at head revision HEAD ({short(repo, 'HEAD')})" in named.err


def break_fleet(repo: FleetRepo) -> None:
    repo.write("fleet/apps.yaml", apps_yaml().replace("clusterName: west", "clusterName: wset"))


def test_invalid_base_falls_back_to_its_committed_output(repo: FleetRepo, run_cli: RunCli) -> None:
    """A broken spec reached main (rendered/ still the last good one); the fix gets a diff."""
    repo.repo.git.checkout("main")
    break_fleet(repo)
    repo.commit("broken, rendered/ not updated")
    repo.repo.git.checkout("-B", "fix")
    repo.write_fleet(replicas=4)
    render_and_commit(repo, run_cli, "fix, and four replicas")
    result = run_cli("diff", "--base", "main", "--head", "fix", "--format", "json", cwd=repo.path)
    assert result.code == 1
    document = json.loads(result.out)
    assert document["base"]["source"] == "committed"
    (problem,) = document["base"]["problems"]
    assert problem["severity"] == "error"
    assert problem["file"].startswith("fleet/")
    assert "wset" in problem["message"]
    assert document["problems"] == []
    assert document["summary"]["objects"] == {"added": 0, "removed": 0, "changed": 1}
    assert f"the fleet at main ({short(repo, 'main')}) is invalid (1 problem); compared with" in (
        result.err
    )
    assert "wset" in result.err
    markdown = run_cli(
        "diff", "--base", "main", "--head", "fix", "--format", "markdown", cwd=repo.path
    )
    assert "> **Note:** the fleet at main" in markdown.out
    strict = run_cli("diff", "--base", "main", "--head", "fix", "--strict", cwd=repo.path)
    assert strict.code == 2
    assert "at base revision main" in strict.err


def test_invalid_base_without_committed_output_is_an_error(
    repo: FleetRepo, run_cli: RunCli
) -> None:
    repo.repo.git.checkout("main")
    shutil.rmtree(repo.path / "rendered")
    break_fleet(repo)
    repo.commit("broken, no rendered/")
    repo.repo.git.checkout("-B", "fix")
    repo.write_fleet()
    result = run_cli("diff", "--base", "main", cwd=repo.path)
    assert result.code == 2
    assert "has no rendered output to compare with" in result.err
    assert "fleet/apps.yaml:" in result.err


def test_base_without_a_fleet_is_empty(tmp_path: Path, run_cli: RunCli) -> None:
    """The pull request that introduces kfedgen: everything is new."""
    repo = FleetRepo.create(tmp_path / "repo")
    repo.write("README.md", "before kfedgen\n")
    repo.commit("start")
    repo.write_fleet()
    result = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo.path)
    assert result.code == 1, result.err
    document = json.loads(result.out)
    assert document["base"]["source"] == "empty"
    assert document["summary"]["objects"] == {"added": 6, "removed": 0, "changed": 0}
    text = run_cli("diff", "--base", "HEAD", cwd=repo.path)
    assert text.out.startswith("note: HEAD (")
    assert "has neither a fleet nor a rendered output; everything is new" in text.out


def test_markdown_stays_under_the_comment_limit(
    repo: FleetRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    clusters = (*(f"c{i:02d}" for i in range(29)), "west")
    # Backticks in the content: the diff's fence must be longer than any run of them.
    repo.write_fleet(clusters=clusters, replicas=4, color="'```'")
    monkeypatch.chdir(repo.path)
    result = compute_diff(Options(), "main", None)
    whole = format_markdown(result)
    assert len(whole) > 20_000
    assert "\n````diff\n" in whole
    assert whole.count("<details>") == 31  # east removed, c00..c28 added, west changed
    limit = 8000
    cut = format_markdown(result, limit=limit)
    assert len(cut) <= limit
    assert cut.startswith(COMMENT_MARKER)
    assert "| `c28` |" in cut  # the table is always whole
    assert "more clusters not shown (comment size limit)" in cut
    assert "run `kfedgen diff --base main` to see it whole" in cut
    assert 0 < cut.count("<details>") == cut.count("</details>") < 31


def test_head_warnings_are_reported_in_the_chosen_format(repo: FleetRepo, run_cli: RunCli) -> None:
    repo.write("fleet/plain.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\n")
    text = run_cli("diff", "--base", "main", cwd=repo.path)
    assert text.code == 0
    assert "fleet/plain.yaml:2:1: warning: ConfigMap default/loose is a plain object" in text.err
    data = run_cli("diff", "--base", "main", "--format", "json", cwd=repo.path)
    document = json.loads(data.out)
    (warning,) = document["problems"]
    assert (warning["file"], warning["severity"]) == ("fleet/plain.yaml", "warning")
    assert document["different"] is False
    assert data.err == ""


def test_readme_example_is_real_output(tmp_path: Path, run_cli: RunCli) -> None:
    """The README's diff example is what kfedgen prints for the example fleet.

    If this fails after a change to the example fleet, regenerate the README's
    example with the change described there.
    """
    repo = FleetRepo.create(tmp_path / "example")
    for name in ("fleet", "overlays", "rendered"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo.path / name)
    repo.commit("the example fleet")
    nginx = repo.path / "fleet/nginx.yaml"
    changed = (
        nginx.read_text()
        .replace("image: nginx:1.16.1-alpine", "image: nginx:1.27.3-alpine", 1)
        .replace("value: 5", "value: 6", 1)
    )
    nginx.write_text(changed)
    readme = (ROOT / "README.md").read_text()
    sha = re.compile(r"`?main`? \(`?[0-9a-f]{7}`?\)")
    text = run_cli("diff", "--base", "main", cwd=repo.path)
    assert text.code == 1, text.err
    documented = (
        readme.split("### `diff` between revisions\n", 1)[1]
        .split("$ kfedgen diff --base main\n", 1)[1]
        .split("```", 1)[0]
    )
    assert sha.sub("main", text.out) == sha.sub("main", documented)
    markdown = run_cli("diff", "--base", "main", "--format", "markdown", cwd=repo.path)
    documented = readme.split("```markdown\n", 1)[1].split("...\n```", 1)[0]
    assert sha.sub("main", markdown.out).startswith(sha.sub("main", documented))
