"""Mount points and device boundaries in the output tree are refused before anything is touched.

The attack of issue 12: with a file system mounted inside ``rendered/``, the
swap moved the mount along with the old tree into the staging directory, and
removing that directory deleted the mounted file system's contents.  Every
test mounts for real, inside a private mount namespace (``unshare``), so the
mounts vanish with the test's process.
"""

from __future__ import annotations

import os
from pathlib import Path

from kfedgen.backend.emit import MANIFEST_PATH
from tests.unprivileged import NOBODY, in_mount_namespace, shared_directory

FLEET = "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters: [{name: %s}]\n"


def fleet_repo(tmp_path: Path) -> Path:
    """A fleet rendered once, then changed: the next render swaps the tree."""
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(FLEET % "c1")
    if os.geteuid() == 0:  # the repository's owner (nobody, for an ordinary user's run) edits it
        owner = tmp_path.stat()
        for path in (tmp_path / "fleet", tmp_path / "fleet" / "fleet.yaml"):
            os.chown(path, owner.st_uid, owner.st_gid)
    return tmp_path


# Render once, change the fleet, mount, render again; record what is left.
SCRIPT = """\
$KFEDGEN render 2>first.err || {{ cat first.err >&2; exit 99; }}
printf '{fleet}' > fleet/fleet.yaml
mkdir -p {mountpoint}
{mount}
echo precious > {mountpoint}/data.txt
$KFEDGEN render 2>render.err; echo $? > render.code
$KFEDGEN render --check 2>check.err >check.out; echo $? > check.code
ls -A {mountpoint} > after.txt
grep -c ' {absolute} ' /proc/self/mountinfo > mounted.txt || true
ls -A . > leftovers.txt
"""


def run_attack(
    tmp_path: Path, mount: str, mountpoint: str = "rendered/mnt", ordinary_user: bool = False
) -> Path:
    repo = fleet_repo(tmp_path)
    script = SCRIPT.format(
        fleet=(FLEET % "c2").replace("\n", "\\n"),
        mountpoint=mountpoint,
        absolute=repo / mountpoint,
        mount=mount,
    )
    completed = in_mount_namespace(script, repo, ordinary_user)
    assert completed.returncode == 0, completed.stderr
    return repo


MOUNTED = "rendered/mnt: a file system is mounted here, inside the output tree"


def assert_refused_and_untouched(repo: Path, message: str) -> None:
    err = (repo / "render.err").read_text()
    assert (repo / "render.code").read_text() == "2\n", err
    assert message in err
    assert "refusing to touch the tree" in err
    assert "Traceback" not in err
    assert (repo / "after.txt").read_text() == "data.txt\n", "the mounted files are intact"
    assert (repo / "mounted.txt").read_text() == "1\n", "still mounted where it was"
    assert not [
        name for name in (repo / "leftovers.txt").read_text().split() if ".kfedgen-" in name
    ], "no staging directory left beside the output"
    assert (repo / "rendered" / "c1" / "kustomization.yaml").exists(), "the old tree stays"
    assert (repo / "check.code").read_text() == "2\n"
    assert message in (repo / "check.err").read_text()


def test_the_attack_a_tmpfs_mounted_in_the_output_is_refused(tmp_path: Path) -> None:
    repo = run_attack(tmp_path, "mount -t tmpfs kfedgen-test rendered/mnt")
    assert_refused_and_untouched(repo, MOUNTED)


def test_a_bind_mount_of_the_same_file_system_is_refused(tmp_path: Path) -> None:
    """Same st_dev as the output: only the mount table tells it is another tree."""
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = run_attack(tmp_path, f"mount --bind {outside} rendered/mnt")
    assert_refused_and_untouched(repo, MOUNTED)
    assert (outside / "data.txt").read_text() == "precious\n"


def test_a_device_boundary_is_refused_without_the_mount_table(tmp_path: Path) -> None:
    """Where /proc/self/mountinfo is unavailable, st_dev alone finds the other file system.

    The namespace hides /proc under an empty tmpfs (the mount table is gone),
    then mounts a tmpfs in the output: a different device, as a btrfs
    subvolume or an NFS mount would be.
    """
    repo = run_attack(
        tmp_path,
        "mount -t tmpfs kfedgen-test rendered/mnt\nmount -t tmpfs no-proc /proc",
    )
    err = (repo / "render.err").read_text()
    assert (repo / "render.code").read_text() == "2\n", err
    assert "rendered/mnt: this directory is on another device than rendered" in err
    assert "refusing to touch the tree" in err
    assert (repo / "after.txt").read_text() == "data.txt\n"
    assert (repo / "check.code").read_text() == "2\n"


def test_an_ordinary_user_is_refused_the_same_way() -> None:
    """No root anywhere: nobody's own user namespace mounts a tmpfs in nobody's output."""
    with shared_directory() as shared:
        repo = shared / "repo"
        repo.mkdir()
        if os.geteuid() == 0:
            os.chown(repo, NOBODY, NOBODY)
        run_attack(repo, "mount -t tmpfs kfedgen-test rendered/mnt", ordinary_user=True)
        assert_refused_and_untouched(repo, MOUNTED)


def test_a_mount_below_a_foreign_directory_is_found(tmp_path: Path) -> None:
    repo = run_attack(
        tmp_path,
        "mount -t tmpfs kfedgen-test rendered/team/cache",
        mountpoint="rendered/team/cache",
    )
    err = (repo / "render.err").read_text()
    assert (repo / "render.code").read_text() == "2\n", err
    assert "rendered/team/cache: a file system is mounted here" in err
    assert (repo / "after.txt").read_text() == "data.txt\n"


def test_an_output_directory_that_is_a_mount_point_is_refused(tmp_path: Path) -> None:
    """The swap renames the output directory, which cannot move a mount point."""
    repo = fleet_repo(tmp_path)
    script = (
        "mkdir rendered && mount -t tmpfs kfedgen-test rendered\n"
        "$KFEDGEN render 2>render.err; echo $? > render.code\n"
        "ls -A rendered > after.txt; ls -A . > leftovers.txt\n"
    )
    completed = in_mount_namespace(script, repo)
    assert completed.returncode == 0, completed.stderr
    err = (repo / "render.err").read_text()
    assert (repo / "render.code").read_text() == "2\n", err
    assert "rendered is a mount point" in err
    assert "render into a directory inside it" in err
    assert ".kfedgen-" not in (repo / "leftovers.txt").read_text()


def test_leftover_staging_with_a_mount_is_never_emptied(tmp_path: Path) -> None:
    """Cleaning up after a killed render does not descend into a mount it finds there."""
    repo = fleet_repo(tmp_path)
    staging = ".rendered.kfedgen-new-4242"
    script = (
        f"mkdir -p {staging}/mnt && mount -t tmpfs kfedgen-test {staging}/mnt\n"
        f"echo precious > {staging}/mnt/data.txt\n"
        "$KFEDGEN render 2>render.err; echo $? > render.code\n"
        f"ls -A {staging}/mnt > after.txt\n"
    )
    completed = in_mount_namespace(script, repo)
    assert completed.returncode == 0, completed.stderr
    assert (repo / "render.code").read_text() == "0\n", (repo / "render.err").read_text()
    assert (repo / "after.txt").read_text() == "data.txt\n"
    assert (repo / "rendered" / MANIFEST_PATH).exists()
    assert (repo / staging).is_dir(), "left with the mount it holds, not emptied"
