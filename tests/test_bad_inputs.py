"""The bad-input corpus: every fixture under tests/bad_inputs/ is a fleet file that must fail.

Each fixture declares what it expects in its leading comment lines (binary
fixtures in a sidecar ``<name>.expect`` file):

``# expect: FILE:LINE: TEXT``
    stderr has a problem at ``fleet/FILE:LINE:<column>`` whose message
    contains TEXT (repeatable; ``<fleet>: TEXT`` for problems of the whole
    fleet, which are reported at the fleet directory, ``fleet``, without a line);
``# problems: N``
    exactly N errors are reported (no follow-on errors beyond the expected ones);
``# expect: same-as-lf``
    the fixture is valid (a BOM, CRLF line ends) and renders the very bytes
    its UTF-8, LF-only, BOM-less twin renders;
``# with: NAME``
    ``_shared/NAME.yaml`` is copied into the fleet beside the fixture;
``# args: ARGS``
    extra arguments for ``kfedgen render``.

Every bad fixture must exit with 2, print no traceback, name file and line,
and leave the previously rendered tree exactly as it was.
"""

from __future__ import annotations

import re
import shlex
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import RunCli, snapshot

CORPUS = Path(__file__).parent / "bad_inputs"
SHARED = CORPUS / "_shared"
SAME_AS_LF = "same-as-lf"
_DIRECTIVE = re.compile(r"^#\s*(expect|with|args|problems):\s*(.*?)\s*$")
_EXPECTATION = re.compile(r"^(?P<file>[^:\s]+)(?::(?P<line>\d+))?: (?P<text>.+)$")


@dataclass
class Expectation:
    file: str
    line: int | None
    text: str

    def pattern(self) -> re.Pattern[str]:
        where = "fleet" if self.file == "<fleet>" else f"fleet/{self.file}"
        position = f":{self.line}:\\d+" if self.line is not None else ""
        return re.compile(f"^{re.escape(where)}{position}: .*{re.escape(self.text)}", re.M)


@dataclass
class Case:
    path: Path
    expectations: list[Expectation] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    valid: bool = False
    problems: int | None = None


def load_case(path: Path) -> Case:
    """Read a fixture's directives from its leading comments (or its .expect sidecar)."""
    sidecar = path.with_suffix(".expect")
    raw = sidecar.read_bytes() if sidecar.exists() else path.read_bytes()
    case = Case(path)
    for line in raw.decode("utf-8-sig", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        match = _DIRECTIVE.match(line.rstrip("\r"))
        if match is None:
            continue
        key, value = match.groups()
        if key == "with":
            case.shared.append(value)
        elif key == "args":
            case.args.extend(shlex.split(value))
        elif key == "problems":
            case.problems = int(value)
        elif value == SAME_AS_LF:
            case.valid = True
        else:
            parsed = _EXPECTATION.match(value)
            assert parsed, f"{path.name}: malformed expectation {value!r}"
            line_no = parsed["line"]
            case.expectations.append(
                Expectation(parsed["file"], int(line_no) if line_no else None, parsed["text"])
            )
    assert case.valid or case.expectations, f"{path.name} declares no expectation"
    return case


def discover(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def _params(directory: Path) -> list[pytest.param]:  # type: ignore[valid-type]
    return [pytest.param(path, id=path.stem) for path in discover(directory)]


@pytest.fixture(scope="module")
def previous_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid render of the shared inventory and workload: the 'last good output'."""
    from kfedgen.cli import main  # noqa: PLC0415 - run once for the module

    workdir = tmp_path_factory.mktemp("previous")
    fleet = workdir / "fleet"
    fleet.mkdir()
    for name in ("inventory", "web"):
        shutil.copy(SHARED / f"{name}.yaml", fleet / f"{name}.yaml")
    assert main(["-C", str(workdir), "render"]) == 0
    return workdir / "rendered"


def _setup(case: Case, workdir: Path, previous: Path, content: bytes | None = None) -> None:
    fleet = workdir / "fleet"
    fleet.mkdir(parents=True)
    for name in case.shared:
        shutil.copy(SHARED / f"{name}.yaml", fleet / f"{name}.yaml")
    target = fleet / case.path.name
    target.write_bytes(case.path.read_bytes() if content is None else content)
    shutil.copytree(previous, workdir / "rendered")


def check_bad(case: Case, run_cli: RunCli, workdir: Path, previous: Path) -> None:
    _setup(case, workdir, previous)
    before = snapshot(workdir / "rendered")
    result = run_cli("render", *case.args, cwd=workdir)
    assert result.code == 2, f"exit {result.code}\n{result.err}"
    assert "Traceback" not in result.err
    assert "nothing was written" in result.err
    for expectation in case.expectations:
        assert expectation.pattern().search(result.err), f"expected {expectation} in:\n{result.err}"
    if case.problems is not None:
        noun = "problem" if case.problems == 1 else "problems"
        assert f"the fleet spec has {case.problems} {noun};" in result.err, result.err
    assert snapshot(workdir / "rendered") == before
    assert sorted(p.name for p in workdir.iterdir()) == ["fleet", "rendered"]


def check_same_as_lf(case: Case, run_cli: RunCli, workdir: Path, previous: Path) -> None:
    raw = case.path.read_bytes()
    plain = raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    assert plain != raw, f"{case.path.name} has neither a BOM nor CRLF line ends"
    trees = []
    for label, content in (("as-is", raw), ("plain", plain)):
        _setup(case, workdir / label, previous, content)
        result = run_cli("render", *case.args, cwd=workdir / label)
        assert result.code == 0, result.err
        trees.append(snapshot(workdir / label / "rendered"))
    assert trees[0] == trees[1]
    assert trees[0] != snapshot(previous), "the fixture should render something of its own"


def run_case(path: Path, run_cli: RunCli, tmp_path: Path, previous: Path) -> None:
    case = load_case(path)
    if case.valid:
        check_same_as_lf(case, run_cli, tmp_path, previous)
    else:
        check_bad(case, run_cli, tmp_path, previous)


@pytest.mark.parametrize("path", _params(CORPUS))
def test_bad_input(path: Path, run_cli: RunCli, tmp_path: Path, previous_tree: Path) -> None:
    run_case(path, run_cli, tmp_path, previous_tree)


@pytest.mark.parametrize("path", _params(CORPUS / "rsp"))
def test_bad_rsp(path: Path, run_cli: RunCli, tmp_path: Path, previous_tree: Path) -> None:
    run_case(path, run_cli, tmp_path, previous_tree)


def test_corpus_is_complete() -> None:
    """The corpus keeps its size, and every fixture parses its own directives."""
    cases = [load_case(p) for p in discover(CORPUS)]
    bad = [c for c in cases if not c.valid]
    assert len(bad) >= 60
    assert len(discover(CORPUS / "rsp")) >= 7
    for case in [*cases, *map(load_case, discover(CORPUS / "rsp"))]:
        for name in case.shared:
            assert (SHARED / f"{name}.yaml").is_file(), f"{case.path.name}: no _shared/{name}"


def _bomb(levels: int, prefix: str = "a") -> str:
    lines = [f"{prefix}0: &{prefix}0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        previous = f"*{prefix}{level - 1}"
        lines.append(f"{prefix}{level}: &{prefix}{level} [{', '.join([previous] * 10)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # 10^9 strings if expanded
        ("billion-laughs.yaml", _bomb(9)),
        # 10^12: the counter stops it just as early
        ("trillion-laughs.yaml", _bomb(12)),
        # 200 documents that each stay under the limit but not together
        ("many-small-bombs.yaml", "---\n".join(_bomb(4, f"d{i}x") for i in range(200))),
    ],
)
def test_alias_bombs_fail_fast(name: str, text: str, tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    shutil.copy(SHARED / "inventory.yaml", tmp_path / "fleet" / "inventory.yaml")
    (tmp_path / "fleet" / name).write_text(text)
    started = time.monotonic()
    result = run_cli("validate", cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert result.code == 2
    assert f"fleet/{name}:" in result.err
    assert "aliases expand to more than 100000 YAML nodes in this file" in result.err
    assert elapsed < 1.0, f"took {elapsed:.2f}s"


def test_ordinary_aliases_are_fine(tmp_path: Path, run_cli: RunCli) -> None:
    """Reusing a label map in every cluster of a large inventory is not a bomb."""
    clusters = "\n".join(f"    - {{name: c{i}, labels: *common}}" for i in range(1, 2000))
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n"
        "    - {name: c0, labels: &common {env: prod, provider: aws, region: east, tier: gold}}\n"
        f"{clusters}\n"
    )
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 0, result.err
