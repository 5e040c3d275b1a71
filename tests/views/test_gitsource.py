"""Reading the fleet from a git revision gives exactly what reading it from disk gives."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import git
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kfedgen.errors import KfedgenError, Problems
from kfedgen.pipeline import Options, read_sources
from kfedgen.source.load import SourceFile
from kfedgen.views.gitsource import RevisionReader, open_repository, resolve_revision
from tests.conftest import RunCli
from tests.gitutil import FleetRepo


def from_disk(options: Options, base: Path) -> tuple[list[SourceFile], list[str]]:
    """What render reads, run from ``base`` (paths are relative to the current directory)."""
    problems = Problems()
    with contextlib.chdir(base):
        sources = read_sources(options, Path.cwd(), problems)
    return sources, [str(p) for p in problems.sorted()]


def from_revision(
    repo: FleetRepo, options: Options, base: Path, rev: str = "HEAD"
) -> tuple[list[SourceFile], list[str]]:
    """What diff reads from ``rev``, run from ``base``."""
    problems = Problems()
    with contextlib.chdir(base), open_repository(Path.cwd()) as opened:
        reader = RevisionReader(opened, resolve_revision(opened, rev), Path.cwd())
        sources = reader.read_fleet(options, problems)
    return sources, [str(p) for p in problems.sorted()]


def populate(repo: FleetRepo, files: dict[str, str]) -> None:
    for name, text in files.items():
        repo.write(name, text)


def committed(path: Path, files: dict[str, str]) -> FleetRepo:
    """A repository whose one commit holds ``files``."""
    repo = FleetRepo.create(path)
    populate(repo, files)
    repo.commit("files")
    return repo


MIXED_TREE = {
    "fleet/b.yaml": "b: 1\n",
    "fleet/a.yml": "a: 1\n",
    "fleet/sub/deeper/c.yaml": "c: 1\n",
    "fleet/sub/notes.txt": "not yaml\n",
    "fleet/.hidden.yaml": "hidden: 1\n",
    "fleet/.git-like/d.yaml": "hidden dir\n",
    "fleet/Z.YAML": "upper-case suffix is not read\n",
    "overlays/o.yaml": "o: 1\n",
    "other/e.yaml": "e: 1\n",
    "other/explicit.txt": "given explicitly: read\n",
}


def test_same_sources_as_disk_with_hidden_files_suffixes_and_overlays(tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    populate(repo, MIXED_TREE)
    repo.commit("tree")
    options = Options(fleet=(Path("fleet"), Path("other/explicit.txt"), Path("other")))
    disk = from_disk(options, repo.path)
    revision = from_revision(repo, options, repo.path)
    assert revision == disk
    assert [s.display_name for s in revision[0]] == [
        "fleet/a.yml",
        "fleet/b.yaml",
        "fleet/sub/deeper/c.yaml",
        "other/e.yaml",
        "other/explicit.txt",
        "overlays/o.yaml",
    ]
    assert revision[0][0].content == b"a: 1\n"


def test_overlays_directory_is_optional(tmp_path: Path) -> None:
    repo = committed(tmp_path / "repo", {"fleet/a.yaml": "a: 1\n"})
    for options in (Options(), Options(overlays=None), Options(overlays=Path("fleet/a.yaml"))):
        assert from_revision(repo, options, repo.path) == from_disk(options, repo.path)
    assert [s.display_name for s in from_revision(repo, Options(), repo.path)[0]] == [
        "fleet/a.yaml"
    ]


def test_missing_fleet_is_the_same_problem(tmp_path: Path) -> None:
    repo = committed(tmp_path / "repo", {"README.md": "no fleet here\n"})
    options = Options(fleet=(Path("fleet"), Path("more.yaml")))
    revision = from_revision(repo, options, repo.path)
    assert revision == from_disk(options, repo.path)
    assert revision[1] == [
        "fleet: no such file or directory",
        "more.yaml: no such file or directory",
    ]


def test_reads_the_revision_not_the_work_tree(tmp_path: Path) -> None:
    repo = committed(tmp_path / "repo", {"fleet/a.yaml": "version: 1\n"})
    populate(repo, {"fleet/a.yaml": "version: 2\n", "fleet/b.yaml": "b: 1\n"})
    repo.commit("two")
    populate(repo, {"fleet/a.yaml": "version: 3\n"})
    (repo.path / "fleet" / "b.yaml").unlink()
    sources, _ = from_revision(repo, Options(), repo.path, "HEAD~1")
    assert sources == [SourceFile("fleet/a.yaml", b"version: 1\n")]
    sources, _ = from_revision(repo, Options(), repo.path, "HEAD")
    assert sources == [
        SourceFile("fleet/a.yaml", b"version: 2\n"),
        SourceFile("fleet/b.yaml", b"b: 1\n"),
    ]


def test_subdirectory_paths_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    """In a subdirectory, -f fleet means <subdirectory>/fleet, as it does for render."""
    repo = FleetRepo.create(tmp_path / "repo")
    populate(
        repo,
        {
            "deploy/fleet/a.yaml": "a: 1\n",
            "deploy/overlays/o.yaml": "o: 1\n",
            "shared/s.yaml": "s: 1\n",
            "fleet/root.yaml": "the root's fleet, not deploy's\n",
        },
    )
    repo.commit("monorepo")
    base = repo.path / "deploy"
    options = Options(fleet=(Path("fleet"), Path("../shared")))
    revision = from_revision(repo, options, base)
    assert revision == from_disk(options, base)
    assert [s.display_name for s in revision[0]] == [
        "../shared/s.yaml",
        "fleet/a.yaml",
        "overlays/o.yaml",
    ]


def test_paths_outside_the_repository_are_missing(tmp_path: Path) -> None:
    repo = committed(tmp_path / "repo", {"fleet/a.yaml": "a: 1\n"})
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.yaml").write_text("x: 1\n")
    _, problems = from_revision(repo, Options(fleet=(Path("../outside"),)), repo.path)
    assert problems == ["../outside: no such file or directory"]


def test_symlinks_are_followed_only_inside_the_walked_directory(tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    populate(
        repo,
        {
            "real/fleet/a.yaml": "a: 1\n",
            "real/fleet/sub/b.yaml": "b: 1\n",
            "secret/s.yaml": "secret: 1\n",
        },
    )
    links = {
        "fleet": "real/fleet",  # the fleet root itself is a symlink: followed
        "real/fleet/inside.yaml": "sub/b.yaml",  # a file inside: read
        "real/fleet/outside.yaml": "../../secret/s.yaml",  # a file outside: refused
        "real/fleet/linked-dir": "sub",  # a directory inside: not descended
        "real/fleet/escape": "../../secret",  # a directory outside: refused
        "real/fleet/dangling.yaml": "nowhere.yaml",  # dangling: cannot be read
        "real/fleet/loop.yaml": "loop.yaml",  # a loop: refused, as a loop
        "real/fleet/notes.txt": "../../secret/s.yaml",  # outside, whatever its name: refused
        "real/fleet/readme.txt": "sub/b.yaml",  # inside, not a fleet file's name: skipped
    }
    for name, target in links.items():
        (repo.path / name).symlink_to(target)
    repo.commit("links")
    disk = from_disk(Options(), repo.path)
    revision = from_revision(repo, Options(), repo.path)
    assert revision == disk
    assert [s.display_name for s in revision[0]] == [
        "fleet/a.yaml",
        "fleet/inside.yaml",
        "fleet/sub/b.yaml",
    ]
    assert revision[1] == [
        "fleet/dangling.yaml: cannot read file: No such file or directory",
        "fleet/escape: symlink points outside the fleet directory; refusing to follow it",
        "fleet/loop.yaml: symlink loop: following it never reaches a file; refusing to read it",
        "fleet/notes.txt: symlink points outside the fleet directory; refusing to follow it",
        "fleet/outside.yaml: symlink points outside the fleet directory; refusing to read it",
    ]


def test_unknown_revisions_and_places_that_are_not_repositories(tmp_path: Path) -> None:
    repo = committed(tmp_path / "repo", {"fleet/a.yaml": "a: 1\n"})
    opened = open_repository(repo.path / "fleet")
    assert Path(str(opened.working_tree_dir)) == repo.path
    for name in ("nope", "HEAD~5", "-h", "--output=/tmp/x", "HEAD:fleet/a.yaml"):
        with pytest.raises(KfedgenError, match=f"unknown revision '{name}'"):
            resolve_revision(opened, name)
    (tmp_path / "plain").mkdir()
    with pytest.raises(KfedgenError, match="is not inside a git repository"):
        open_repository(tmp_path / "plain")
    git.Repo.init(tmp_path / "bare.git", bare=True)
    with pytest.raises(KfedgenError, match="is a bare repository"):
        open_repository(tmp_path / "bare.git")


def test_revision_syntax_is_git_s(tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    populate(repo, {"fleet/a.yaml": "a: 1\n"})
    first = repo.commit("one")
    repo.repo.create_tag("v1")
    populate(repo, {"fleet/a.yaml": "a: 2\n"})
    second = repo.commit("two")
    opened = open_repository(repo.path)
    expected = {
        "HEAD": second,
        "main": second,
        "HEAD~1": first,
        "HEAD^": first,
        "v1": first,
        "v1^{}": first,
        first[:10]: first,
        ":/one": first,
    }
    for name, sha in expected.items():
        assert resolve_revision(opened, name).sha == sha, name


def test_read_output_keeps_only_what_kfedgen_owns(tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    populate(
        repo,
        {
            "rendered/.kfedgen/manifest.json": '{"files": {"east/a.yaml": "x"}}\n',
            "rendered/east/a.yaml": "a: 1\n",
            "rendered/README.md": "foreign\n",
            "plain/east/a.yaml": "no manifest\n",
        },
    )
    repo.commit("outputs")
    opened = open_repository(repo.path)
    reader = RevisionReader(opened, resolve_revision(opened, "HEAD"), repo.path)
    assert reader.read_output(Path("rendered")) == {
        ".kfedgen/manifest.json": b'{"files": {"east/a.yaml": "x"}}\n',
        "east/a.yaml": b"a: 1\n",
    }
    assert reader.read_output(Path("plain")) is None
    assert reader.read_output(Path("missing")) is None


NAMES = st.sampled_from(["a", "b", "web", ".hidden", "x y", "ü"])
SUFFIXES = st.sampled_from([".yaml", ".yml", ".txt", "", ".YAML"])
FILES = st.dictionaries(
    st.tuples(st.lists(NAMES, max_size=3).map(tuple), NAMES, SUFFIXES),
    st.binary(max_size=20),
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    files=FILES,
    fleet_roots=st.lists(st.sampled_from(["fleet", "fleet/a", "fleet/web", "other"]), min_size=1),
    subdir=st.booleans(),
)
def test_any_tree_reads_the_same_from_git_and_disk(
    files: dict[tuple[tuple[str, ...], str, str], bytes], fleet_roots: list[str], subdir: bool
) -> None:
    """Property: whatever the tree, a revision and a checkout of it read identically."""
    with tempfile.TemporaryDirectory() as directory:
        repo = FleetRepo.create(Path(directory) / "repo")
        prefix = "sub/" if subdir else ""
        written = False
        for (dirs, name, suffix), content in files.items():
            path = repo.path / prefix / "fleet" / Path(*dirs) / (name + suffix)
            if any(parent.is_file() for parent in path.parents) or path.is_dir():
                continue  # a file where a directory must go: not a tree
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written = True
        if not written:
            (repo.path / "placeholder").write_text("git needs a file to commit\n")
        repo.commit("generated")
        base = repo.path / "sub" if subdir else repo.path
        base.mkdir(exist_ok=True)
        options = Options(fleet=tuple(Path(root) for root in fleet_roots))
        assert from_revision(repo, options, base) == from_disk(options, base)


# --- One symlink rule for render (a checkout) and diff (a revision) -----------------

OUTSIDE = "symlink points outside the fleet directory; refusing to"

# (link in the fleet, its target, the problem both readers report or None: read)
LINK_CASES = [
    ("etcdir", "/etc", f"{OUTSIDE} follow it"),  # a directory outside the repository
    ("gone", "/nonexistent/dir", f"{OUTSIDE} follow it"),  # nothing there: still outside
    ("passwd.yaml", "/etc/passwd", f"{OUTSIDE} read it"),
    ("up", "..", f"{OUTSIDE} follow it"),  # the repository root
    ("readme.txt", "../README.md", f"{OUTSIDE} follow it"),  # any name, any kind
    ("back.yaml", "../fleet/apps.yaml", f"{OUTSIDE} read it"),  # leaves, then comes back
    ("through.yaml", "sub/../../README.yaml", f"{OUTSIDE} read it"),
    ("inside.yaml", "sub/cm.yaml", None),
    ("parent.yaml", "sub/../sub/cm.yaml", None),
]


def link_fleet(path: Path, link: str, target: str) -> FleetRepo:
    """The test fleet with one more symlink, committed on main, rendered nowhere yet."""
    repo = FleetRepo.create(path)
    repo.write_fleet()
    repo.write("README.md", "a fleet\n")
    repo.write("README.yaml", "outside: the fleet\n")
    repo.write("fleet/sub/cm.yaml", LINKED_CONFIGMAP)
    repo.commit("fleet")
    (repo.path / "fleet" / link).symlink_to(target)
    repo.commit("a symlink")
    return repo


LINKED_CONFIGMAP = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: linked, namespace: web}
spec:
  template: {data: {via: link}}
  placement: {clusterSelector: {}}
"""


@pytest.mark.parametrize(("link", "target", "problem"), LINK_CASES)
def test_render_and_diff_judge_a_symlink_alike(
    tmp_path: Path, run_cli: RunCli, link: str, target: str, problem: str | None
) -> None:
    """``render`` on the checkout and ``diff`` on the revision: the same verdict, same message."""
    repo = link_fleet(tmp_path / "repo", link, target)
    render = run_cli("render", "--check", cwd=repo.path)
    diff = run_cli("diff", "--base", "HEAD~1", "--head", "HEAD", cwd=repo.path)
    for result in (render, diff):
        if problem is None:
            assert result.code == 2, result.err  # read twice: through the link and directly
            assert "FederatedConfigMap/web/linked is defined twice" in result.err
        else:
            assert result.code == 2, result.err
            assert f"fleet/{link}: {problem}" in result.err
            assert "defined twice" not in result.err
    assert from_revision(repo, Options(), repo.path) == from_disk(Options(), repo.path)


def test_a_symlink_through_a_symlink_to_the_fleet_cannot_climb_out(tmp_path: Path) -> None:
    """``self -> .`` then ``self/..`` is the fleet's parent, as the kernel resolves it."""
    repo = FleetRepo.create(tmp_path / "repo")
    populate(repo, {"fleet/a.yaml": "a: 1\n", "secret.yaml": "secret: 1\n"})
    (repo.path / "fleet" / "self").symlink_to(".")
    (repo.path / "fleet" / "trick.yaml").symlink_to("self/../secret.yaml")
    (repo.path / "fleet" / "abs.yaml").symlink_to(repo.path / "fleet" / "a.yaml")
    repo.commit("links")
    disk = from_disk(Options(), repo.path)
    assert from_revision(repo, Options(), repo.path) == disk
    assert [s.display_name for s in disk[0]] == ["fleet/a.yaml", "fleet/abs.yaml"]
    assert disk[1] == [f"fleet/trick.yaml: {OUTSIDE} read it"]


LINK_NAMES = st.sampled_from(["l1.yaml", "l2", "sub/l3.yaml", "sub/l4", "self", "loop.yaml"])
LINK_TARGETS = st.sampled_from(
    [
        "a.yaml",
        "sub",
        "sub/b.yaml",
        "b.yaml",
        ".",
        "..",
        "../outside.yaml",
        "../fleet/a.yaml",
        "/etc",
        "/etc/passwd",
        "self/../outside.yaml",
        "self/a.yaml",
        "loop.yaml",
        "missing.yaml",
        "a.yaml/x",
        "sub/../a.yaml",
        "l2/b.yaml",
        "@fleet/a.yaml",  # absolute, into the fleet
        "@outside.yaml",  # absolute, into the repository
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(links=st.dictionaries(LINK_NAMES, LINK_TARGETS, max_size=4))
def test_any_symlinks_read_the_same_from_git_and_disk(links: dict[str, str]) -> None:
    """Property: whatever symlinks a fleet holds, the checkout and the revision agree."""
    with tempfile.TemporaryDirectory() as directory:
        repo = FleetRepo.create(Path(directory) / "repo")
        populate(
            repo,
            {"fleet/a.yaml": "a: 1\n", "fleet/sub/b.yaml": "b: 1\n", "outside.yaml": "o: 1\n"},
        )
        for name, target in links.items():
            link = repo.path / "fleet" / name
            absolute = target.startswith("@")
            link.symlink_to(repo.path / target[1:] if absolute else target)
        repo.commit("links")
        assert from_revision(repo, Options(), repo.path) == from_disk(Options(), repo.path)


# --- Missing and corrupt objects are the repository's state, not a bug -------------


def loose_object(repo: FleetRepo, sha: str) -> Path:
    return repo.path / ".git" / "objects" / sha[:2] / sha[2:]


def damaged(repo: FleetRepo, damage: str) -> str:
    """Damage the repository as a pruned or partial clone would be; the object's id."""
    git_cli = repo.repo.git
    if damage == "corrupt pack":
        git_cli.gc("--quiet")
        sha = str(git_cli.rev_parse("HEAD^{tree}"))
        pack = next((repo.path / ".git" / "objects" / "pack").glob("*.pack"))
        data = bytearray(pack.read_bytes())
        for index in range(200, len(data) - 100, 50):  # past the header, inside the objects
            data[index] ^= 0xFF
        pack.chmod(0o644)
        pack.write_bytes(bytes(data))
        return sha
    spec = {"blob": "HEAD:fleet/apps.yaml", "tree": "HEAD:fleet", "commit": "HEAD"}[damage]
    sha = str(git_cli.rev_parse(spec))
    loose_object(repo, sha).unlink()
    return sha


@pytest.mark.parametrize("damage", ["blob", "tree", "commit", "corrupt pack"])
def test_a_missing_or_corrupt_object_is_an_input_error(
    tmp_path: Path, run_cli: RunCli, damage: str
) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    repo.write_fleet()
    repo.commit("fleet")
    sha = damaged(repo, damage)
    result = run_cli("diff", "--base", "HEAD", cwd=repo.path)
    assert result.code == 2, result.err
    assert sha in result.err
    assert "git fetch" in result.err
    assert "bug" not in result.err
    assert "Traceback" not in result.err
    assert "Exception ignored" not in result.err


def test_a_truncated_loose_object_is_reported_with_its_id(tmp_path: Path, run_cli: RunCli) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    repo.write_fleet()
    repo.commit("fleet")
    sha = str(repo.repo.git.rev_parse("HEAD:fleet/fleet.yaml"))
    path = loose_object(repo, sha)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:20])
    result = run_cli("diff", "--base", "HEAD", cwd=repo.path)
    assert result.code == 2, result.err
    assert f"blob {sha} (fleet/fleet.yaml in HEAD (" in result.err
    assert "git fetch" in result.err
