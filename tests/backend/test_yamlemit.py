"""The fast canonical YAML writer produces exactly the reference (PyYAML) bytes."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kfedgen.backend.emit import canonical_writer, to_yaml
from kfedgen.backend.yamlemit import CanonicalWriter
from tests.backend.test_kubevalidate import DEPLOYMENT as VALID_DEPLOYMENT

# Strings YAML treats specially: other types when plain, indicators, document markers,
# line breaks in every position, trailing spaces (no literal block), tabs, non-ASCII,
# C0/C1 controls and the other Unicode line breaks.
TRICKY = [
    "",
    " ",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "null",
    "Null",
    "~",
    "true",
    "False",
    "1",
    "-1",
    "0o17",
    "017",
    "0x1F",
    "1_000",
    "1:20",
    "1e3",
    "1.5",
    ".inf",
    "-.Inf",
    ".nan",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "-",
    "- a",
    "-a",
    "--- x",
    "---",
    "...",
    "? x",
    "?",
    ":",
    "a: b",
    "a:b",
    "http://x:80/y",
    "# c",
    "a #b",
    "a#b",
    "@x",
    "`x",
    "!tag",
    "&anchor",
    "*alias",
    "%x",
    "|",
    ">",
    "{a: 1}",
    "[1, 2]",
    ",",
    "'quoted'",
    '"dq"',
    "\\",
    " lead",
    "trail ",
    "a\tb",
    "\ttab",
    "a\n",
    "a\nb",
    "a\nb\n",
    "a\n\n",
    "a\n\nb",
    "\n",
    "\n\n",
    "\na",
    " a\nb",
    "a \nb",
    "a\n b",
    "a\n\tb",
    "a\n  \nb",
    "line\n# not a comment\n",
    "a\r\nb",
    "a\rb",
    "a\x85b",
    "a\u2028b",
    "a\u2029b",
    "\x00",
    "\x07bell",
    "\x1b[0m",
    "\x7f",
    "\x9f",
    "\ufeffbom",
    "\ufffe",
    "é",
    "naïve café",
    "日本語",
    "emoji 😀",
    "\u00a0nbsp",
    "a\u00a0",
    "x" * 127,
    "x" * 128,
    "x" * 129,
    "é" * 64,
    "é" * 65,
    "long " * 400,
]

simple_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
strings = st.one_of(
    st.sampled_from(TRICKY),
    simple_text,
    st.text(alphabet="ab \n\t:-#'\"\r\x85é", max_size=10),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "é", "ab "]), st.integers(120, 140)),
)
keys = st.one_of(
    st.sampled_from(
        ["apiVersion", "kind", "metadata", "name", "namespace", "spec", "data", "group"]
    ),
    strings,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1e20, 1.5e-7, math.inf, -math.inf, math.nan]),
    strings,
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=5),
    ),
    max_leaves=30,
)


def same_as_reference(writer: CanonicalWriter, document: Any) -> None:
    """The writer's bytes equal the reference's, or both fail with the same error type."""
    try:
        expected = to_yaml(document)
    except Exception as exc:  # any failure of the reference must be mirrored
        with pytest.raises(type(exc)):
            writer.dump(document)
        return
    assert writer.dump(document).encode("utf-8") == expected


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
@example({"a": [[1, [2, {"x": "l1\nl2"}]], {"k": ["x\n y\n", {}]}, []], "b": {"c": "m\nl\n"}})
@example({"k": "a\n\n", "z": 1})
@example({"x" * 129: 1, "y" * 128: 2})
@example([{"k": "a\u2028b"}, {"j": "x\rq"}])
@example({"metadata": {}, "kind": [], "apiVersion": "v1", "a": None})
def test_random_documents_match_the_reference(document: Any) -> None:
    same_as_reference(canonical_writer(), document)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents, documents, keys)
def test_shared_subtrees_match_the_reference_at_every_depth(
    shared: Any, other: Any, key: str
) -> None:
    """One writer, one subtree reached from several documents at several indentations."""
    writer = canonical_writer()
    spec = {"template": shared, "replicas": 3}
    copy_on_write = {key: other, "spec": spec}
    variant = {**copy_on_write, "spec": {**spec, "replicas": 4}}
    for document in (
        shared,
        {"a": shared},
        [shared, [shared, {"b": [shared]}]],
        copy_on_write,
        variant,
        {"items": [variant, copy_on_write], "again": {"deeper": variant}},
        shared,
    ):
        same_as_reference(writer, document)


@pytest.mark.parametrize(
    "document",
    [
        {1: "int key"},
        {"a": {True: 1}},
        {"a": {None: 1}},
        {"a": (1, 2)},
        {"a": {1, 2}},
        {"a": b"bytes"},
        {"a": datetime.date(2024, 1, 1)},
        {"a": [datetime.datetime(2024, 1, 1, 12, 0)]},
        {"a": {"b": "\ud800"}},
        {"\ud800": 1},
        {"a": type("Sub", (dict,), {})(x=1)},
        {"a": type("Sub", (str,), {})("x")},
        {"a": type("Sub", (int,), {})(1)},
        {"a": "x", "b": object()},
        "top-level scalar",
        "top\nlevel\n",
        7,
        None,
        [],
        {},
    ],
    ids=repr,
)
def test_values_outside_the_fast_path_go_to_the_reference(document: Any) -> None:
    same_as_reference(canonical_writer(), document)


def counting_writer() -> tuple[CanonicalWriter, list[Any]]:
    """A writer whose reference dumper records what it was asked to write."""
    calls: list[Any] = []
    base = canonical_writer()
    reference: Callable[[Any], str] = base._reference

    def counted(value: Any) -> str:
        calls.append(value)
        return reference(value)

    return CanonicalWriter(base._key_order, counted), calls


# A Deployment with a multi-line string (a literal block), as ConfigMaps and scripts have.
DEPLOYMENT: dict[str, Any] = {
    **VALID_DEPLOYMENT,
    "metadata": {
        **VALID_DEPLOYMENT["metadata"],
        "annotations": {"note": "hello\nworld\n", "args": "--port 8080"},
    },
}


def test_kubernetes_objects_take_the_fast_path() -> None:
    """Typical objects never go to the reference whole; each scalar is probed once."""
    writer, calls = counting_writer()
    clusters = [{**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replicas": n}} for n in range(1, 50)]
    for document in clusters:
        assert writer.dump(document).encode("utf-8") == to_yaml(document)
    assert all(len(call) == 1 for call in calls)  # probes of one key or value, never documents
    probes = [next(iter(call.items())) for call in calls]
    assert len(probes) == len(set(map(repr, probes)))


def test_a_shared_subtree_is_written_once_per_indentation() -> None:
    writer, _ = counting_writer()
    template = DEPLOYMENT["spec"]["template"]
    first = writer.dump({"spec": {"template": template, "replicas": 1}})
    blocks = len(writer._blocks)
    second = writer.dump({"spec": {"template": template, "replicas": 2}})
    # The shared template's text was cached and reused; the two new mappings (the
    # document and its spec) are held by nothing else, so their text is not kept.
    assert (id(template), 4, False) in writer._blocks
    assert len(writer._blocks) == blocks
    assert first.replace("replicas: 1", "replicas: 2") == second


APP_PROJECT = {
    "kind": "AppProject",
    "apiVersion": "argoproj.io/v1alpha1",
    "spec": {
        "clusterResourceWhitelist": [{"kind": "*", "group": "*"}],
        "destinations": [{"server": "https://c1", "namespace": "*"}],
    },
    "metadata": {"namespace": "argocd", "labels": {"a": "b"}, "name": "fleet"},
}
ROLE_BINDING = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "r", "namespace": "shop"},
    "roleRef": {"name": "view", "kind": "ClusterRole", "apiGroup": "rbac.authorization.k8s.io"},
    "subjects": [{"namespace": "shop", "name": "web", "kind": "ServiceAccount"}],
}


def test_identity_keys_lead_only_at_roots_metadata_and_references() -> None:
    assert to_yaml(APP_PROJECT).decode() == (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: AppProject\n"
        "metadata:\n"
        "  name: fleet\n"
        "  namespace: argocd\n"
        "  labels:\n"
        "    a: b\n"
        "spec:\n"
        "  clusterResourceWhitelist:\n"
        "  - group: '*'\n"
        "    kind: '*'\n"
        "  destinations:\n"
        "  - namespace: '*'\n"
        "    server: https://c1\n"
    )
    assert (
        to_yaml(ROLE_BINDING)
        .decode()
        .endswith(
            "roleRef:\n"
            "  kind: ClusterRole\n"
            "  name: view\n"
            "  apiGroup: rbac.authorization.k8s.io\n"
            "subjects:\n"
            "- kind: ServiceAccount\n"
            "  name: web\n"
            "  namespace: shop\n"
        )
    )


def test_a_subtree_shared_under_metadata_and_elsewhere_is_ordered_per_place() -> None:
    # Copy-on-write clusters share subtrees by identity; the writer's cache must not let the
    # order of one place leak into the other.
    shared = {"namespace": "ns", "name": "x", "labels": {}}
    document = {"apiVersion": "v1", "kind": "K", "metadata": shared, "spec": {"copy": shared}}
    writer = canonical_writer()
    assert writer.dump(document).encode() == to_yaml(document)
    assert "metadata:\n  name: x\n  namespace: ns\n  labels: {}\n" in writer.dump(document)
    assert "  copy:\n    labels: {}\n    name: x\n    namespace: ns\n" in writer.dump(document)
