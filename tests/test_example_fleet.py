"""The project's own example fleet: it renders, and the committed rendered/ is current."""

from __future__ import annotations

from pathlib import Path

from kfedgen.inputs import Options
from kfedgen.views.cached import check
from tests.conftest import ROOT


def test_committed_rendered_tree_is_current() -> None:
    _, diff = check(
        Options(fleet=(ROOT / "fleet",), overlays=ROOT / "overlays", output=ROOT / "rendered"), ROOT
    )
    stale = diff.added + diff.changed + diff.stale
    assert not stale, f"rendered/ is stale; run 'kfedgen render' and commit: {stale}"
    assert diff.foreign == []


def test_cluster1_gets_the_override(tmp_path: Path) -> None:
    text = (ROOT / "rendered" / "cluster1" / "shop" / "deployment.apps_nginx.yaml").read_text()
    assert "replicas: 5" in text
    assert "image: nginx:1.17.0-alpine" in text
    assert "shop.example.com/region: ap-northeast-1" in text
    text0 = (ROOT / "rendered" / "cluster0" / "shop" / "deployment.apps_nginx.yaml").read_text()
    assert "replicas: 3" in text0
    assert "image: nginx:1.16.1-alpine" in text0
