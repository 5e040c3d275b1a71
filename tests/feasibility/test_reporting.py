"""How findings reach users, on the README's fleet: explain, JSON and GitHub formats."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli
from tests.feasibility.fleets import shop_fleet


def test_explain_says_why_a_reference_check_failed_and_which_passed(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = shop_fleet(tmp_path, pdb_version="v1")  # explain needs a fleet without errors
    args = ("explain", "Deployment/shop/web", "--cluster")
    failed = run_cli(*args, "eks-euw1", cwd=fleet)
    assert failed.code == 0, failed.err
    lines = failed.out.splitlines()
    start = lines.index("  will it run there:")
    assert lines[start + 1 : start + 3] == [
        "    api-versions: passed",
        "    references: failed: spec.template.spec.imagePullSecrets[0].name: Secret "
        "shop/registry-creds is not rendered to the cluster and not in its provides (render "
        "Secret shop/registry-creds to that cluster, or add {kind: Secret, namespace: shop, "
        "name: registry-creds} to its provides if the platform creates it)",
    ]
    passed = run_cli(*args, "eks-apne1", cwd=fleet).out
    assert "    references: passed\n" in passed
    skipped = run_cli(*args, "lab", cwd=fleet).out
    assert "will it run there" not in skipped  # the lab cluster declares nothing


def test_validate_json_lists_skipped_checks_and_schemas_per_version(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = shop_fleet(tmp_path, pdb_version="v1")
    result = run_cli("validate", "--format", "json", cwd=fleet)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    skipped = {s["check"]: (s["needs"], s["clusters"]) for s in document["feasibility"]["skipped"]}
    assert skipped == {
        "api-versions": ("kubernetesVersion", ["lab"]),
        "references": ("provides", ["lab"]),
        "fargate": ("compute.fargateProfiles", ["eks-apne1", "eks-euw1", "lab"]),
        "node-pools": ("compute.nodePools", ["eks-apne1", "eks-euw1", "lab"]),
    }
    # 1.24 has no bundled schemas; the lab cluster runs no declared version.
    assert document["feasibility"]["schemas"] == [
        {"version": "1.29", "objects": 3, "validated": 3, "problems": 0}
    ]
    [warning] = document["problems"]
    assert warning["severity"] == "warning"
    assert warning["message"].startswith("cluster 'eks-euw1': Deployment/shop/web")
    assert warning["hint"].startswith("render Secret shop/registry-creds")


def test_github_format_makes_findings_annotations(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("validate", "--format", "github", cwd=shop_fleet(tmp_path))
    assert result.code == 2
    assert (
        "::warning file=fleet/shop.yaml,line=7,col=1,title=kfedgen::cluster 'eks-euw1': "
        "Deployment/shop/web"
    ) in result.err
    assert "::error file=fleet/shop.yaml,line=22,col=1,title=kfedgen::cluster 'eks-apne1'" in (
        result.err
    )
    assert "skipped for" not in result.err  # the skipped checks are the text format's lines
