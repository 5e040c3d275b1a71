"""The README's "Will it run there?" examples are real output of real fleets.

The ``validate`` blocks come from the fleet they describe (a 1.29 cluster, a 1.24 one and
a lab cluster that declares nothing), kept as a fixture; the EKS walkthrough from the
example fleet at the top of the repository.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ROOT, RunCli
from tests.feasibility.fleets import shop_fleet

SECTION = (ROOT / "README.md").read_text().split("## Will it run there?\n", 1)[1].split("\n## ")[0]
EMBEDDER_SELECTOR = "              - {namespace: ml, labels: {app: embedder}}\n"


def example_fleet(tmp_path: Path) -> Path:
    for directory in ("fleet", "overlays", "rendered"):
        shutil.copytree(ROOT / directory, tmp_path / directory)
    return tmp_path


def shown(command: str, out: str, err: str) -> bool:
    """Whether the section has a console block of ``$ kfedgen COMMAND`` with exactly this output."""
    return f"```console\n$ kfedgen {command}\n{out}{err}```" in SECTION


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_workload_that_fits(run_cli: RunCli, tmp_path: Path) -> None:
    args = ("explain", "Deployment/ml/train", "--cluster", "cluster2")
    result = run_cli(*args, cwd=example_fleet(tmp_path))
    assert result.code == 0, result.err
    assert result.err == ""
    assert shown(" ".join(args), result.out, result.err)
    assert "node-pools: passed" in result.out


def test_the_example_fleet_renders_strictly(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("render", "--strict", cwd=example_fleet(tmp_path)).code == 0


def test_without_its_profile_the_embedder_would_stay_pending(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = example_fleet(tmp_path)
    assert f"\n-{EMBEDDER_SELECTOR}" in SECTION  # the diff shown
    edit(directory / "fleet" / "fleet.yaml", EMBEDDER_SELECTOR, "")
    result = run_cli("render", cwd=directory)
    assert result.code == 0
    assert "cluster 'cluster3': Deployment/ml/embedder" in result.err
    assert "they would stay Pending" in result.err
    assert shown("render", result.out, result.err)
    assert run_cli("render", "--strict", cwd=directory).code == 2


def test_more_gpus_than_the_pool_has(run_cli: RunCli, tmp_path: Path) -> None:
    directory = example_fleet(tmp_path)
    edit(directory / "fleet" / "ml.yaml", "      replicas: 4\n", "      replicas: 10\n")
    check = run_cli("render", "--check", cwd=directory)
    assert check.code == 1
    assert shown("render --check", check.out, check.err)
    plan = run_cli("plan", cwd=directory)
    capacity = plan.out.split("\n\n")[1] + "\n"  # the table between replicas and traffic
    assert "short on gpu" in capacity
    assert f"```\n{capacity}```" in SECTION


def test_validate_reports_a_removed_api_and_a_missing_secret(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("validate", cwd=shop_fleet(tmp_path))
    assert result.code == 2
    assert "cluster 'eks-apne1': PodDisruptionBudget/shop/web" in result.err
    assert "cluster 'eks-euw1': Deployment/shop/web" in result.err
    assert shown("validate", result.out, result.err)


def test_validate_says_what_it_skipped_and_which_schemas_it_used(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("validate", cwd=shop_fleet(tmp_path, pdb_version="v1"))
    assert result.code == 0, result.err
    assert result.err.count("skipped for 1 of 3 clusters (lab)") == 2  # once per check
    assert "against Kubernetes 1.29: 0 problems" in result.err
    assert shown("validate", result.out, result.err)


def test_explain_shows_the_removed_api_of_a_fleet_that_fails(
    run_cli: RunCli, tmp_path: Path
) -> None:
    args = ("explain", "FederatedPodDisruptionBudget/shop/web", "--cluster", "eks-apne1")
    fleet = shop_fleet(tmp_path)
    result = run_cli(*args, cwd=fleet)
    assert result.code == 2
    assert "    api-versions: failed: apiVersion: policy/v1beta1 PodDisruptionBudget" in result.out
    # As a terminal shows it: the problems, the explanation, then the line that ends them.
    problems, _, last = result.err.rstrip("\n").rpartition("\n")
    assert last == "kfedgen: the fleet spec has 1 problem; nothing was written"
    assert shown(" ".join(args), f"{problems}\n", f"{result.out}{last}\n")
    document = json.loads(run_cli(*args, "--format", "json", cwd=fleet).out)
    excerpt = {
        "exitCode": document["exitCode"],
        "error": document["error"],
        "feasibility": document["clusters"][0]["feasibility"][0],
    }
    jq = "jq '{exitCode, error, feasibility: .clusters[0].feasibility[0]}'"
    command = " ".join(args) + f" --format json 2>/dev/null | {jq}"
    assert shown(command, json.dumps(excerpt, indent=2) + "\n", "")


def test_render_checks_each_cluster_against_its_versions_schemas(
    run_cli: RunCli, tmp_path: Path
) -> None:
    fixture = ROOT / "tests" / "commands" / "fixtures" / "schema-versions"
    assert "`tests/commands/fixtures/schema-versions/`" in SECTION
    shutil.copytree(fixture / "fleet", tmp_path / "fleet")
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "eks-apne1/Service/shop/web: unknown field 'trafficDistribution'" in result.err
    assert shown("render", result.out, result.err)
