"""Materialize shares one manifest between clusters whose override entries do the same."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.backend.materialize import _effect_key
from kfedgen.decisions import ClusterPatch
from kfedgen.patch import PatchOp
from kfedgen.pipeline import Compilation
from tests.fleets import INVENTORY, compile_fleet
from tests.placement.rsp_documents import WEB, deployment, namespace

CLUSTERS = ("east", "west", "lab")


def _overrides(entries: dict[str, list[tuple[str, str]]]) -> str:
    """Override entries: cluster -> (path, value as YAML flow) of each of its operations."""
    text = ""
    for cluster, operations in entries.items():
        text += f"    - clusterName: {cluster}\n      clusterOverrides:\n"
        text += "".join(f"        - {{path: {p}, value: {v}}}\n" for p, v in operations)
    return text


def _compile(entries: dict[str, list[tuple[str, str]]]) -> Compilation:
    files = {"app": namespace() + "---\n" + deployment(overrides=_overrides(entries))}
    return compile_fleet(INVENTORY, files=files)


def _manifests(compilation: Compilation) -> dict[str, Any]:
    return {o.cluster: o.manifest for o in compilation.objects if o.origin == WEB}


IMAGE = "/spec/template/spec/containers/0/image"


def test_entries_that_do_the_same_share_one_manifest_and_keep_their_own_notes() -> None:
    same = [(IMAGE, "'web:2'"), ("/spec/replicas", "3")]
    compilation = _compile({"east": same, "west": same, "lab": [(IMAGE, "'web:3'")]})
    manifests = _manifests(compilation)
    assert manifests["east"] is manifests["west"]
    assert manifests["lab"] is not manifests["east"]
    assert manifests["east"]["spec"]["replicas"] == 3
    resolution = compilation.resolution(WEB)
    assert resolution is not None
    reasons = {name: resolution.decisions[name].reasons for name in ("east", "west")}
    assert f"overrides[0]: replace {IMAGE} = 'web:2'" in reasons["east"]
    assert f"overrides[1]: replace {IMAGE} = 'web:2'" in reasons["west"]
    sources = {name: resolution.decisions[name].replicas_from for name in ("east", "west")}
    assert sources["east"] is not None and sources["east"].by == "overrides[0]"
    assert sources["west"] is not None and sources["west"].by == "overrides[1]"


def test_a_map_value_is_not_shared_but_renders_the_same() -> None:
    # Values that are not plain are keyed by identity: equal maps simply miss.
    annotation = "/metadata/annotations"
    compilation = _compile({"east": [(annotation, "{a: b}")], "west": [(annotation, "{a: b}")]})
    manifests = _manifests(compilation)
    assert manifests["east"] is not manifests["west"]
    assert manifests["east"] == manifests["west"]
    files = compilation.tree.files
    assert files["east/app/deployment.apps_web.yaml"] == files["west/app/deployment.apps_web.yaml"]


def test_floats_that_are_equal_but_written_differently_have_different_keys() -> None:
    # 0.0 == -0.0 in Python, but YAML writes them differently (the loader reads a YAML
    # -0.0 as an integer, so only a value built in Python can be one).
    def key(value: Any) -> tuple[object, ...] | None:
        return _effect_key((ClusterPatch(0, PatchOp("add", "/spec/x", value, ("o",))),))

    assert key(0.0) != key(-0.0)
    assert key(1) != key(1.0) != key(True)
    assert key("a") == key("a")
    assert key({"a": 1}) is None
    assert _effect_key((ClusterPatch(0, PatchOp("add", "/metadata/name", "n")),)) is None


_values = st.sampled_from(["'web:2'", "'web:3'", "2", "2.0", "true", "'2'", "null", "-0.0"])
_paths = st.sampled_from(["/spec/replicas", IMAGE, "/spec/template/spec/containers/0/name"])


_entry = st.lists(st.tuples(_paths, _values), max_size=3, unique_by=lambda op: op[0])


@settings(max_examples=40, deadline=None)
@given(st.lists(_entry, min_size=3, max_size=3))
def test_shared_manifests_are_the_ones_each_entry_builds_alone(
    operations: list[list[tuple[str, str]]],
) -> None:
    # Each cluster's file is what its entry gives when it is the only one (nothing shared).
    entries = dict(zip(CLUSTERS, operations, strict=True))
    try:
        together = _compile(entries)
    except Exception:  # an invalid override (a label map set to a scalar): not the subject
        return
    for cluster, ops in entries.items():
        alone = _compile({cluster: ops})
        path = f"{cluster}/app/deployment.apps_web.yaml"
        assert together.tree.files[path] == alone.tree.files[path]
