"""The compile cache: unchanged inputs are not compiled; a wrong cache never changes output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kfedgen import codedigest
from kfedgen.backend import compilecache
from kfedgen.backend.statcache import cache_dir
from kfedgen.inputs import Options
from kfedgen.source.load import SourceFile
from kfedgen.views.cached import check, render
from tests.conftest import RunCli, snapshot
from tests.fleets import write_versioned_fleet

# A plain object nothing federates: a warning, which a cached render must report too.
PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose, namespace: shop}\n"


def _fleet(tmp_path: Path, version: str = "v1") -> Options:
    fleet = tmp_path / "fleet"
    if fleet.exists():
        shutil.rmtree(fleet)
    write_versioned_fleet(fleet, version, clusters=3, objects=2)
    (fleet / "plain.yaml").write_text(PLAIN)
    return Options(fleet=(fleet,), overlays=None, output=tmp_path / "rendered")


def test_unchanged_inputs_are_not_compiled(tmp_path: Path) -> None:
    options = _fleet(tmp_path)
    first, diff = render(options, tmp_path)
    assert first.compiled and diff.added
    again, diff = render(options, tmp_path)
    assert not again.compiled, "answered from the compile cache"
    assert diff.is_current and sorted(diff.unchanged) == sorted(snapshot(options.output))
    assert again.clusters == 3
    assert [str(p) for p in again.problems.sorted()] == [str(p) for p in first.problems.sorted()]
    assert any("nothing federates" in str(p) for p in again.problems)
    checked, diff = check(options, tmp_path)
    assert not checked.compiled and diff.is_current


def test_any_input_change_compiles(tmp_path: Path) -> None:
    options = _fleet(tmp_path)
    render(options, tmp_path)
    options = _fleet(tmp_path, "v2")
    outcome, diff = render(options, tmp_path)
    assert outcome.compiled
    maps = [c for p, c in snapshot(options.output).items() if "configmap_cm" in p]
    assert diff.changed and maps and all(b"version: v2" in c for c in maps)
    # Options that change output are part of the key too.
    outcome, diff = render(Options(**{**vars(options), "namespace": "other"}), tmp_path)
    assert outcome.compiled


def test_an_edited_output_is_compiled_and_repaired(tmp_path: Path, run_cli: RunCli) -> None:
    options = _fleet(tmp_path)
    render(options, tmp_path)
    expected = snapshot(options.output)
    victim = next(options.output.glob("c000/shop/*.yaml"))
    victim.write_bytes(b"hand edit\n")
    (options.output / "c001" / "kustomization.yaml").unlink()
    outcome, diff = check(options, tmp_path)
    assert outcome.compiled
    assert len(diff.changed) == 1 and len(diff.added) == 1
    outcome, diff = render(options, tmp_path)
    assert outcome.compiled
    assert snapshot(options.output) == expected


@pytest.mark.parametrize(
    "damage",
    ["truncated", "not json", "bit flip", "another version"],
)
def test_a_corrupt_or_forged_cache_never_changes_output(tmp_path: Path, damage: str) -> None:
    options = _fleet(tmp_path)
    render(options, tmp_path)
    expected = snapshot(options.output)
    directory = cache_dir(options.output)
    assert directory is not None
    path = directory / compilecache.COMPILE_FILE
    raw = path.read_bytes()
    # The fleet changes: a cache that still answered would leave the old tree.
    options = _fleet(tmp_path, "v2")
    new_key = compilecache.compile_key(_sources(options, tmp_path), _fingerprint(options, tmp_path))
    document = json.loads(raw)
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "not json":
        path.write_bytes(b"\x00" * 10)
    elif damage == "bit flip":
        # The new fleet's key, without updating the checksum: corrupt, not trusted.
        document["body"]["entries"][0]["key"] = new_key
        path.write_text(json.dumps(document))
    else:
        document["version"] = 99
        path.write_text(json.dumps(document))
    outcome, diff = render(options, tmp_path)
    assert outcome.compiled
    assert diff.changed
    assert snapshot(options.output) != expected
    maps = [c for p, c in snapshot(options.output).items() if "configmap_cm" in p]
    assert maps and all(b"version: v2" in c for c in maps)


def test_switching_between_two_spellings_of_one_fleet_is_not_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = _fleet(tmp_path)
    monkeypatch.chdir(tmp_path)  # relative paths name files from the working directory
    spelled = Options(**{**vars(options), "fleet": (Path("fleet"),)})
    assert render(options, tmp_path)[0].compiled
    assert render(spelled, tmp_path)[0].compiled, "another spelling: messages name files as given"
    for _ in range(2):
        for each in (options, spelled):
            outcome, diff = render(each, tmp_path)
            assert not outcome.compiled and diff.is_current and not diff.changed
    # Only the last few are kept: four other fleets later, the first is compiled again.
    for version in ("v2", "v3", "v4", "v5"):
        render(_fleet(tmp_path, version), tmp_path)
    assert render(_fleet(tmp_path, "v5"), tmp_path)[0].compiled is False
    assert render(_fleet(tmp_path, "v1"), tmp_path)[0].compiled


def test_a_different_kfedgen_is_another_key(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(Path(compilecache.__file__).parent.parent, package)
    before = codedigest.code_digest(package)
    (package / "backend" / "emit.py").write_text("# edited\n", encoding="utf-8")
    assert codedigest.code_digest(package) != before


def test_cli_noop_render_reports_like_a_compiled_one(tmp_path: Path, run_cli: RunCli) -> None:
    options = _fleet(tmp_path)
    args = ("render", "-f", options.fleet[0], "-o", options.output)
    first = run_cli(*args, "--format", "json", cwd=tmp_path)
    second = run_cli(*args, "--format", "json", cwd=tmp_path)
    assert json.loads(second.out)["clusters"] == 3
    assert json.loads(second.out)["unchanged"] == len(snapshot(options.output))
    assert json.loads(second.out)["problems"] == json.loads(first.out)["problems"]


def _sources(options: Options, base: Path) -> list[SourceFile]:
    from kfedgen.errors import Problems  # noqa: PLC0415
    from kfedgen.pipeline import read_sources  # noqa: PLC0415

    return read_sources(options, base, Problems())


def _fingerprint(options: Options, base: Path) -> str:
    from kfedgen.inputs import fingerprint  # noqa: PLC0415

    return fingerprint(options, base)


def test_foreign_files_are_reported_from_the_cache_too(tmp_path: Path) -> None:
    options = _fleet(tmp_path)
    render(options, tmp_path)
    (options.output / "README.md").write_text("mine\n")
    (options.output / "c000" / "notes").mkdir()
    outcome, diff = render(options, tmp_path)
    assert not outcome.compiled
    assert diff.is_current and diff.foreign == ["README.md", "c000/notes/"]
    outcome, diff = check(options, tmp_path)
    assert not outcome.compiled and diff.foreign == ["README.md", "c000/notes/"]
