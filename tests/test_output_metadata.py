"""Foreign directories keep their mode, owner and contents across the swap; so does the output.

The swap replaces the output directory with a tree built beside it, so every
directory in it is a new inode: unless kfedgen copies their metadata over, a
``rendered/private/`` kept at 0700 becomes 0755 and the output directory's
own mode is reset to the umask's.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import pytest

from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, manifest_bytes
from kfedgen.backend.write import write
from tests.conftest import RunCli, snapshot
from tests.unprivileged import KFEDGEN, NOBODY, as_ordinary_user, shared_directory


def tree(files: dict[str, bytes]) -> OutputTree:
    return OutputTree({**files, MANIFEST_PATH: manifest_bytes(files)})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_attack_a_private_foreign_directory_keeps_its_mode(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    private = output / "private"
    private.mkdir()
    (private / "key.txt").write_text("secret\n")
    private.chmod(0o700)
    (private / "deeper").mkdir()
    (private / "deeper").chmod(0o750)
    directory_inode = output.stat().st_ino

    write(output, tree({"a/x.yaml": b"changed\n"}))

    assert output.stat().st_ino != directory_inode, "the tree was swapped"
    assert mode(output / "private") == 0o700
    assert mode(output / "private" / "deeper") == 0o750
    assert (output / "private" / "key.txt").read_text() == "secret\n"


def test_the_output_directory_keeps_its_mode(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    output.chmod(0o2750)  # setgid too: it decides the group of new files
    (output / "a").chmod(0o711)  # a directory kfedgen made, changed by hand
    write(output, tree({"a/x.yaml": b"changed\n", "b/y.yaml": b"y\n"}))
    assert mode(output) == 0o2750
    assert mode(output / "a") == 0o711
    assert mode(output / "b") == 0o777 & ~current_umask(), "a new directory: the umask's mode"


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a directory's owner needs root")
def test_owner_and_group_of_directories_are_kept(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    (output / "theirs").mkdir()
    os.chown(output / "theirs", NOBODY, NOBODY)
    os.chown(output / "a", 1, 1)
    os.chown(output, 2, 2)
    write(output, tree({"a/x.yaml": b"changed\n"}))
    for path, owner in ((output / "theirs", NOBODY), (output / "a", 1), (output, 2)):
        status = path.lstat()
        assert (status.st_uid, status.st_gid) == (owner, owner), path


def test_extended_attributes_of_directories_are_kept(tmp_path: Path) -> None:
    """xattrs (and so POSIX ACLs, which are xattrs) come along with the directory."""
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    (output / "shared").mkdir()
    (output / "shared" / "notes.md").write_text("ours\n")
    try:
        os.setxattr(output / "shared", "user.kfedgen-test", b"team-a")
    except OSError as exc:
        pytest.skip(f"this file system has no user extended attributes: {exc}")
    write(output, tree({"a/x.yaml": b"changed\n"}))
    assert os.getxattr(output / "shared", "user.kfedgen-test") == b"team-a"


def posix_acl(*entries: tuple[int, int, int]) -> bytes:
    """The kernel's binary ACL (``system.posix_acl_access``): version 2, then tag/perm/id."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


ANYONE = 0xFFFFFFFF  # the id of entries that name no user or group
ACL = posix_acl(
    (0x01, 7, ANYONE),  # owner: rwx
    (0x02, 5, NOBODY),  # user nobody: r-x
    (0x04, 0, ANYONE),  # group: ---
    (0x10, 5, ANYONE),  # mask: r-x
    (0x20, 0, ANYONE),  # other: ---
)


def test_a_posix_acl_on_a_foreign_directory_is_kept(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    (output / "team").mkdir()
    (output / "team" / "runbook.md").write_text("ours\n")
    try:
        os.setxattr(output / "team", "system.posix_acl_access", ACL)
    except OSError as exc:
        pytest.skip(f"this file system has no POSIX ACLs: {exc}")
    write(output, tree({"a/x.yaml": b"changed\n"}))
    assert os.getxattr(output / "team", "system.posix_acl_access") == ACL
    assert mode(output / "team") == 0o750  # the mask shows as the group bits


def test_empty_foreign_directories_are_kept_and_reported(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters: [{name: c1}]\n"
    )
    assert run_cli("render", cwd=tmp_path).code == 0
    (tmp_path / "rendered" / "drop" / "box").mkdir(parents=True)
    (tmp_path / "rendered" / "drop" / "box").chmod(0o1777)
    (tmp_path / "fleet" / "fleet.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters: [{name: c1}, {name: c2}]\n"
    )
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "rendered/drop/box/: not written by kfedgen; left alone" in result.err
    assert (tmp_path / "rendered" / "drop" / "box").is_dir()
    assert mode(tmp_path / "rendered" / "drop" / "box") == 0o1777
    check = run_cli("render", "--check", "--format", "json", cwd=tmp_path)
    assert check.code == 0
    assert '"drop/box/"' in check.out


def test_a_directory_emptied_by_hand_that_kfedgen_fills_is_not_foreign(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n"}))
    (output / "a" / "x.yaml").unlink()
    diff = write(output, tree({"a/x.yaml": b"x\n"}))
    assert diff.added == ["a/x.yaml"]
    assert diff.foreign == []


def test_the_directory_of_a_removed_cluster_still_goes(tmp_path: Path) -> None:
    """Directories that only held kfedgen's files are not foreign once the files go."""
    output = tmp_path / "rendered"
    write(output, tree({"a/x.yaml": b"x\n", "b/ns/y.yaml": b"y\n"}))
    diff = write(output, tree({"a/x.yaml": b"x\n"}))
    assert diff.stale == ["b/ns/y.yaml"]
    assert diff.foreign == []
    assert not (output / "b").exists()


def test_read_only_foreign_directories_survive_an_unprivileged_render() -> None:
    """An ordinary user's render keeps a 0500 directory and can still remove the old tree."""
    with shared_directory() as shared:
        read_only_directory_render(shared / "repo")


def read_only_directory_render(workdir: Path) -> None:
    (workdir / "fleet").mkdir(parents=True)
    inventory = "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters: [{name: %s}]\n"
    (workdir / "fleet" / "fleet.yaml").write_text(inventory % "c1")
    if os.geteuid() == 0:
        for path in (workdir, workdir / "fleet", workdir / "fleet" / "fleet.yaml"):
            os.chown(path, NOBODY, NOBODY)
    render = [*KFEDGEN, "render"]
    first = as_ordinary_user(render, workdir)
    assert first.returncode == 0, first.stderr
    frozen = workdir / "rendered" / "frozen"
    frozen.mkdir()
    (frozen / "a.txt").write_text("keep\n")
    if os.geteuid() == 0:
        os.chown(frozen, NOBODY, NOBODY)
        os.chown(frozen / "a.txt", NOBODY, NOBODY)
    frozen.chmod(0o500)
    (workdir / "fleet" / "fleet.yaml").write_text(inventory % "c2")

    second = as_ordinary_user(render, workdir)

    assert second.returncode == 0, second.stderr
    assert mode(frozen) == 0o500
    assert (frozen / "a.txt").read_text() == "keep\n"
    assert sorted(p.name for p in workdir.iterdir()) == ["fleet", "rendered"], "no leftovers"
    assert sorted(snapshot(workdir / "rendered")) == [
        MANIFEST_PATH,
        "c2/kustomization.yaml",
        "frozen/a.txt",
    ]
