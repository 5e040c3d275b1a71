"""One identity rule after all patching (kfedgen.identity), through the real pipeline.

The attacks themselves are corpus fixtures (tests/bad_inputs/karmada-override-*.yaml,
override-path-*.yaml, template-*.yaml); these tests pin down what the rule allows, who it
blames, and that it checks results rather than paths.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.identity import Identity
from tests.fleets import (
    INVENTORY,
    compile_fleet,
    fleet_errors,
)
from tests.karmada._documents import (
    KARMADA_INVENTORY,
    configmap,
    deployment,
    namespace,
    override,
    policy,
    rendered,
)

NAMESPACES = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: app, namespace: app}
spec:
  placement: {clusterSelector: {}}
"""


DEPLOYMENTS: dict[str, Any] = {"selectors": [{"apiVersion": "apps/v1", "kind": "Deployment"}]}


def federated(overrides: str, kind: str = "FederatedDeployment", template: str = "") -> str:
    return (
        f"apiVersion: types.kubefed.io/v1beta1\nkind: {kind}\n"
        "metadata: {name: web, namespace: app}\n"
        f"spec:\n  template: {{{template}}}\n  placement: {{clusterSelector: {{}}}}\n"
        f"  overrides:\n    - clusterName: east\n      clusterOverrides:\n{overrides}"
    )


def plaintext(*ops: dict[str, Any], clusters: list[str] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"overriders": {"plaintext": list(ops)}}
    if clusters is not None:
        rule["targetCluster"] = {"clusterNames": clusters}
    return rule


def test_a_new_version_of_the_same_api_group_is_allowed() -> None:
    compilation = compile_fleet(
        INVENTORY,
        files={
            "ns": NAMESPACES,
            "web": federated("        - {path: /apiVersion, value: apps/v1beta2}\n"),
        },
    )
    by_cluster = {o.cluster: o.api_version for o in compilation.objects if o.kind == "Deployment"}
    assert by_cluster == {"east": "apps/v1beta2", "lab": "apps/v1", "west": "apps/v1"}


def test_writing_the_same_identity_is_not_a_change() -> None:
    """KubeFed refused these paths whatever the value; the result-based rule lets them be."""
    ops = (
        "        - {path: /metadata/name, value: web}\n"
        "        - {path: /kind, value: Deployment}\n"
        "        - {path: /metadata, value: {name: web, namespace: app, labels: {a: b}}}\n"
    )
    compilation = compile_fleet(INVENTORY, files={"ns": NAMESPACES, "web": federated(ops)})
    east = next(o for o in compilation.objects if o.cluster == "east" and o.kind == "Deployment")
    assert east.manifest["metadata"] == {"name": "web", "namespace": "app", "labels": {"a": "b"}}


def test_a_change_undone_by_a_later_step_is_allowed() -> None:
    rules = [
        plaintext({"path": "/metadata/name", "operator": "replace", "value": "tmp"}),
        plaintext({"path": "/metadata/name", "operator": "replace", "value": "web"}),
    ]
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(), policy()],
        overlays=[override("rename", rules, **DEPLOYMENTS)],
    )
    assert {o.name for o in rendered(compilation).values()} == {"web"}


def test_the_last_step_that_changed_a_field_is_blamed() -> None:
    rules = [
        plaintext({"path": "/metadata/name", "operator": "replace", "value": "first"}),
        plaintext({"path": "/metadata/name", "operator": "replace", "value": "second"}),
    ]
    errors = fleet_errors(
        KARMADA_INVENTORY,
        [deployment(), policy()],
        overlays=[override("rename", rules, **DEPLOYMENTS)],
    )
    assert len(errors) == 1
    assert errors[0].startswith(
        "overlays/policies.yaml:14:9: spec.overrideRules[1].overriders.plaintext[0]: "
        "ClusterOverridePolicy rename renames Deployment/app/web to 'second' in clusters "
        "'ap', 'eu', 'us'"
    ), errors


def test_kubefed_override_and_karmada_policy_are_each_blamed_for_their_own_field() -> None:
    web = federated("        - {path: /metadata/name, value: renamed}\n")
    cop = (
        "---\napiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\n"
        "metadata: {name: kind}\nspec:\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n  overrideRules:\n    - overriders:\n"
        "        plaintext: [{path: /kind, operator: replace, value: StatefulSet}]\n"
    )
    errors = fleet_errors(INVENTORY, files={"ns": NAMESPACES, "web": web + cop})
    assert errors == [
        "fleet/web.yaml:10:12: spec.overrides[0].clusterOverrides[0].path: the override renames FederatedDeployment/app/web to 'renamed' in cluster 'east' (the name comes from the source's metadata.name; declare another object instead)",
        "fleet/web.yaml:19:21: spec.overrideRules[0].overriders.plaintext[0]: ClusterOverridePolicy kind changes the kind of FederatedDeployment/app/web to 'StatefulSet' in clusters 'east', 'lab', 'west' (the kind comes from the source; render another kind as its own object)",
    ]


def test_a_labels_overrider_on_a_namespace_changes_nothing_that_matters() -> None:
    labels = {"overriders": {"labelsOverrider": [{"operator": "add", "value": {"a": "b"}}]}}
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [namespace(), deployment(), policy()],
        overlays=[override("labels", [labels])],
    )
    assert rendered(compilation, "Namespace", "app")["eu"].manifest["metadata"]["labels"] == {
        "a": "b"
    }


def test_an_object_in_default_needs_no_namespace_object() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            configmap(namespace="default"),
            policy(namespace="default", selectors=[{"apiVersion": "v1", "kind": "ConfigMap"}]),
        ],
    )
    assert sorted(rendered(compilation, "ConfigMap", "settings")) == ["ap", "eu", "us"]


def test_a_federated_system_namespace_places_its_objects() -> None:
    """KubeFed never renders kube-system itself, but its FederatedNamespace places objects."""
    system = NAMESPACES.replace("app", "kube-system")
    config = (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        "metadata: {name: cfg, namespace: kube-system}\n"
        "spec: {template: {data: {a: b}}, placement: {clusters: [{name: east}]}}\n"
    )
    compilation = compile_fleet(INVENTORY, files={"ns": system, "cfg": config})
    assert [(o.cluster, o.namespace, o.name) for o in compilation.objects] == [
        ("east", "kube-system", "cfg")
    ]


def test_many_clusters_are_listed_once() -> None:
    clusters = [{"name": f"c{i}", "labels": {}} for i in range(8)]
    inventory = {
        "apiVersion": "kfedgen.io/v1alpha1",
        "kind": "Fleet",
        "metadata": {"name": "big"},
        "spec": {"clusters": clusters},
    }
    rule = plaintext({"path": "/metadata/generateName", "operator": "add", "value": "w-"})
    errors = fleet_errors(
        inventory, [deployment(), policy()], overlays=[override("gen", [rule], **DEPLOYMENTS)]
    )
    assert len(errors) == 1
    assert "in clusters 'c0', 'c1', 'c2', 'c3', 'c4' and 3 more" in errors[0]


_VALUES: dict[str, list[Any]] = {
    "/apiVersion": ["apps/v1", "apps/v1beta2", "v1", "extensions/v1beta1"],
    "/kind": ["Deployment", "StatefulSet"],
    "/metadata/name": ["web", "other"],
    "/metadata/namespace": ["app", "kube-system"],
    "/metadata/generateName": ["", "web-"],
}
_OPS = st.lists(
    st.sampled_from(sorted(_VALUES)).flatmap(
        lambda path: st.sampled_from(_VALUES[path]).map(lambda v: (path, v))
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(first=_OPS, second=_OPS)
def test_an_error_exactly_when_the_final_identity_differs(
    first: list[tuple[str, Any]], second: list[tuple[str, Any]]
) -> None:
    """Any sequence of writes over two policies: refused iff the result is not the source's."""
    final = deployment()
    final["metadata"] = dict(final["metadata"])
    for path, value in [*first, *second]:
        if path in {"/apiVersion", "/kind"}:
            final[path[1:]] = value
        else:
            final["metadata"][path.rsplit("/", 1)[1]] = value
    ops = [[{"path": p, "operator": "add", "value": v} for p, v in ops] for ops in (first, second)]
    overlays = [override(f"p{i}", [plaintext(*o)], **DEPLOYMENTS) for i, o in enumerate(ops) if o]
    source = Identity.of(deployment()).as_source()
    changed = source.differences(Identity.of(final))
    docs = [namespace(), namespace("kube-system"), deployment(), policy()]
    if changed:
        errors = fleet_errors(KARMADA_INVENTORY, docs, overlays=overlays)
        assert len(errors) == len(changed), errors
    else:
        compilation = compile_fleet(KARMADA_INVENTORY, docs, overlays=overlays)
        assert {o.name for o in rendered(compilation, final["kind"], "web").values()} == {"web"}


@pytest.mark.parametrize(
    ("override", "changed"),
    [
        ("{path: /kind, value: StatefulSet}", "changes the kind"),
        ("{path: /apiVersion, value: extensions/v1beta1}", "sets apiVersion"),
        ("{path: /metadata/namespace, value: other}", "moves"),
        ("{path: /metadata, value: {name: web}}", "removes the namespace"),
        ("{op: add, path: /metadata/generateName, value: web-}", "generateName"),
        ("{op: add, path: /meta~1data, value: {name: x}}", None),  # a key "meta/data"
        ("{op: add, path: /spec, value: {paused: true}}", None),
    ],
)
def test_every_kubefed_override_that_changes_the_identity_is_found(
    override: str, changed: str | None
) -> None:
    # materialize follows identity only through overrides of apiVersion, kind and metadata
    # (patching leaves every other top-level field's values the same objects).
    fleet = NAMESPACES + "---\n" + federated(f"        - {override}\n")
    if changed is None:
        assert compile_fleet(INVENTORY, fleet).objects
        return
    errors = fleet_errors(INVENTORY, fleet)
    assert len(errors) == 1, errors
    assert "the override" in errors[0] and changed in errors[0], errors
