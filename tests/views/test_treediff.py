"""Comparing two output trees: groups, object counts, replica changes, unified diffs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kfedgen.backend.emit import MANIFEST_PATH, to_yaml
from kfedgen.backend.readback import ObjectId, group_of
from kfedgen.views.treediff import Change, Counts, compare_trees, unified_diff


def deployment(name: str, replicas: int | None, namespace: str = "web") -> bytes:
    spec: dict[str, object] = {"selector": {"matchLabels": {"app": name}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return to_yaml(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }
    )


def configmap(name: str, value: str) -> bytes:
    return to_yaml(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "web"},
            "data": {"key": value},
        }
    )


KUSTOMIZATION_A = (
    b"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a]\n"
)
KUSTOMIZATION_B = (
    b"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [b]\n"
)
API = ObjectId("Deployment", "web", "api", "apps/v1")


def test_identical_trees_have_no_differences() -> None:
    tree = {"east/web/deployment.apps_api.yaml": deployment("api", 2), MANIFEST_PATH: b"{}"}
    comparison = compare_trees(tree, dict(tree))
    assert comparison.is_empty
    assert comparison.objects == Counts()
    assert comparison.replicas == []


def test_the_manifest_alone_is_no_difference() -> None:
    base = {"east/kustomization.yaml": KUSTOMIZATION_A, MANIFEST_PATH: b'{"a": 1}'}
    head = {"east/kustomization.yaml": KUSTOMIZATION_A, MANIFEST_PATH: b'{"a": 2}'}
    assert compare_trees(base, head).is_empty


def test_changes_are_grouped_per_cluster_with_exact_counts() -> None:
    base = {
        "east/kustomization.yaml": KUSTOMIZATION_A,
        "east/web/deployment.apps_api.yaml": deployment("api", 2),
        "east/web/configmap_settings.yaml": configmap("settings", "blue"),
        "west/web/deployment.apps_api.yaml": deployment("api", 3),
        "west/web/configmap_old.yaml": configmap("old", "x"),
        "north/web/configmap_settings.yaml": configmap("settings", "blue"),
    }
    head = {
        "east/kustomization.yaml": KUSTOMIZATION_B,
        "east/web/deployment.apps_api.yaml": deployment("api", 4),
        "east/web/configmap_settings.yaml": configmap("settings", "red"),
        "east/web/configmap_new.yaml": configmap("new", "y"),
        "west/web/deployment.apps_api.yaml": deployment("api", 3),
        "north/web/configmap_settings.yaml": configmap("settings", "blue"),
    }
    comparison = compare_trees(base, head)
    assert [group.name for group in comparison.groups] == ["east", "west"]
    east, west = comparison.groups
    assert [(f.path, f.change) for f in east.files] == [
        ("east/kustomization.yaml", Change.CHANGED),
        ("east/web/configmap_new.yaml", Change.ADDED),
        ("east/web/configmap_settings.yaml", Change.CHANGED),
        ("east/web/deployment.apps_api.yaml", Change.CHANGED),
    ]
    # The kustomization is shown but is not an object a cluster receives.
    assert east.files[0].object is None
    assert east.objects == Counts(added=1, removed=0, changed=2)
    assert [(f.path, f.change) for f in west.files] == [
        ("west/web/configmap_old.yaml", Change.REMOVED)
    ]
    assert west.objects == Counts(removed=1)
    assert comparison.objects == Counts(added=1, removed=1, changed=2)
    assert [(r.cluster, r.object, r.before, r.after) for r in comparison.replicas] == [
        ("east", API, 2, 4)
    ]


def test_replicas_of_added_removed_and_unset_workloads() -> None:
    base = {
        "gone/web/deployment.apps_api.yaml": deployment("api", 5),
        "east/web/deployment.apps_api.yaml": deployment("api", 2),
        "west/web/deployment.apps_api.yaml": deployment("api", None),
    }
    head = {
        "new/web/deployment.apps_api.yaml": deployment("api", 5),
        "east/web/deployment.apps_api.yaml": deployment("api", None),
        "west/web/deployment.apps_api.yaml": deployment("api", 1),
    }
    changes = {(r.cluster, r.change, r.before, r.after) for r in compare_trees(base, head).replicas}
    assert changes == {
        ("gone", Change.REMOVED, 5, None),
        ("new", Change.ADDED, None, 5),
        ("east", Change.CHANGED, 2, None),
        ("west", Change.CHANGED, None, 1),
    }


def test_objects_without_replicas_and_unchanged_replicas_are_not_replica_changes() -> None:
    base = {"east/web/deployment.apps_api.yaml": deployment("api", 2)}
    head = {"east/web/deployment.apps_api.yaml": deployment("api", 2).replace(b"app: api", b"x: y")}
    comparison = compare_trees(base, head)
    assert comparison.objects == Counts(changed=1)
    assert comparison.replicas == []
    added = compare_trees({}, {"east/web/configmap_a.yaml": configmap("a", "b")})
    assert added.objects == Counts(added=1)
    assert added.replicas == []


def test_gitops_groups_come_after_the_clusters() -> None:
    head = {
        "_flux/east.yaml": configmap("x", "1"),
        "_argocd/root.yaml": configmap("y", "1"),
        "west/web/configmap_a.yaml": configmap("a", "1"),
        "east/web/configmap_a.yaml": configmap("a", "1"),
    }
    names = [group.name for group in compare_trees({}, head).groups]
    assert names == ["east", "west", "_argocd", "_flux"]


def test_unreadable_files_are_shown_but_not_counted_as_objects() -> None:
    base = {"east/notes.yaml": b"key: [unclosed\n"}
    head = {"east/notes.yaml": b"\xff\xfe not utf-8\n"}
    comparison = compare_trees(base, head)
    (file,) = comparison.groups[0].files
    assert file.object is None
    assert comparison.objects == Counts()


def test_group_of() -> None:
    assert group_of("east/web/a.yaml") == "east"
    assert group_of("_argocd/root.yaml") == "_argocd"
    assert group_of("top.yaml") == "top.yaml"


def test_unified_diff_uses_git_headers() -> None:
    changed = unified_diff("rendered/east/a.yaml", b"a: 1\nb: 2\n", b"a: 1\nb: 3\n")
    assert changed.splitlines() == [
        "--- a/rendered/east/a.yaml",
        "+++ b/rendered/east/a.yaml",
        "@@ -1,2 +1,2 @@",
        " a: 1",
        "-b: 2",
        "+b: 3",
    ]
    added = unified_diff("rendered/east/a.yaml", None, b"a: 1\n")
    assert added.splitlines()[:3] == [
        "--- /dev/null",
        "+++ b/rendered/east/a.yaml",
        "@@ -0,0 +1 @@",
    ]
    removed = unified_diff("rendered/east/a.yaml", b"a: 1\n", None)
    assert removed.splitlines()[:3] == [
        "--- a/rendered/east/a.yaml",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
    ]


def test_unified_diff_applies_with_git_apply(tmp_path: Path) -> None:
    """The diff is a real patch: git apply turns the old file into the new one."""
    old = b"a: 1\nb: 2\nc: 3"  # no final newline
    new = b"a: 1\nb: 20\nc: 3\nd: 4\n"
    (tmp_path / "f.yaml").write_bytes(old)
    patch = unified_diff("f.yaml", old, new)
    assert "\\ No newline at end of file\n" in patch
    subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "f.yaml").read_bytes() == new


def _decreases(base: dict[str, int | None], head: dict[str, int | None]) -> list[tuple[str, int]]:
    def tree(replicas: dict[str, int | None]) -> dict[str, bytes]:
        return {
            f"{c}/web/deployment.apps_api.yaml": deployment("api", n) for c, n in replicas.items()
        }

    comparison = compare_trees(tree(base), tree(head))
    return [(d.change.cluster, d.growth) for d in comparison.scale_up_decreases]


def test_a_scale_up_that_lowers_a_cluster_is_flagged_there() -> None:
    # karmada#6735: 4+4 -> 6+3, the total grows by one and b loses a replica.
    assert _decreases({"a": 4, "b": 4}, {"a": 6, "b": 3}) == [("b", 1)]


def test_a_cluster_added_with_a_scale_up_counts_towards_the_growth() -> None:
    assert _decreases({"a": 4, "b": 4}, {"a": 4, "b": 3, "c": 3}) == [("b", 2)]


def test_a_removed_cluster_is_a_decrease_when_the_total_grows() -> None:
    assert _decreases({"a": 4, "b": 1}, {"a": 7}) == [("b", 2)]


def test_a_rebalance_or_scale_down_is_not_flagged() -> None:
    assert _decreases({"a": 4, "b": 4}, {"a": 5, "b": 3}) == []
    assert _decreases({"a": 4, "b": 4}, {"a": 2, "b": 3}) == []


def test_unset_replicas_count_as_one() -> None:
    assert _decreases({"a": None, "b": 2}, {"a": 3, "b": 1}) == [("b", 1)]
