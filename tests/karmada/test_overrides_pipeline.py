"""OverridePolicy / ClusterOverridePolicy over rendered objects, in Karmada's order."""

from __future__ import annotations

import copy
from typing import Any

from kfedgen.backend.emit import to_yaml as canonical_yaml
from tests.fleets import (
    compile_fleet,
    fleet_errors,
    warnings_of,
)
from tests.karmada._documents import (
    KARMADA_INVENTORY,
    deployment,
    namespace,
    override,
    policy,
    rendered,
    selector,
)

WEB = [deployment(), policy()]


def labels_rule(**labels: str) -> dict[str, Any]:
    return {"overriders": {"labelsOverrider": [{"operator": "add", "value": labels}]}}


def notes(compilation: Any, ref: str, cluster: str) -> list[str]:
    resolution = compilation.resolution(ref)
    return [r for r in resolution.decisions[cluster].reasons if "OverridePolicy" in r]


def test_cluster_policies_then_namespaced_least_specific_first_then_by_name() -> None:
    overlays = [
        override("z-all", [labels_rule(last="z-all")]),
        override("a-kind", [labels_rule(last="a-kind")], selectors=[selector()]),
        override(
            "b-label",
            [labels_rule(last="b-label")],
            selectors=[selector(labelSelector={"matchLabels": {"app": "web"}})],
        ),
        override("a-name", [labels_rule(last="a-name")], selectors=[selector(name="web")]),
        override("a-ns", [labels_rule(last="a-ns")], namespace="app"),
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, WEB, overlays=overlays)
    assert [
        n.split(" overrideRules")[0] for n in notes(compilation, "Deployment/app/web", "eu")
    ] == [
        "ClusterOverridePolicy a-kind",
        "ClusterOverridePolicy z-all",
        "ClusterOverridePolicy b-label",
        "ClusterOverridePolicy a-name",
        "OverridePolicy app/a-ns",
    ]
    assert rendered(compilation)["eu"].manifest["metadata"]["labels"]["last"] == "a-ns"


def test_namespaced_policies_see_what_cluster_policies_did_and_cluster_policies_do_not() -> None:
    tier: dict[str, Any] = {"labelSelector": {"matchLabels": {"tier": "web"}}}
    overlays = [
        override("a-adds-tier", [labels_rule(tier="web")]),
        # matched against the object before any cluster policy ran: no tier label yet
        override("b-needs-tier", [labels_rule(cop="saw-tier")], selectors=[selector(**tier)]),
        override(
            "needs-tier",
            [labels_rule(op="saw-tier")],
            namespace="app",
            selectors=[selector(**tier)],
        ),
    ]
    labels = rendered(compile_fleet(KARMADA_INVENTORY, WEB, overlays=overlays))["eu"].manifest[
        "metadata"
    ]["labels"]
    assert labels == {"app": "web", "tier": "web", "op": "saw-tier"}


def test_rules_apply_to_their_target_clusters_in_list_order() -> None:
    rules = [
        {"targetCluster": {"clusterNames": ["eu", "us"]}, **labels_rule(zone="first")},
        {
            "targetCluster": {"labelSelector": {"matchLabels": {"geo": "eu"}}},
            **labels_rule(zone="second"),
        },
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, WEB, overlays=[override("zones", rules)])
    got = {
        c: o.manifest["metadata"]["labels"].get("zone") for c, o in rendered(compilation).items()
    }
    assert got == {"ap": None, "eu": "second", "us": "first"}


def test_the_deprecated_target_cluster_and_overriders_form() -> None:
    doc = override("old", [])
    doc["spec"] = {"targetCluster": {"clusterNames": ["ap"]}, **labels_rule(old="yes")}
    compilation = compile_fleet(KARMADA_INVENTORY, WEB, overlays=[doc])
    assert rendered(compilation)["ap"].manifest["metadata"]["labels"]["old"] == "yes"
    assert "old" not in rendered(compilation)["eu"].manifest["metadata"]["labels"]
    assert notes(compilation, "Deployment/app/web", "ap") == [
        "ClusterOverridePolicy old overriders (targetCluster clusterNames [ap]): labelsOverrider"
    ]


FEDERATED = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: app, namespace: app}
spec:
  placement: {clusterSelector: {matchLabels: {env: prod}}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: app}
spec:
  template:
    spec:
      replicas: 2
      template: {spec: {containers: [{name: web, image: "registry.example.com/web:1"}]}}
  placement: {clusterSelector: {matchLabels: {env: prod}}}
  overrides:
    - clusterName: eu
      clusterOverrides: [{path: /spec/replicas, value: 4}]
    - clusterName: us
      clusterOverrides: [{path: /spec/replicas, value: 5}]
"""


def test_override_policies_apply_to_kubefed_objects_after_their_own_overrides() -> None:
    overlays = [
        override(
            "eu-replicas",
            [
                {
                    "targetCluster": {"clusterNames": ["eu"]},
                    "overriders": {
                        "plaintext": [
                            {"path": "/spec/replicas", "operator": "replace", "value": 9}
                        ],
                        "imageOverrider": [
                            {"component": "Registry", "operator": "replace", "value": "mirror.eu"}
                        ],
                    },
                }
            ],
            selectors=[selector()],
        )
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, FEDERATED, overlays=overlays)
    deployments = rendered(compilation)
    assert {c: o.manifest["spec"]["replicas"] for c, o in deployments.items()} == {
        "ap": 2,
        "eu": 9,
        "us": 5,
    }
    assert (
        deployments["eu"].manifest["spec"]["template"]["spec"]["containers"][0]["image"]
        == "mirror.eu/web:1"
    )
    assert (
        deployments["ap"].manifest["spec"]["template"]["spec"]["containers"][0]["image"]
        == "registry.example.com/web:1"
    )
    resolution = compilation.resolution("FederatedDeployment/app/web")
    assert resolution is not None
    reasons = resolution.decisions["eu"].reasons
    assert list(reasons[-2:]) == [
        "overrides[0]: replace /spec/replicas = 4",
        "ClusterOverridePolicy eu-replicas overrideRules[0] (targetCluster clusterNames [eu]): "
        "imageOverrider, plaintext",
    ]


def test_overrides_never_modify_shared_manifests() -> None:
    overlays = [
        override(
            "eu-image",
            [
                {
                    "targetCluster": {"clusterNames": ["eu"]},
                    "overriders": {
                        "imageOverrider": [
                            {"component": "Tag", "operator": "replace", "value": "2"}
                        ]
                    },
                }
            ],
        )
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, WEB, overlays=overlays)
    source = copy.deepcopy(compilation.spec.plain[0].data)
    deployments = rendered(compilation)

    def image(cluster: str) -> str:
        image: str = deployments[cluster].manifest["spec"]["template"]["spec"]["containers"][0][
            "image"
        ]
        return image

    assert (image("eu"), image("ap"), image("us")) == (
        "registry.example.com/web:2",
        "registry.example.com/web:1",
        "registry.example.com/web:1",
    )
    assert deployments["ap"].manifest is deployments["us"].manifest, "unchanged clusters share"
    assert compilation.spec.plain[0].data == source
    assert (
        compilation.spec.plain[0]
        .data["spec"]["template"]["spec"]["containers"][0]["image"]
        .endswith(":1")
    )


def test_a_failing_overrider_is_an_error_at_the_rule_naming_the_cluster() -> None:
    overlays = """\
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: broken}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
    - targetCluster: {clusterNames: [eu]}
      overriders:
        plaintext:
          - {path: /spec/paused, operator: replace, value: true}
"""
    assert fleet_errors(KARMADA_INVENTORY, WEB, overlays=overlays) == [
        "overlays/policies.yaml:10:13: spec.overrideRules[0].overriders.plaintext[0]: "
        "ClusterOverridePolicy broken overrideRules[0] cannot override Deployment/app/web for "
        "cluster 'eu': JSON patch operation 0 (replace '/spec/paused'): doc is missing key"
    ]


def test_a_policy_that_overrides_nothing_is_warned_about() -> None:
    overlays = [
        override("nothing", [labels_rule(x="y")], selectors=[selector("StatefulSet")]),
        override(
            "no-cluster", [{"targetCluster": {"clusterNames": ["lab"]}, **labels_rule(x="y")}]
        ),
    ]
    warnings = warnings_of(compile_fleet(KARMADA_INVENTORY, WEB, overlays=overlays))
    assert warnings == [
        "overlays/policies.yaml:4:3: metadata.name: warning: ClusterOverridePolicy nothing overrides no rendered object in any cluster; it has no effect",
        "overlays/policies.yaml:19:3: metadata.name: warning: ClusterOverridePolicy no-cluster overrides no rendered object in any cluster; it has no effect",
    ]


def test_synced_namespaces_take_cluster_policies_only() -> None:
    overlays = [
        override("ns-label", [labels_rule(team="web")], selectors=[selector("Namespace")]),
        override("op", [labels_rule(op="yes")], namespace="app"),
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, [namespace("app"), *WEB], overlays=overlays)
    assert rendered(compilation, "Namespace", "app")["lab"].manifest["metadata"] == {
        "name": "app",
        "labels": {"team": "web"},
    }


def test_emptied_metadata_maps_are_omitted() -> None:
    overlays = [
        override(
            "drop",
            [{"overriders": {"labelsOverrider": [{"operator": "remove", "value": {"app": ""}}]}}],
        )
    ]
    manifest = rendered(compile_fleet(KARMADA_INVENTORY, WEB, overlays=overlays))["eu"].manifest
    assert "labels" not in manifest["metadata"]


def test_numbers_keep_their_written_form_even_when_a_rule_applies() -> None:
    custom = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "app"},
        # (A plain 1.0 is the integer 1 to kubectl and kustomize, and so to kfedgen's loader.)
        "spec": {"ratio": 1.5, "count": 3},
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [custom, policy(selectors=[{"apiVersion": "example.com/v1", "kind": "Widget"}])],
        overlays=[override("label", [labels_rule(x="y")])],
    )
    text = canonical_yaml(rendered(compilation, "Widget", "w")["eu"].manifest).decode()
    assert "ratio: 1.5\n" in text
    assert "x: 'y'\n" in text  # quoted: a bare y is the boolean true to kubectl
