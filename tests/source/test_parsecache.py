"""The parse cache: unchanged files are not parsed again; anything doubtful is."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kfedgen.errors import Problems
from kfedgen.source import load, parsecache
from kfedgen.source.files import LoadOptions, SourceFile
from kfedgen.source.load import parse_sources
from kfedgen.source.parsecache import PARSE_DIRECTORY, entry_key, parse_cached

GOOD = SourceFile("fleet/a.yaml", b"a: &x {b: [1, 2]}\nc: *x\n---\nd: '08'\n")
OTHER = SourceFile("fleet/b.yaml", b"e: f\n")
BROKEN = SourceFile("fleet/bad.yaml", b"a: [unclosed\n")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files actually parsed."""
    seen: list[str] = []
    real = load.parse_file

    def counting(
        source: SourceFile, problems: Problems, options: LoadOptions
    ) -> list[load.Document]:
        seen.append(source.display_name)
        return real(source, problems, options)

    monkeypatch.setattr(parsecache, "parse_file", counting)
    return seen


def parse(sources: list[SourceFile], caches: Path) -> tuple[list[object], list[str]]:
    problems = Problems()
    documents = parse_cached(sources, problems, LoadOptions(), caches)
    return [(d.data, d.file, d.index, d.positions) for d in documents], [str(p) for p in problems]


def expected(sources: list[SourceFile]) -> tuple[list[object], list[str]]:
    problems = Problems()
    documents = parse_sources(sources, problems, LoadOptions())
    return [(d.data, d.file, d.index, d.positions) for d in documents], [str(p) for p in problems]


def test_unchanged_files_are_loaded_not_parsed(tmp_path: Path, parses: list[str]) -> None:
    assert parse([GOOD, OTHER], tmp_path) == expected([GOOD, OTHER])
    assert parses == ["fleet/a.yaml", "fleet/b.yaml"]
    edited = SourceFile("fleet/b.yaml", b"e: g\n")
    assert parse([GOOD, edited], tmp_path) == expected([GOOD, edited])
    assert parses[2:] == ["fleet/b.yaml"]
    # The alias still shares one mapping, as libyaml built it.
    problems = Problems()
    first = parse_cached([GOOD], problems, LoadOptions(), tmp_path)[0]
    assert first.data["a"] is first.data["c"]
    # Only the entries the last parse used are kept.
    assert len(list((tmp_path / PARSE_DIRECTORY).iterdir())) == 1


def test_files_with_problems_are_parsed_every_time(tmp_path: Path, parses: list[str]) -> None:
    for _ in range(2):
        assert parse([BROKEN], tmp_path) == expected([BROKEN])
    assert parses == ["fleet/bad.yaml", "fleet/bad.yaml"]


@pytest.mark.parametrize("damage", ["truncated", "bit flip", "not a pickle", "empty"])
def test_a_damaged_entry_is_parsed_again(tmp_path: Path, parses: list[str], damage: str) -> None:
    parse([GOOD], tmp_path)
    entry = tmp_path / PARSE_DIRECTORY / entry_key(GOOD, LoadOptions())
    raw = entry.read_bytes()
    if damage == "truncated":
        raw = raw[:-5]
    elif damage == "bit flip":
        raw = raw[:-4] + bytes([raw[-4] ^ 0x10]) + raw[-3:]
    elif damage == "not a pickle":
        payload = b"definitely not"
        raw = hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    else:
        raw = b""
    entry.write_bytes(raw)
    assert parse([GOOD], tmp_path) == expected([GOOD])
    assert parses == ["fleet/a.yaml", "fleet/a.yaml"]


def test_the_key_covers_name_bytes_limits_and_code(monkeypatch: pytest.MonkeyPatch) -> None:
    key = entry_key(GOOD, LoadOptions())
    assert entry_key(SourceFile("fleet/z.yaml", GOOD.content), LoadOptions()) != key
    assert entry_key(SourceFile(GOOD.display_name, GOOD.content + b"#\n"), LoadOptions()) != key
    assert entry_key(GOOD, LoadOptions(max_nodes=7)) != key
    monkeypatch.setattr(parsecache, "running_code_digest", lambda: "another kfedgen")
    assert entry_key(GOOD, LoadOptions()) != key
