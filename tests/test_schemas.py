"""The repository's schemas/ directory is the same as the schemas shipped in the package."""

from __future__ import annotations

from tests.conftest import ROOT


def test_repository_schemas_match_the_package() -> None:
    shipped = {p.name: p.read_bytes() for p in (ROOT / "kfedgen" / "schemas").glob("*.json")}
    published = {p.name: p.read_bytes() for p in (ROOT / "schemas").glob("*.json")}
    assert sorted(published) == sorted(shipped)
    for name, content in shipped.items():
        assert published[name] == content, f"schemas/{name} differs from kfedgen/schemas/{name}"
