"""Headroom on a Fargate-only cluster: no placeholders (no nodes to keep spare)."""

from __future__ import annotations

from kfedgen.pipeline import Options, compile_fleet
from tests.conftest import ROOT


def test_the_example_fleets_fargate_cluster_gets_no_placeholder() -> None:
    options = Options(fleet=(ROOT / "fleet",), overlays=ROOT / "overlays", output=ROOT / "rendered")
    compilation = compile_fleet(options, ROOT)
    placeholders = sorted(
        (o.cluster, o.name) for o in compilation.objects if o.name.endswith("-headroom")
    )
    # embedder runs in cluster2 (node pools) and cluster3 (Fargate only): only cluster2 keeps
    # spare nodes for it; no PriorityClass is rendered where no placeholder is.
    assert placeholders == [
        ("cluster0", "checkout-headroom"),
        ("cluster1", "checkout-headroom"),
        ("cluster2", "embedder-headroom"),
        ("cluster2", "train-headroom"),
    ]
    classes = sorted(o.cluster for o in compilation.objects if o.kind == "PriorityClass")
    assert classes == ["cluster0", "cluster1", "cluster2"]
    assert {o.cluster for o in compilation.objects if o.name == "embedder"} == {
        "cluster2",
        "cluster3",
    }
