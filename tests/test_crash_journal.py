"""Crash safety of the in-place write: SIGKILL at every step of the journal path.

A small change (one object edited, one namespace and its object removed, one
added) is written in place through a journal (:mod:`kfedgen.backend.journal`).
A real render is killed with SIGKILL at chosen moments: while it stages files,
before and after the journal is committed, midway through the renames, before
the manifest's rename, among the unlinks and before the journal is deleted.  An
audit hook installed before ``kfedgen.__main__`` runs picks the moment (the
Nth ``os.rename``, ``open`` or ``os.remove`` of a given kind), so each kill
lands exactly where it is meant to.  Before the commit the tree must be the old
one, byte for byte, as it is on disk; after it, the next kfedgen command —
whichever: ``validate``, ``plan``, ``render --check``, ``explain`` — must leave
exactly the new tree.  Foreign files and directories are never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kfedgen.backend.journal import Journal, journal_path, staging_path

CLUSTERS = 120
OBJECTS = 12

HOOK = """
import os, signal, sys
event, needle, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = 0
def hook(name, args):
    global seen
    if name == event and args and needle in str(args[0]):
        seen += 1
        if seen == nth:
            os.kill(os.getpid(), signal.SIGKILL)
sys.addaudithook(hook)
sys.argv = ["kfedgen", *sys.argv[4:]]
from kfedgen.__main__ import main
raise SystemExit(main())
"""


def write_fleet(directory: Path, version: str) -> Path:
    """``old`` and ``new`` differ in one object, a removed namespace and an added one."""
    directory.mkdir(parents=True)
    inventory = "\n".join(
        f"    - {{name: c{i:03d}, labels: {{shard: s{i % 4}}}}}" for i in range(CLUSTERS)
    )
    gone_or_added = "gone" if version == "old" else "added"
    documents = [
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n" + inventory,
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: shop, namespace: shop}\nspec: {placement: {clusterSelector: {}}}",
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        f"metadata: {{name: {gone_or_added}, namespace: {gone_or_added}}}\n"
        "spec: {placement: {clusterSelector: {matchLabels: {shard: s1}}}}",
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        f"metadata: {{name: extra, namespace: {gone_or_added}}}\n"
        "spec:\n  template: {data: {a: b}}\n"
        "  placement: {clusterSelector: {matchLabels: {shard: s1}}}",
    ]
    for j in range(OBJECTS):
        value = f"{version}-{j}" if j == 3 else f"same-{j}"
        documents.append(
            "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
            f"metadata: {{name: cm{j:02d}, namespace: shop}}\n"
            f"spec:\n  template: {{data: {{value: '{value}'}}}}\n"
            "  placement: {clusterSelector: {}}"
        )
    (directory / "fleet.yaml").write_text("\n---\n".join(documents) + "\n")
    return directory


def kfedgen(workdir: Path, *args: str, hook: tuple[str, str, int] | None = None) -> int:
    prefix = [sys.executable, "-c", HOOK, *map(str, hook)] if hook else [sys.executable, "-m"]
    command = [*prefix, *([] if hook else ["kfedgen"]), "-C", str(workdir), *args]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if hook is None:
        assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode


@dataclass(frozen=True)
class State:
    """Everything under a directory: file bytes, and every directory (empty ones too)."""

    files: dict[str, bytes]
    directories: frozenset[str]


def state(root: Path) -> State:
    files, directories = {}, set()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir() and not path.is_symlink():
            directories.add(relative)
        else:
            files[relative] = path.read_bytes()
    return State(files, frozenset(directories))


FOREIGN = {"README.md": b"mine\n", "c000/shop/notes.txt": b"keep me\n"}
FOREIGN_EMPTY = "c001/keep"  # an empty foreign directory, inside a cluster kfedgen writes


def add_foreign(output: Path) -> dict[str, os.stat_result]:
    for path, content in FOREIGN.items():
        (output / path).write_bytes(content)
    (output / FOREIGN_EMPTY).mkdir()
    return {path: (output / path).lstat() for path in [*FOREIGN, FOREIGN_EMPTY]}


def assert_foreign_untouched(output: Path, before: dict[str, os.stat_result]) -> None:
    for path, status in before.items():
        now = (output / path).lstat()
        assert (now.st_ino, now.st_mtime_ns, now.st_mode) == (
            status.st_ino,
            status.st_mtime_ns,
            status.st_mode,
        ), path
        if path in FOREIGN:
            assert (output / path).read_bytes() == FOREIGN[path]
    assert list((output / FOREIGN_EMPTY).iterdir()) == []


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, State]]:
    """Version -> (fleet, the exact output state it renders to, foreign files included)."""
    base = tmp_path_factory.mktemp("journal")
    result = {}
    for version in ("old", "new"):
        fleet = write_fleet(base / f"fleet-{version}", version)
        workdir = base / f"snapshot-{version}"
        workdir.mkdir()
        (workdir / "rendered" / "c000" / "shop").mkdir(parents=True)
        (workdir / "rendered" / "c001").mkdir()
        add_foreign(workdir / "rendered")
        assert kfedgen(workdir, "render", "-f", str(fleet)) == 0
        result[version] = (fleet, state(workdir / "rendered"))
    return result


def changed_files(trees: dict[str, tuple[Path, State]]) -> tuple[int, int]:
    """(files the new render writes, manifest included; files it removes)."""
    old, new = trees["old"][1].files, trees["new"][1].files
    return sum(old.get(p) != c for p, c in new.items()), len(old.keys() - new.keys())


def prepared(
    tmp_path: Path, trees: dict[str, tuple[Path, State]]
) -> tuple[Path, dict[str, os.stat_result]]:
    """An output rendered from the old fleet, with foreign files; its workdir and their stats."""
    workdir = tmp_path / "repo"
    workdir.mkdir()
    (workdir / "rendered" / "c000" / "shop").mkdir(parents=True)
    (workdir / "rendered" / "c001").mkdir()
    add_foreign(workdir / "rendered")
    assert kfedgen(workdir, "render", "-f", str(trees["old"][0])) == 0
    assert state(workdir / "rendered") == trees["old"][1]
    # Taken after the first render, which rebuilt the tree (new directory inodes).
    foreign = {p: (workdir / "rendered" / p).lstat() for p in [*FOREIGN, FOREIGN_EMPTY]}
    return workdir, foreign


def test_the_small_change_is_written_in_place(
    trees: dict[str, tuple[Path, State]], tmp_path: Path
) -> None:
    """The premise of the kills below: the change takes the journal path, not the swap."""
    workdir, foreign = prepared(tmp_path, trees)
    output = workdir / "rendered"
    unchanged = output / "c000" / "shop" / "configmap_cm00.yaml"
    inodes = unchanged.lstat().st_ino, output.lstat().st_ino
    assert kfedgen(workdir, "render", "-f", str(trees["new"][0])) == 0
    assert state(output) == trees["new"][1]
    # Not relinked, not swapped: the tree was changed where it is.
    assert (unchanged.lstat().st_ino, output.lstat().st_ino) == inodes
    assert not (output / "c001" / "gone").exists()  # emptied directories are removed
    assert_foreign_untouched(output, foreign)
    assert sorted(p.name for p in workdir.iterdir() if "kfedgen-" in p.name) == []
    assert kfedgen(workdir, "render", "--check", "-f", str(trees["new"][0])) == 0


# (audit event, a substring of its first argument, which occurrence; committed?)
def kill_points(writes: int, removals: int) -> list[tuple[str, str, int, bool]]:
    return [
        ("open", "kfedgen-stage-", 1, False),  # the first staged file
        ("open", "kfedgen-stage-", writes // 2, False),  # midway through staging
        ("open", "kfedgen-journal-", 1, False),  # while the journal is written
        ("os.rename", "kfedgen-journal-", 1, False),  # the journal complete, not in place
        ("os.rename", "kfedgen-stage-", 1, True),  # committed, nothing renamed
        ("os.rename", "kfedgen-stage-", writes // 2, True),  # midway through the renames
        ("os.rename", "kfedgen-stage-", writes, True),  # all renamed but the manifest
        ("os.remove", "rendered/", 1, True),  # the first removal
        ("os.remove", "rendered/", removals // 2, True),  # midway through the removals
        ("os.rmdir", "rendered/", 1, True),  # removing emptied directories
        ("os.remove", ".rendered.kfedgen-journal", 1, True),  # all done but the journal
    ]


NEXT_COMMANDS = (
    ("validate",),
    ("plan",),
    ("render", "--check"),
    ("explain", "ConfigMap/shop/cm03"),
)


@pytest.mark.parametrize("step", range(11))
def test_sigkill_at_each_step_of_the_journal(
    trees: dict[str, tuple[Path, State]], tmp_path: Path, step: int
) -> None:
    writes, removals = changed_files(trees)
    event, needle, nth, committed = kill_points(writes, removals)[step]
    workdir, foreign = prepared(tmp_path, trees)
    output = workdir / "rendered"
    new_fleet = str(trees["new"][0])
    code = kfedgen(workdir, "render", "-f", new_fleet, hook=(event, needle, nth))
    assert code == -9, f"the render was not killed at {event} {needle} #{nth}"
    assert journal_path(output).exists() == committed
    if not committed:
        assert state(output) == trees["old"][1]  # as it is on disk, before any command
    # The next command, whatever it is, sees (and leaves) exactly the old or the new tree.
    command = NEXT_COMMANDS[step % len(NEXT_COMMANDS)]
    kfedgen(workdir, *command, "-f", new_fleet)
    assert state(output) == trees["new" if committed else "old"][1]
    assert not journal_path(output).exists()
    assert_foreign_untouched(output, foreign)
    # And the next render finishes the job and leaves nothing beside the output.
    assert kfedgen(workdir, "render", "-f", new_fleet) == 0
    assert state(output) == trees["new"][1]
    assert sorted(p.name for p in workdir.iterdir() if "kfedgen-" in p.name) == []
    assert kfedgen(workdir, "render", "--check", "-f", new_fleet) == 0


@pytest.mark.parametrize("damage", ["truncated", "bit flip", "empty", "outside"])
def test_a_torn_or_corrupt_journal_means_the_old_tree(
    trees: dict[str, tuple[Path, State]], tmp_path: Path, damage: str
) -> None:
    """A journal that does not check out was never committed: discarded with its staging."""
    workdir, foreign = prepared(tmp_path, trees)
    output = workdir / "rendered"
    staging = staging_path(output).with_name(f".rendered.kfedgen-stage-{os.getpid() + 1}")
    staging.mkdir()
    (staging / "0").write_bytes(b"not what the old tree holds\n")
    target = "c000/shop/configmap_cm00.yaml"
    journal = Journal(staging.name, (("0", target),), ("c000/shop/configmap_cm01.yaml",), "0" * 64)
    raw = journal.encode()
    if damage == "truncated":
        raw = raw[: len(raw) - 7]
    elif damage == "bit flip":
        raw = raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:]
    elif damage == "empty":
        raw = b""
    else:  # checksummed, but naming a path outside the output
        raw = Journal(staging.name, (("0", "../escape"),), (), "0" * 64).encode()
    journal_path(output).write_bytes(raw)
    assert kfedgen(workdir, "validate", "-f", str(trees["old"][0])) == 0
    assert state(output) == trees["old"][1]
    assert not journal_path(output).exists()
    assert not staging.exists()
    assert not (workdir / "escape").exists()
    assert_foreign_untouched(output, foreign)
