"""The README's Karmada example is the karmada-hello golden case, document for document."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.conftest import (
    GOLDEN,
    ROOT,
    RunCli,
)

CASE = GOLDEN / "karmada-hello"


def readme_documents() -> list[dict[str, object]]:
    section = (ROOT / "README.md").read_text().split("## Karmada policies\n", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    return list(yaml.safe_load_all(block))


def golden_documents() -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for path in [CASE / "fleet" / "hello.yaml", CASE / "overlays" / "ap-registry.yaml"]:
        docs.extend(yaml.safe_load_all(path.read_text()))
    return [d for d in docs if str(d["apiVersion"]).startswith("policy.karmada.io")]


def test_the_readme_policies_are_the_golden_ones() -> None:
    assert readme_documents() == golden_documents()


def test_the_readme_states_the_golden_result() -> None:
    expected = CASE / "expected"
    for cluster, count in (("eu", 2), ("ap", 1), ("us", 2)):
        text = (expected / cluster / "hello" / "deployment.apps_hello.yaml").read_text()
        assert f"replicas: {count}\n" in text
    ap = (expected / "ap" / "hello" / "deployment.apps_hello.yaml").read_text()
    assert "image: mirror.ap.example.com/hello/web:1.4.2" in ap
    section = (ROOT / "README.md").read_text().split("## Karmada policies\n", 1)[1]
    assert "`replicas: 1` and image `mirror.ap.example.com/hello/web:1.4.2`" in section


def test_the_readme_shows_real_plan_and_explain_output(run_cli: RunCli, tmp_path: Path) -> None:
    for part in ("fleet", "overlays"):
        shutil.copytree(CASE / part, tmp_path / part)
    section = (ROOT / "README.md").read_text().split("## Karmada policies\n", 1)[1]
    for args in (("plan",), ("explain", "Deployment/hello/hello", "--cluster", "ap")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.code == 0, result.err
        assert f"$ kfedgen {' '.join(args)}\n{result.out}" in section


def test_the_readme_shows_the_example_fleets_karmada_workload(
    run_cli: RunCli, tmp_path: Path
) -> None:
    for directory in ("fleet", "overlays", "rendered"):
        shutil.copytree(ROOT / directory, tmp_path / directory)
    section = (ROOT / "README.md").read_text().split("## Karmada policies\n", 1)[1]
    for args in (
        ("explain", "Deployment/shop/storefront", "--cluster", "cluster1"),
        ("explain", "ConfigMap/shop/storefront-settings"),
    ):
        result = run_cli(*args, cwd=tmp_path)
        assert result.code == 0, result.err
        assert f"$ kfedgen {' '.join(args)}\n{result.out}" in section
    for cluster in ("cluster0", "cluster1"):
        settings = ROOT / "rendered" / cluster / "shop" / "configmap_storefront-settings.yaml"
        assert "argocd.argoproj.io/sync-options: Prune=false\n" in settings.read_text()
    rendered = ROOT / "rendered"
    for cluster, replicas, region in (
        ("cluster0", 3, "us-east-2"),
        ("cluster1", 1, "ap-northeast-1"),
    ):
        text = (rendered / cluster / "shop" / "deployment.apps_storefront.yaml").read_text()
        assert f"replicas: {replicas}\n" in text
        assert f"image: 123456789012.dkr.ecr.{region}.amazonaws.com/shop/storefront:1.4.0\n" in text
        assert "argocd.argoproj.io/sync-options: Prune=false\n" in text
        assert "kustomize.toolkit.fluxcd.io/prune" not in text


def test_the_readme_shows_the_missing_dependency_warning(run_cli: RunCli, tmp_path: Path) -> None:
    for part in ("fleet", "overlays"):
        shutil.copytree(GOLDEN / "karmada-deps" / part, tmp_path / part)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    (warning,) = [line for line in result.err.splitlines() if "worker-flags" in line]
    section = (ROOT / "README.md").read_text().split("## Karmada policies\n", 1)[1]
    assert f"```\n{warning}\n```" in section
