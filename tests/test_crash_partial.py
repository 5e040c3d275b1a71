"""Crash safety of a partial render: SIGKILL at every step, the old tree or the new one.

A partial render (:mod:`kfedgen.partial`) lists the tree in a forked child while it
compiles the changed objects, then writes their files through the journal.  A real
render is killed with SIGKILL (the audit hook of ``tests/test_crash_journal.py``)
while the child lists, while it compiles, while it stages, before and after the
journal's commit and midway through the renames.  Before the commit the tree must
be the old one, byte for byte; after it, the next kfedgen command must leave exactly
the new one, which is what a full render of the new fleet writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kfedgen.views.cached
from kfedgen.backend.journal import journal_path
from kfedgen.backend.write import write_changes
from tests.conftest import RunCli
from tests.test_crash_journal import State, state
from tests.test_crash_journal import kfedgen as run_kfedgen

CLUSTERS = 120
OBJECTS = 12
EDITED = 3


def write_fleet(directory: Path, version: str) -> None:
    """One file per object; ``new`` changes the value of object 3 only."""
    directory.mkdir(parents=True, exist_ok=True)
    inventory = "\n".join(f"    - {{name: c{i:03d}}}" for i in range(CLUSTERS))
    (directory / "inventory.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n" + inventory + "\n"
        "---\napiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: shop, namespace: shop}\nspec: {placement: {clusterSelector: {}}}\n"
    )
    for j in range(OBJECTS):
        value = f"{version}-{j}" if j == EDITED else f"same-{j}"
        (directory / f"cm{j:02d}.yaml").write_text(
            "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
            f"metadata: {{name: cm{j:02d}, namespace: shop}}\n"
            f"spec:\n  template: {{data: {{value: '{value}'}}}}\n"
            "  placement: {clusterSelector: {}}\n"
        )


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, State]:
    """Version -> the exact output a render from scratch writes."""
    result = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KFEDGEN_CACHE_DIR", "")
        for version in ("old", "new"):
            workdir = tmp_path_factory.mktemp(f"partial-{version}")
            write_fleet(workdir / "fleet", version)
            assert run_kfedgen(workdir, "render") == 0
            result[version] = state(workdir / "rendered")
    return result


def prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository rendered from the old fleet, then edited to the new one (not rendered)."""
    workdir = tmp_path / "repo"
    monkeypatch.setenv("KFEDGEN_CACHE_DIR", str(tmp_path / "caches"))
    write_fleet(workdir / "fleet", "old")
    assert run_kfedgen(workdir, "render") == 0
    write_fleet(workdir / "fleet", "new")
    return workdir


def test_the_edit_is_rendered_by_a_partial_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli, trees: dict[str, State]
) -> None:
    """The premise of the kills below: this edit takes the partial path, and writes in place."""
    workdir = prepared(tmp_path, monkeypatch)
    written: list[bool] = []

    def spied(*args: object, **kwargs: object) -> object:
        result: object = write_changes(*args, **kwargs)  # type: ignore[arg-type]
        written.append(result is not None)
        return result

    monkeypatch.setattr(kfedgen.views.cached, "write_changes", spied)
    unchanged = workdir / "rendered" / "c000" / "shop" / "configmap_cm00.yaml"
    inode = unchanged.lstat().st_ino
    assert run_cli("render", cwd=workdir).code == 0
    assert written == [True]
    assert state(workdir / "rendered") == trees["new"]
    assert unchanged.lstat().st_ino == inode


# (audit event, a substring of its first argument, which occurrence; committed?)
KILL_POINTS = [
    ("open", "rendered/c0", 5, False),  # while the tree is listed beside the compile
    ("open", "/parse/.", 1, False),  # while the changed object compiles (its parse stored)
    ("open", "kfedgen-stage-", 1, False),  # the first staged file
    ("open", "kfedgen-stage-", CLUSTERS // 2, False),  # midway through staging
    ("os.rename", "kfedgen-journal-", 1, False),  # the journal complete, not in place
    ("os.rename", "kfedgen-stage-", 1, True),  # committed, nothing renamed
    ("os.rename", "kfedgen-stage-", CLUSTERS // 2, True),  # midway through the renames
    ("os.rename", "kfedgen-stage-", CLUSTERS, True),  # all renamed but the manifest
    ("os.remove", ".rendered.kfedgen-journal", 1, True),  # all done but the journal
]


@pytest.mark.parametrize(("event", "needle", "nth", "committed"), KILL_POINTS)
def test_sigkill_during_a_partial_render(
    event: str,
    needle: str,
    nth: int,
    committed: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    trees: dict[str, State],
) -> None:
    workdir = prepared(tmp_path, monkeypatch)
    output = workdir / "rendered"
    code = run_kfedgen(workdir, "render", hook=(event, needle, nth))
    assert code == -9, f"the render was not killed at {event} {needle} #{nth}"
    assert journal_path(output).exists() == committed
    if not committed:
        assert state(output) == trees["old"]
    run_kfedgen(workdir, "plan")  # any command rolls a committed journal forward first
    assert state(output) == trees["new" if committed else "old"]
    assert not journal_path(output).exists()
    # And the next render finishes the job and leaves nothing beside the output.
    assert run_kfedgen(workdir, "render") == 0
    assert state(output) == trees["new"]
    assert sorted(p.name for p in workdir.iterdir() if "kfedgen-" in p.name) == []
    assert run_kfedgen(workdir, "render", "--check") == 0
    shutil.rmtree(workdir)
