"""Karmada policy documents and Cluster inventory: parsing, defaults, validation, matching."""

from __future__ import annotations

from typing import Any

import pytest

from kfedgen.errors import Problems
from kfedgen.frontends.karmada.policies import add_propagation_policy
from kfedgen.frontends.schema import schema_names
from kfedgen.karmada.policytypes import (
    DUPLICATED,
    STATIC_WEIGHT,
    FieldRequirement,
    ResourceRef,
    selectors_priority,
)
from kfedgen.model import Cluster, FleetSpec
from kfedgen.source.load import Document
from tests.fleets import (
    compile_fleet,
    fleet_errors,
    inventory,
)
from tests.karmada import _cases
from tests.karmada._documents import (
    EMPTY_FLEET,
    KARMADA_INVENTORY,
    deployment,
    override,
    policy,
    selector,
)

MATCHES = _cases.load("cluster_matches.yaml")
SELECTORS = _cases.load("resource_selectors.yaml")
UPSTREAM_CLUSTER = Cluster(
    name=MATCHES["cluster"]["name"],
    labels=MATCHES["cluster"]["labels"],
    location=Document({}, "x", 0).location(),
    provider=MATCHES["cluster"]["provider"],
    region=MATCHES["cluster"]["region"],
    zones=tuple(MATCHES["cluster"]["zones"]),
)


def parse(doc: dict[str, Any]) -> tuple[FleetSpec, list[str]]:
    """Parse one policy document on its own; return the spec and the error messages."""
    spec, problems = FleetSpec(), Problems()
    add_propagation_policy(Document(doc, "p.yaml", 0), spec, problems)
    return spec, [p.message for p in problems.errors]


# -- upstream matching tests ---------------------------------------------------------------


@pytest.mark.parametrize("case", _cases.params(MATCHES["cluster_matches"]))
def test_cluster_matches_upstream(case: dict[str, Any]) -> None:
    spec, errors = parse(policy(placement={"clusterAffinity": case["affinity"]}))
    if "rejected" in case:
        assert any(case["rejected"] in e for e in errors), errors
        return
    assert errors == []
    affinity = spec.propagation_policies[0].placement.affinity
    assert affinity is not None
    assert affinity.matches(UPSTREAM_CLUSTER) is case["want"]
    assert (affinity.mismatch(UPSTREAM_CLUSTER) is None) is case["want"]


@pytest.mark.parametrize("case", _cases.params(MATCHES["match_zones"]))
def test_match_zones_upstream(case: dict[str, Any]) -> None:
    cluster = Cluster("c", {}, UPSTREAM_CLUSTER.location, zones=tuple(case["zones"]))
    requirement = FieldRequirement("zone", case["operator"], tuple(case["values"]))
    assert requirement.matches(cluster) is case["matched"]


def _selectors(raw: list[dict[str, Any]]) -> Any:
    spec, errors = parse(policy(namespace=None, selectors=raw or [selector()]))
    assert errors == []
    return spec.propagation_policies[0].selectors if raw else ()


@pytest.mark.parametrize("case", _cases.params(SELECTORS["selector_priority"]))
def test_resource_selector_priority_upstream(case: dict[str, Any]) -> None:
    (parsed,) = _selectors([case["selector"]])
    assert parsed.priority(ResourceRef.of(SELECTORS["resource"])) == case["want"]


@pytest.mark.parametrize("case", _cases.params(SELECTORS["selectors_priority"]))
def test_resource_match_selectors_priority_upstream(case: dict[str, Any]) -> None:
    parsed = _selectors(case["selectors"])
    assert selectors_priority(parsed, ResourceRef.of(SELECTORS["resource"])) == case["want"]


# -- defaults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheduling", "strategy", "ignores_spread"),
    [
        (None, DUPLICATED, False),
        ({}, STATIC_WEIGHT, True),  # CRD default Divided, webhook default Weighted
        ({"replicaSchedulingType": "Duplicated"}, DUPLICATED, False),
        ({"replicaSchedulingType": "Divided", "weightPreference": {}}, STATIC_WEIGHT, False),
        (
            {"weightPreference": {"staticWeightList": [{"targetCluster": {}, "weight": 1}]}},
            STATIC_WEIGHT,
            True,
        ),
        ({"weightPreference": {"dynamicWeight": "AvailableReplicas"}}, "DynamicWeight", False),
        ({"replicaDivisionPreference": "Aggregated"}, "Aggregated", False),
    ],
)
def test_replica_scheduling_defaults(
    scheduling: dict[str, Any] | None, strategy: str, ignores_spread: bool
) -> None:
    placement = {} if scheduling is None else {"replicaScheduling": scheduling}
    spec, errors = parse(policy(placement=placement))
    assert errors == []
    parsed = spec.propagation_policies[0].placement.replica_scheduling
    assert parsed.strategy == strategy
    assert parsed.ignores_spread_constraints is ignores_spread


def test_spread_constraint_defaults() -> None:
    spec, errors = parse(policy(placement={"spreadConstraints": [{"maxGroups": 3}]}))
    assert errors == []
    (constraint,) = spec.propagation_policies[0].placement.spread_constraints
    assert (constraint.field, constraint.min_groups, constraint.max_groups) == ("cluster", 1, 3)


def test_a_namespaced_policy_selects_its_own_namespace() -> None:
    spec, _ = parse(policy(namespace="app", selectors=[selector()]))
    assert spec.propagation_policies[0].selectors[0].namespace == "app"


# -- validation -------------------------------------------------------------------------------


BAD_POLICIES = [
    (
        {**policy(namespace=None), "spec": {"resourceSelectors": []}},
        [
            "fleet/app.yaml:27:3: spec.resourceSelectors: [] should be non-empty",
        ],
    ),
    (
        policy(selectors=[selector(namespace="other")]),
        [
            "fleet/app.yaml:31:5: spec.resourceSelectors[0].namespace: namespace 'other' differs from the policy's namespace 'app' (a namespaced policy selects objects of its own namespace only)",
        ],
    ),
    (
        policy(placement={"clusterAffinity": {}, "clusterAffinities": [{"affinityName": "a"}]}),
        [
            "fleet/app.yaml:33:5: spec.placement.clusterAffinities: clusterAffinities cannot be used together with clusterAffinity (move clusterAffinity into the first group of clusterAffinities)",
        ],
    ),
    (
        policy(placement={"clusterAffinities": [{"affinityName": "a"}, {"affinityName": "a"}]}),
        [
            "fleet/app.yaml:34:7: spec.placement.clusterAffinities[1].affinityName: affinityName 'a' is already used by clusterAffinities[0]",
        ],
    ),
    (
        policy(
            placement={
                "clusterAffinity": {
                    "fieldSelector": {"matchExpressions": [{"key": "region", "operator": "Exists"}]}
                }
            }
        ),
        [
            'fleet/app.yaml:36:11: spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].operator: "Exists" is not one of "In", "NotIn"',
        ],
    ),
    (
        policy(
            placement={
                "clusterAffinity": {
                    "fieldSelector": {"matchExpressions": [{"key": "region", "operator": "In"}]}
                }
            }
        ),
        [
            "fleet/app.yaml:35:11: spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].values: operator In needs at least one value",
        ],
    ),
    (
        policy(placement={"clusterTolerations": [{"operator": "Equal", "value": "x"}]}),
        [
            "fleet/app.yaml:33:7: spec.placement.clusterTolerations[0].operator: a toleration without key must use Exists",
        ],
    ),
    (
        policy(
            placement={"clusterTolerations": [{"key": "a", "operator": "Exists", "value": "x"}]}
        ),
        [
            "fleet/app.yaml:35:7: spec.placement.clusterTolerations[0].value: a toleration with operator Exists takes no value",
        ],
    ),
    (
        policy(
            placement={"spreadConstraints": [{"spreadByField": "region", "spreadByLabel": "x"}]}
        ),
        [
            "fleet/app.yaml:32:5: spec.placement.spreadConstraints: a spreadByField constraint needs a spreadByField: cluster constraint beside it",
            "fleet/app.yaml:33:7: spec.placement.spreadConstraints[0]: spreadByLabel cannot be used together with spreadByField",
        ],
    ),
    (
        policy(
            placement={
                "spreadConstraints": [{"spreadByField": "cluster", "minGroups": 3, "maxGroups": 2}]
            }
        ),
        [
            "fleet/app.yaml:35:7: spec.placement.spreadConstraints[0].maxGroups: maxGroups is lower than minGroups",
        ],
    ),
    (
        policy(placement={"spreadConstraints": [{"spreadByField": "region"}]}),
        [
            "fleet/app.yaml:32:5: spec.placement.spreadConstraints: a spreadByField constraint needs a spreadByField: cluster constraint beside it",
        ],
    ),
    (
        policy(placement={"spreadConstraints": [{"spreadByField": "cluster"}, {}]}),
        [
            "fleet/app.yaml:34:7: spec.placement.spreadConstraints[1].spreadByField: spreadByField cluster is already used by spreadConstraints[0]",
        ],
    ),
    (
        policy(
            placement={
                "replicaScheduling": {
                    "weightPreference": {"staticWeightList": [{"targetCluster": {}, "weight": 0}]}
                }
            }
        ),
        [
            "fleet/app.yaml:36:11: spec.placement.replicaScheduling.weightPreference.staticWeightList[0].weight: 0 is less than the minimum of 1",
        ],
    ),
    (
        policy(suspension={"dispatching": True, "dispatchingOnClusters": {}}),
        [
            "fleet/app.yaml:31:3: spec.suspension: dispatching cannot be used together with dispatchingOnClusters",
        ],
    ),
    (
        {**policy(), "spec": {"resourceSelectors": [selector()], "placment": {}}},
        [
            "fleet/app.yaml:31:3: spec.placment: unknown field 'placment' (did you mean 'placement'?)",
        ],
    ),
]


@pytest.mark.parametrize(("doc", "expected"), BAD_POLICIES)
def test_invalid_propagation_policies(doc: dict[str, Any], expected: list[str]) -> None:
    assert fleet_errors(KARMADA_INVENTORY, [deployment(), doc]) == expected


BAD_OVERRIDES = [
    (
        override("o", [{"overriders": {"plaintext": [{"path": "/x", "operator": "add"}]}}]),
        [
            "overlays/policies.yaml:9:9: spec.overrideRules[0].overriders.plaintext[0]: value is required for operator 'add'",
        ],
    ),
    (
        override(
            "o", [{"overriders": {"plaintext": [{"path": "/x", "operator": "remove", "value": 1}]}}]
        ),
        [
            "overlays/policies.yaml:9:9: spec.overrideRules[0].overriders.plaintext[0]: value is forbidden for operator 'remove'",
        ],
    ),
    (
        override("o", [{"overriders": {"fieldOverrider": [{"fieldPath": "/data/x"}]}}]),
        [
            "overlays/policies.yaml:9:9: spec.overrideRules[0].overriders.fieldOverrider[0]: give exactly one of json and yaml",
        ],
    ),
    (
        override(
            "o",
            [{"overriders": {"imageOverrider": [{"component": "Host", "operator": "replace"}]}}],
        ),
        [
            'overlays/policies.yaml:9:9: spec.overrideRules[0].overriders.imageOverrider[0].component: "Host" is not one of "Registry", "Repository", "Tag"',
        ],
    ),
    (
        override("o", [{"overriders": {"cueOverrider": []}}]),
        [
            "overlays/policies.yaml:8:7: spec.overrideRules[0].overriders.cueOverrider: unknown field 'cueOverrider' (did you mean 'imageOverrider'?)",
        ],
    ),
    (
        {**override("o", []), "spec": {"overrideRules": [], "overriders": {}}},
        [
            "overlays/policies.yaml:7:3: spec.overriders: overriders cannot be used together with overrideRules (move it into an overrideRules entry)",
        ],
    ),
    (
        override("o", [{"targetCluster": {"clusterNames": ["nowhere"]}, "overriders": {}}]),
        [
            "overlays/policies.yaml:9:9: spec.overrideRules[0].targetCluster.clusterNames[0]: cluster 'nowhere' is not in the inventory",
        ],
    ),
]


@pytest.mark.parametrize(("doc", "expected"), BAD_OVERRIDES)
def test_invalid_override_policies(doc: dict[str, Any], expected: list[str]) -> None:
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), policy()], overlays=[doc])
    assert errors == expected


def test_a_policy_defined_twice_is_an_error() -> None:
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), policy("p"), policy("p")])
    assert errors == [
        "fleet/app.yaml:35:3: metadata.name: PropagationPolicy app/p is defined twice; the "
        "first is at fleet/app.yaml:22:1"
    ]


def test_unknown_karmada_kinds_are_errors_not_plain_objects() -> None:
    doc = {**policy(), "apiVersion": "policy.karmada.io/v1beta1"}
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), doc])
    assert errors == [
        "fleet/app.yaml:23:1: kind: unknown kind 'PropagationPolicy' for apiVersion "
        "'policy.karmada.io/v1beta1' (did you mean apiVersion 'policy.karmada.io/v1alpha1'?)"
    ]


def test_fields_kfedgen_does_not_emulate_are_warned_about() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(), policy(propagateDeps=True, association=True, schedulerName="custom")],
    )
    warnings = [str(p) for p in compilation.problems.warnings]
    assert warnings == [
        "fleet/app.yaml:33:3: spec.schedulerName: warning: schedulerName is not emulated offline "
        "(kfedgen schedules as Karmada's default-scheduler)",
        "fleet/app.yaml:32:3: spec.association: warning: association is deprecated and has no "
        "effect in Karmada (nor in kfedgen) (set propagateDeps: true to propagate the "
        "workloads' dependencies)",
    ]


def test_the_schemas_are_listed() -> None:
    assert {
        "Cluster",
        "PropagationPolicy",
        "ClusterPropagationPolicy",
        "OverridePolicy",
        "ClusterOverridePolicy",
    } <= set(schema_names())


# -- inventory ----------------------------------------------------------------------------------

KARMADA_CLUSTERS = """\
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member1
  labels: {env: prod}
  annotations: {kfedgen.io/available-replicas: "12"}
spec:
  apiEndpoint: https://member1.example.com
  syncMode: Push
  provider: huaweicloud
  region: cn-south-1
  zone: cn-south-1a
  taints:
    - {key: maintenance, effect: NoExecute}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member2
spec:
  zone: ignored-when-zones-is-set
  zones: [a, b]
"""


def test_karmada_clusters_are_inventory() -> None:
    fleet = EMPTY_FLEET + "---\n" + KARMADA_CLUSTERS
    compilation = compile_fleet(fleet, [deployment(), policy()])
    member1 = compilation.spec.clusters["member1"]
    assert member1.server == "https://member1.example.com"
    assert member1.labels == {"env": "prod"}
    assert (member1.provider, member1.region, member1.zones) == (
        "huaweicloud",
        "cn-south-1",
        ("cn-south-1a",),
    )
    assert [(t.key, t.value, t.effect) for t in member1.taints] == [
        ("maintenance", "", "NoExecute")
    ]
    assert member1.available_replicas == 12
    assert compilation.spec.clusters["member2"].zones == ("a", "b")
    # member1's NoExecute taint keeps the deployment out
    assert sorted(o.cluster for o in compilation.objects if o.kind == "Deployment") == ["member2"]


def test_fleet_clusters_carry_taints() -> None:
    fleet = inventory({"name": "a", "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]})
    compilation = compile_fleet(fleet, [deployment(), policy()])
    assert [(t.key, t.value, t.effect) for t in compilation.spec.clusters["a"].taints] == [
        ("k", "v", "NoSchedule")
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '  annotations: {kfedgen.io/available-replicas: "many"}\n',
            [
                "fleet/inventory.yaml:11:17: metadata.annotations.kfedgen.io/available-replicas: 'many' must be a whole number of at most 10 digits, written as a string (such as \"12\")",
            ],
        ),
        (
            '  annotations: {kfedgen.io/available-replicas: "9999999999"}\n',
            [
                "fleet/inventory.yaml:11:17: metadata.annotations.kfedgen.io/available-replicas: 9999999999 is larger than an int32",
            ],
        ),
        (
            "  labels: {bad key: x}\n",
            [
                "fleet/inventory.yaml:11:12: metadata.labels.bad key: label key 'bad key' is not valid",
            ],
        ),
    ],
)
def test_invalid_karmada_clusters(extra: str, expected: list[str]) -> None:
    fleet = (
        EMPTY_FLEET
        + "---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: c\n"
        + extra
    )
    assert fleet_errors(fleet, [deployment(), policy()]) == expected


def test_a_karmada_cluster_cannot_repeat_a_fleet_cluster() -> None:
    fleet = (
        inventory({"name": "c"})
        + "---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\n"
    )
    errors = fleet_errors(fleet, [deployment(), policy()])
    assert errors == [
        "fleet/inventory.yaml:10:12: metadata.name: cluster 'c' is already in the inventory at "
        "fleet/inventory.yaml:6:7"
    ]
