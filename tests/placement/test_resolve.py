"""Placement (reference 1.3) and the FederatedNamespace gate (1.7)."""

from __future__ import annotations

import pytest

from tests.fleets import INVENTORY, compile_fleet

NAMESPACE = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: app, namespace: app}
spec:
  placement:
    clusterSelector: {}
"""


def configmap(placement: str, namespace: str = "app") -> str:
    return f"""\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {{name: cfg, namespace: {namespace}}}
spec:
  template:
    data: {{a: b}}
  placement:
{placement}
"""


PLACEMENTS = [
    ("    clusters: [{name: west}, {name: east}]", ["east", "west"]),
    ("    clusters: []\n    clusterSelector: {}", []),
    ("    clusters: [{name: lab}]\n    clusterSelector: {matchLabels: {env: prod}}", ["lab"]),
    ("    clusterSelector: {}", ["east", "lab", "west"]),
    ("    clusterSelector: {matchLabels: {}}", ["east", "lab", "west"]),
    ("    clusterSelector: null", []),
    ("    {}", []),
    ("    clusterSelector: {matchLabels: {env: prod}}", ["east", "west"]),
    (
        "    clusterSelector:\n      matchExpressions: [{key: env, operator: In, values: [dev, qa]}]",
        ["lab"],
    ),
    (
        "    clusterSelector:\n      matchExpressions: [{key: tier, operator: NotIn, values: [edge]}]",
        ["east", "lab"],
    ),
    ("    clusterSelector:\n      matchExpressions: [{key: tier, operator: Exists}]", ["west"]),
    (
        "    clusterSelector:\n      matchExpressions: [{key: tier, operator: DoesNotExist}]",
        ["east", "lab"],
    ),
    (
        "    clusterSelector:\n      matchLabels: {env: prod}\n"
        "      matchExpressions: [{key: region, operator: In, values: [us-west-2, eu-central-1]}]",
        ["west"],
    ),
]


@pytest.mark.parametrize(("placement", "expected"), PLACEMENTS)
def test_placement(placement: str, expected: list[str]) -> None:
    compilation = compile_fleet(INVENTORY, files={"ns": NAMESPACE, "cfg": configmap(placement)})
    resolution = compilation.resolution("FederatedConfigMap/app/cfg")
    assert resolution is not None
    assert resolution.clusters == expected
    assert sorted(o.cluster for o in compilation.objects if o.kind == "ConfigMap") == expected


def test_namespace_placement_intersects() -> None:
    namespace = NAMESPACE.replace("clusterSelector: {}", "clusters: [{name: east}, {name: lab}]")
    compilation = compile_fleet(
        INVENTORY, files={"ns": namespace, "cfg": configmap("    clusterSelector: {}")}
    )
    resolution = compilation.resolution("FederatedConfigMap/app/cfg")
    assert resolution is not None
    assert resolution.clusters == ["east", "lab"]
    assert "FederatedNamespace app is not placed there" in resolution.decisions["west"].reasons


def test_missing_federated_namespace_places_nothing_and_warns() -> None:
    compilation = compile_fleet(
        INVENTORY, files={"cfg": configmap("    clusterSelector: {}", namespace="other")}
    )
    assert compilation.objects == []
    (warning,) = compilation.problems.warnings
    assert "namespace 'other' has no FederatedNamespace" in warning.message
    assert warning.hint == "add a FederatedNamespace other/other"


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public"])
def test_system_namespaces_gate_but_are_not_rendered(namespace: str) -> None:
    federated_ns = NAMESPACE.replace("app, namespace: app", f"{namespace}, namespace: {namespace}")
    compilation = compile_fleet(
        INVENTORY,
        files={
            "ns": federated_ns,
            "cfg": configmap("    clusterSelector: {}", namespace=namespace),
        },
    )
    kinds = sorted({o.kind for o in compilation.objects})
    assert kinds == ["ConfigMap"]


def test_namespace_target_has_no_namespace_field() -> None:
    compilation = compile_fleet(INVENTORY, files={"ns": NAMESPACE})
    (namespace, *_) = compilation.objects
    assert namespace.manifest["metadata"] == {"name": "app"}


def test_cluster_scoped_target_loses_template_namespace() -> None:
    role = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedClusterRole
metadata: {name: reader}
spec:
  template:
    metadata: {namespace: stray, annotations: {note: kept}}
    rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
  placement: {clusters: [{name: east}]}
"""
    (obj,) = compile_fleet(INVENTORY, files={"role": role}).objects
    assert obj.manifest["metadata"] == {"name": "reader", "annotations": {"note": "kept"}}
    assert obj.manifest["apiVersion"] == "rbac.authorization.k8s.io/v1"


def test_selector_override_entries_apply_in_list_order() -> None:
    deployment = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: app}
spec:
  template: {spec: {replicas: 1}}
  placement: {clusterSelector: {}}
  overrides:
    - clusterSelector: {matchLabels: {env: prod}}
      clusterOverrides: [{path: /spec/replicas, value: 3}]
    - clusterName: west
      clusterOverrides: [{path: /spec/replicas, value: 5}]
    - clusterSelector: {matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}
      clusterOverrides: [{path: /spec/paused, value: true}]
"""
    compilation = compile_fleet(INVENTORY, files={"ns": NAMESPACE, "web": deployment})
    specs = {o.cluster: o.manifest["spec"] for o in compilation.objects if o.kind == "Deployment"}
    assert specs == {
        "east": {"replicas": 3},
        "west": {"replicas": 5},
        "lab": {"replicas": 1, "paused": True},
    }
    reasons = compilation.resolutions[1].decisions["west"].reasons
    assert list(reasons[-2:]) == [
        "overrides[0]: replace /spec/replicas = 3",
        "overrides[1]: replace /spec/replicas = 5",
    ]


def test_template_api_version_wins_over_the_type() -> None:
    ingress = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedIngress
metadata: {name: web, namespace: app}
spec:
  template: {apiVersion: networking.k8s.io/v1beta1, spec: {}}
  placement: {clusters: [{name: east}]}
"""
    compilation = compile_fleet(INVENTORY, files={"ns": NAMESPACE, "ing": ingress})
    assert [o.api_version for o in compilation.objects if o.kind == "Ingress"] == [
        "networking.k8s.io/v1beta1"
    ]
