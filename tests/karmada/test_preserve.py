"""``preserveResourcesOnDeletion: true`` becomes the engines' no-prune annotations.

Argo CD: ``argocd.argoproj.io/sync-options: Prune=false``; Flux:
``kustomize.toolkit.fluxcd.io/prune: disabled`` -- for the engines the Fleet enables, both
when it enables none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import RunCli
from tests.fleets import compile_fleet, to_yaml
from tests.karmada._documents import configmap, deployment, policy, rendered, selector

ARGO = "argocd.argoproj.io/sync-options"
FLUX = "kustomize.toolkit.fluxcd.io/prune"


def _fleet(gitops: dict[str, Any] | None) -> str:
    spec: dict[str, Any] = {
        "clusters": [
            {"name": "eu", "server": "https://eu.example.com"},
            {"name": "us", "server": "https://us.example.com"},
        ]
    }
    if gitops is not None:
        spec["gitops"] = {
            "repoURL": "https://git.example.com/fleet.git",
            "targetRevision": "main",
            **gitops,
        }
    return to_yaml(
        {
            "apiVersion": "kfedgen.io/v1alpha1",
            "kind": "Fleet",
            "metadata": {"name": "t"},
            "spec": spec,
        }
    )


def _annotations(gitops: dict[str, Any] | None, **web: Any) -> dict[str, dict[str, str]]:
    kept = deployment()
    kept["metadata"]["annotations"] = web or None
    if not web:
        del kept["metadata"]["annotations"]
    compilation = compile_fleet(
        _fleet(gitops),
        [
            kept,
            configmap(),
            policy(
                "keep",
                selectors=[selector(name="web")],
                preserveResourcesOnDeletion=True,
            ),
            policy("plain", selectors=[selector("ConfigMap")]),
        ],
    )
    assert all(
        "annotations" not in o.manifest["metadata"]
        for o in rendered(compilation, "ConfigMap", "settings").values()
    )
    return {
        cluster: dict(o.manifest["metadata"]["annotations"])
        for cluster, o in rendered(compilation).items()
    }


@pytest.mark.parametrize(
    ("gitops", "expected"),
    [
        ({"argocd": {"enabled": True}}, {ARGO: "Prune=false"}),
        ({"flux": {"enabled": True, "localCluster": "eu"}}, {FLUX: "disabled"}),
        (
            {"argocd": {"enabled": True}, "flux": {"enabled": True, "localCluster": "eu"}},
            {ARGO: "Prune=false", FLUX: "disabled"},
        ),
        (None, {ARGO: "Prune=false", FLUX: "disabled"}),
    ],
    ids=["argocd", "flux", "both", "no-gitops-section"],
)
def test_the_annotations_of_the_enabled_engines(
    gitops: dict[str, Any] | None, expected: dict[str, str]
) -> None:
    assert _annotations(gitops) == {"eu": expected, "us": expected}


def test_other_sync_options_are_kept_and_a_prune_option_replaced() -> None:
    got = _annotations(
        {"argocd": {"enabled": True}}, **{ARGO: "ServerSideApply=true, Prune=confirm"}
    )
    assert got["eu"] == {ARGO: "ServerSideApply=true,Prune=false"}


def test_render_writes_the_annotation(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(_fleet({"argocd": {"enabled": True}}))
    keep = policy("keep", selectors=[selector(name="web")], preserveResourcesOnDeletion=True)
    (tmp_path / "fleet" / "web.yaml").write_text(to_yaml(deployment(), keep))
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    written = yaml.safe_load((tmp_path / "rendered/eu/app/deployment.apps_web.yaml").read_text())
    assert written["metadata"]["annotations"] == {ARGO: "Prune=false"}
