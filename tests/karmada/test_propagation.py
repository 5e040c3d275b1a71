"""Karmada propagation through the real pipeline: policy choice, cluster filters, spread
constraints, replica division, ReviseReplica, namespaces.

Inventory (``_documents.CLUSTERS``): ``ap`` (aws, ap-northeast-1, capacity 8), ``eu`` (aws,
eu-west-1, capacity 6), ``us`` (gcp, us-east-1, capacity 10) and ``lab`` (tainted
``dedicated=lab:NoSchedule``, no region, no capacity).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.karmada.webster import allocate_webster_seats
from tests.fleets import (
    compile_fleet,
    fleet_errors,
    inventory,
    to_yaml,
    warnings_of,
)
from tests.karmada._documents import (
    CLUSTERS,
    EMPTY_FLEET,
    KARMADA_INVENTORY,
    configmap,
    deployment,
    namespace,
    policy,
    rendered,
    replicas,
    selector,
    static_weights,
)

PROD = ["ap", "eu", "us"]


def reasons(compilation: Any, ref: str, cluster: str) -> list[str]:
    resolution = compilation.resolution(ref)
    assert resolution is not None, f"{ref} has no Karmada resolution"
    return list(resolution.decisions[cluster].reasons)


# -- policy choice ---------------------------------------------------------------------------


def chosen(*policies: dict[str, Any], obj: dict[str, Any] | None = None) -> str:
    compilation = compile_fleet(KARMADA_INVENTORY, [obj or deployment(), *policies])
    resolution = compilation.resolution("Deployment/app/web")
    assert resolution is not None and resolution.propagation is not None
    assert resolution.propagation.policy is not None
    return resolution.propagation.policy.ref


def test_a_namespaced_policy_beats_a_cluster_policy_whatever_its_priority() -> None:
    winner = chosen(
        policy("low", priority=-5, selectors=[selector()]),
        policy("high", namespace=None, priority=100, selectors=[selector(name="web")]),
    )
    assert winner == "PropagationPolicy app/low"


def test_higher_priority_wins_among_policies_of_one_kind() -> None:
    assert (
        chosen(
            policy("a", selectors=[selector(name="web")]),
            policy("b", priority=1, selectors=[selector()]),
        )
        == "PropagationPolicy app/b"
    )


@pytest.mark.parametrize(
    ("a", "b", "winner"),
    [
        (selector(name="web"), selector(labelSelector={"matchLabels": {"app": "web"}}), "a"),
        (selector(), selector(labelSelector={"matchLabels": {"app": "web"}}), "b"),
        (selector(), selector(), "a"),  # a tie: the smaller name wins
    ],
)
def test_on_equal_priority_the_more_precise_selector_then_the_smaller_name_wins(
    a: dict[str, Any], b: dict[str, Any], winner: str
) -> None:
    assert chosen(policy("b", selectors=[b]), policy("a", selectors=[a])) == (
        f"PropagationPolicy app/{winner}"
    )


def test_the_losing_policies_are_explained() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(), policy("a", selectors=[selector()]), policy("b", selectors=[selector()])],
    )
    assert reasons(compilation, "Deployment/app/web", "eu")[:2] == [
        "selected by PropagationPolicy app/a (priority 0, kind match)",
        "PropagationPolicy app/b also selects it but loses: name 'b' sorts after 'a'",
    ]


def test_a_cluster_policy_selects_in_any_namespace_a_namespaced_one_only_its_own() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            deployment(namespace="app"),
            deployment(namespace="other"),
            policy("here", namespace="app"),
            policy("all", namespace=None, selectors=[selector(namespace="other")]),
        ],
    )
    app = compilation.resolution("Deployment/app/web")
    other = compilation.resolution("Deployment/other/web")
    app_policy = app.propagation.policy if app and app.propagation else None
    other_policy = other.propagation.policy if other and other.propagation else None
    assert app_policy is not None and app_policy.name == "here"
    assert other_policy is not None and other_policy.name == "all"


def test_objects_no_policy_selects_are_reported_not_rendered() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY, [deployment(), configmap(), policy(selectors=[selector()])]
    )
    assert rendered(compilation, "ConfigMap", "settings") == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:23:1: warning: ConfigMap app/settings is a plain object that nothing federates or propagates; it is not rendered (wrap it in a Federated type, or select it with a Karmada PropagationPolicy)",
    ]
    assert not any("Deployment app/web is a plain" in w for w in warnings_of(compilation))


def test_objects_of_kube_namespaces_are_never_propagated() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(namespace="kube-system"), policy(namespace=None, selectors=[selector()])],
    )
    assert rendered(compilation) == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:5:3: metadata.namespace: warning: Deployment/kube-system/web is in namespace kube-system, whose objects Karmada never propagates; it is not rendered",
    ]


# -- cluster filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("affinity", "clusters"),
    [
        ({}, PROD),
        ({"clusterNames": ["eu", "lab"]}, ["eu"]),  # lab stays tainted
        ({"exclude": ["eu"]}, ["ap", "us"]),
        ({"labelSelector": {"matchLabels": {"geo": "us"}}}, ["us"]),
        (
            {
                "fieldSelector": {
                    "matchExpressions": [{"key": "provider", "operator": "In", "values": ["aws"]}]
                }
            },
            ["ap", "eu"],
        ),
        (
            {
                "fieldSelector": {
                    "matchExpressions": [
                        {"key": "region", "operator": "NotIn", "values": ["eu-west-1"]}
                    ]
                }
            },
            ["ap", "us"],
        ),
        # In: every zone of the cluster must be listed (eu has two zones)
        (
            {
                "fieldSelector": {
                    "matchExpressions": [
                        {
                            "key": "zone",
                            "operator": "In",
                            "values": ["eu-west-1a", "ap-northeast-1a"],
                        }
                    ]
                }
            },
            ["ap"],
        ),
        ({"clusterNames": ["eu", "us"], "exclude": ["us"]}, ["eu"]),
    ],
)
def test_cluster_affinity(affinity: dict[str, Any], clusters: list[str]) -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY, [deployment(), policy(placement={"clusterAffinity": affinity})]
    )
    assert sorted(replicas(compilation)) == clusters


def test_why_a_cluster_is_left_out() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(), policy(placement={"clusterAffinity": {"exclude": ["eu"]}})],
    )
    assert "clusterAffinity does not select it: it is listed in exclude" in reasons(
        compilation, "Deployment/app/web", "eu"
    )
    assert "taint dedicated=lab:NoSchedule is not tolerated" in reasons(
        compilation, "Deployment/app/web", "lab"
    )


@pytest.mark.parametrize(
    ("toleration", "lab_included"),
    [
        ({"key": "dedicated", "operator": "Exists"}, True),
        ({"key": "dedicated", "operator": "Equal", "value": "lab"}, True),
        ({"key": "dedicated", "value": "lab", "effect": "NoSchedule"}, True),
        ({"operator": "Exists"}, True),
        ({"key": "dedicated", "operator": "Equal", "value": "other"}, False),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, False),
    ],
)
def test_cluster_tolerations(toleration: dict[str, Any], lab_included: bool) -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY, [deployment(), policy(placement={"clusterTolerations": [toleration]})]
    )
    assert ("lab" in replicas(compilation)) is lab_included


def test_prefer_no_schedule_taints_do_not_filter() -> None:
    clusters = [{"name": "soft", "taints": [{"key": "x", "effect": "PreferNoSchedule"}]}]
    compilation = compile_fleet(inventory(*clusters), [deployment(), policy()])
    assert replicas(compilation) == {"soft": 6}


def test_cluster_affinities_fall_back_to_the_first_schedulable_group() -> None:
    placement = {
        "clusterAffinities": [
            {"affinityName": "primary", "clusterNames": ["lab"]},
            {"affinityName": "backup", "labelSelector": {"matchLabels": {"env": "prod"}}},
        ]
    }
    compilation = compile_fleet(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert sorted(replicas(compilation)) == PROD
    assert reasons(compilation, "Deployment/app/web", "eu")[1] == (
        "clusterAffinities[0] (primary) is not schedulable: 0/4 clusters are available"
    )


def test_no_schedulable_group_leaves_the_object_unrendered_with_a_warning() -> None:
    placement = {"clusterAffinities": [{"affinityName": "only", "clusterNames": ["lab"]}]}
    compilation = compile_fleet(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert rendered(compilation) == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: Deployment/app/web is not scheduled by PropagationPolicy app/spread: 0/4 clusters are available; it is not rendered",
    ]


# -- replica division ---------------------------------------------------------------------


def test_duplicated_is_the_default_and_leaves_the_manifest_alone() -> None:
    compilation = compile_fleet(KARMADA_INVENTORY, [deployment(replicas=6), policy()])
    assert replicas(compilation) == dict.fromkeys(PROD, 6)
    manifests = {id(o.manifest) for o in rendered(compilation).values()}
    assert len(manifests) == 1, "every cluster shares the one unchanged manifest"


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (5, {"eu": 2, "ap": 1, "us": 2}, {"eu": 2, "ap": 1, "us": 2}),
        (12, {"eu": 3, "ap": 2, "us": 1}, {"eu": 6, "ap": 4, "us": 2}),
        (13, {"eu": 3, "ap": 2, "us": 1}, {"eu": 7, "ap": 4, "us": 2}),
        (14, {"eu": 3, "ap": 2, "us": 1}, {"eu": 7, "ap": 5, "us": 2}),
        (3, {"eu": 1, "us": 1}, {"eu": 2, "us": 1}),  # tie: fewer seats, then name
        (1, {"eu": 2, "ap": 1}, {"eu": 1}),  # ap gets 0 and is dropped
    ],
)
def test_static_weights_divide_by_webster(
    total: int, weights: dict[str, int], expected: dict[str, int]
) -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            deployment(replicas=total),
            policy(placement={"replicaScheduling": static_weights(**weights)}),
        ],
    )
    assert replicas(compilation) == expected


def test_a_cluster_left_with_no_replica_is_dropped_and_explained() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            deployment(replicas=1),
            policy(placement={"replicaScheduling": static_weights(eu=2, ap=1)}),
        ],
    )
    assert reasons(compilation, "Deployment/app/web", "ap")[-1] == (
        "static weight 1 gets 0 of 1 replicas; Karmada drops clusters left with none"
    )
    assert reasons(compilation, "Deployment/app/web", "us")[-1] == (
        "no staticWeightList entry matches it (weight 0)"
    )
    assert reasons(compilation, "Deployment/app/web", "eu")[-1] == (
        "static weight 2 → 1 replica (spec.replicas = 1)"
    )


def test_a_cluster_takes_the_largest_weight_of_the_rules_that_match_it() -> None:
    scheduling = {
        "replicaSchedulingType": "Divided",
        "weightPreference": {
            "staticWeightList": [
                {"targetCluster": {"labelSelector": {"matchLabels": {"env": "prod"}}}, "weight": 1},
                {"targetCluster": {"clusterNames": ["us"]}, "weight": 3},
            ]
        },
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(replicas=10), policy(placement={"replicaScheduling": scheduling})],
    )
    assert replicas(compilation) == {"ap": 2, "eu": 2, "us": 6}
    resolution = compilation.resolution("Deployment/app/web")
    assert resolution is not None
    assert resolution.schedule_notes == {
        "ap": "static weight 1",
        "eu": "static weight 1",
        "us": "static weight 3",
    }


@pytest.mark.parametrize(
    "scheduling",
    [
        {},  # replicaSchedulingType defaults to Divided, the preference to Weighted
        {"replicaSchedulingType": "Divided"},
        {"replicaSchedulingType": "Divided", "weightPreference": {}},
        static_weights(nowhere=0 + 1),  # no rule matches a candidate: equal weights
    ],
)
def test_without_matching_weights_every_candidate_weighs_one(
    scheduling: dict[str, Any],
) -> None:
    fleet = inventory(
        *CLUSTERS, {"name": "nowhere", "taints": [{"key": "x", "effect": "NoSchedule"}]}
    )
    compilation = compile_fleet(
        fleet, [deployment(replicas=7), policy(placement={"replicaScheduling": scheduling})]
    )
    assert replicas(compilation) == {"ap": 3, "eu": 2, "us": 2}


def test_dynamic_weight_divides_by_declared_capacity() -> None:
    scheduling = {
        "replicaSchedulingType": "Divided",
        "weightPreference": {"dynamicWeight": "AvailableReplicas"},
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(replicas=12), policy(placement={"replicaScheduling": scheduling})],
    )
    assert replicas(compilation) == {"ap": 4, "eu": 3, "us": 5}


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (12, {"ap": 5, "us": 7}),  # the reference's 12 over 6:8:10 -> 0/5/7
        (10, {"us": 10}),
        (24, {"ap": 8, "eu": 6, "us": 10}),
    ],
)
def test_aggregated_uses_the_fewest_clusters_by_capacity(
    total: int, expected: dict[str, int]
) -> None:
    scheduling = {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(replicas=total), policy(placement={"replicaScheduling": scheduling})],
    )
    assert replicas(compilation) == expected


def test_not_enough_capacity_is_unschedulable() -> None:
    scheduling = {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(replicas=25), policy(placement={"replicaScheduling": scheduling})],
    )
    assert rendered(compilation) == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: Deployment/app/web is not scheduled by PropagationPolicy app/spread: clusters' available replicas 24 are not enough for 25; it is not rendered",
    ]


def test_dynamic_division_without_declared_capacity_is_an_error() -> None:
    scheduling = {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
    placement = {
        "replicaScheduling": scheduling,
        "clusterTolerations": [{"key": "dedicated", "operator": "Exists"}],
    }
    docs = [deployment(), policy(placement=placement)]
    errors = fleet_errors(KARMADA_INVENTORY, docs)
    line = to_yaml(*docs).splitlines().index("    replicaScheduling:") + 1
    assert errors == [
        f"fleet/app.yaml:{line}:5: spec.placement.replicaScheduling: Aggregated division needs "
        "each cluster's capacity, which Karmada estimates live; declare it for lab (in the "
        "Fleet, compute.nodePools with allocatable or availableReplicas; on a Karmada Cluster, "
        "status.resourceSummary or the kfedgen.io/available-replicas annotation)"
    ]


def test_capacity_from_a_karmada_cluster_annotation() -> None:
    clusters = "".join(
        f"""\
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: {name}
  annotations: {{kfedgen.io/available-replicas: "{capacity}"}}
"""
        for name, capacity in (("one", 3), ("two", 9))
    )
    fleet = EMPTY_FLEET + clusters
    scheduling = {
        "replicaSchedulingType": "Divided",
        "weightPreference": {"dynamicWeight": "AvailableReplicas"},
    }
    compilation = compile_fleet(
        fleet, [deployment(replicas=4), policy(placement={"replicaScheduling": scheduling})]
    )
    assert replicas(compilation) == {"one": 1, "two": 3}


# -- what replicas are ---------------------------------------------------------------------


def job(parallelism: int | None, completions: int | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"restartPolicy": "Never", "containers": []}}}
    if parallelism is not None:
        spec["parallelism"] = parallelism
    if completions is not None:
        spec["completions"] = completions
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "batch", "namespace": "app"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("parallelism", "completions", "expected"),
    [
        (
            4,
            8,
            {
                "ap": {"parallelism": 2, "completions": 4},
                "eu": {"parallelism": 2, "completions": 4},
            },
        ),
        # replicas = min(parallelism, completions); completions split by the assigned replicas
        (
            10,
            3,
            {
                "ap": {"parallelism": 2, "completions": 2},
                "eu": {"parallelism": 1, "completions": 1},
            },
        ),
        (4, None, {"ap": {"parallelism": 2}, "eu": {"parallelism": 2}}),
        (None, None, {"ap": {"parallelism": 1}}),  # the API server's defaults: 1 and 1
    ],
)
def test_divided_jobs_get_parallelism_and_completions(
    parallelism: int | None, completions: int | None, expected: dict[str, dict[str, int]]
) -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            job(parallelism, completions),
            policy(
                selectors=[selector("Job")],
                placement={"replicaScheduling": static_weights(ap=1, eu=1)},
            ),
        ],
    )
    got = {
        cluster: {
            k: v for k, v in obj.manifest["spec"].items() if k in ("parallelism", "completions")
        }
        for cluster, obj in rendered(compilation, "Job", "batch").items()
    }
    assert got == expected


def test_a_divided_pod_is_one_replica_in_one_cluster() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "one", "namespace": "app"},
        "spec": {"containers": []},
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [pod, policy(selectors=[selector("Pod")], placement={"replicaScheduling": {}})],
    )
    assert sorted(rendered(compilation, "Pod", "one")) == ["ap"]


def divided_apps_kind(kind: str) -> Any:
    """A 5-replica apps/v1 ``kind`` and a ConfigMap, divided 1:1 over eu and us."""
    workload = deployment(replicas=5)
    workload["kind"] = kind
    scheduling = {"replicaScheduling": static_weights(eu=1, us=1)}
    selectors = [selector(kind), selector("ConfigMap")]
    return compile_fleet(
        KARMADA_INVENTORY,
        [workload, configmap(), policy(selectors=selectors, placement=scheduling)],
    )


def test_a_divided_replica_set_is_divided_like_a_deployment() -> None:
    # Karmada v1.16+ replica.go replicaSetReplica / revisereplica.go reviseReplicaSetReplica.
    assert replicas(divided_apps_kind("ReplicaSet"), "ReplicaSet") == {"eu": 3, "us": 2}


def test_kinds_without_a_replica_interpreter_go_to_every_selected_cluster() -> None:
    compilation = divided_apps_kind("DaemonSet")
    assert replicas(compilation, "DaemonSet") == dict.fromkeys(PROD, 5)
    assert sorted(rendered(compilation, "ConfigMap", "settings")) == PROD


def test_zero_replicas_go_everywhere_and_are_not_revised() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(replicas=0), policy(placement={"replicaScheduling": static_weights(eu=1)})],
    )
    assert replicas(compilation) == dict.fromkeys(PROD, 0)


def test_unset_replicas_count_as_the_api_server_default_of_one() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            deployment(replicas=None),
            policy(placement={"replicaScheduling": static_weights(eu=1, us=1)}),
        ],
    )
    assert replicas(compilation) == {"eu": 1}


def test_replicas_that_are_not_an_integer_are_an_error() -> None:
    bad = deployment()
    bad["spec"]["replicas"] = "three"
    assert fleet_errors(KARMADA_INVENTORY, [bad, policy()]) == [
        "fleet/app.yaml:20:3: spec.replicas: spec.replicas must be a non-negative integer (int32)",
    ]


# -- spread constraints -----------------------------------------------------------------------


def test_duplicated_spread_by_cluster_keeps_max_groups_by_capacity_then_name() -> None:
    placement = {"spreadConstraints": [{"spreadByField": "cluster", "maxGroups": 2}]}
    compilation = compile_fleet(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert replicas(compilation) == {"us": 6, "ap": 6}
    rule = "the first 2 by available replicas, then name, are kept"
    assert (
        f"spreadConstraints[0] (cluster, maxGroups 2) selects it: rank 1 of 3 (available 10); {rule}"
    ) in reasons(compilation, "Deployment/app/web", "us")
    assert reasons(compilation, "Deployment/app/web", "eu")[-1] == (
        f"spreadConstraints[0] (cluster, maxGroups 2) leaves it out: rank 3 of 3 (available 6); "
        f"{rule}"
    )


def test_too_few_clusters_for_min_groups_is_unschedulable() -> None:
    placement = {"spreadConstraints": [{"minGroups": 4, "maxGroups": 4}]}
    compilation = compile_fleet(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert rendered(compilation) == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: Deployment/app/web is not scheduled by PropagationPolicy app/spread: 3 feasible clusters are fewer than spreadConstraints[0].minGroups 4 (Karmada: the number of feasible clusters is less than spreadConstraint.MinGroups); it is not rendered",
    ]


def test_static_weights_ignore_spread_constraints_but_not_the_property_filter() -> None:
    placement = {
        "replicaScheduling": static_weights(eu=1, us=1, lab=1),
        "clusterTolerations": [{"operator": "Exists"}],
        "spreadConstraints": [
            {"spreadByField": "region", "maxGroups": 1},
            {"spreadByField": "cluster", "maxGroups": 1},
        ],
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY, [deployment(replicas=4), policy(placement=placement)]
    )
    assert replicas(compilation) == {"eu": 2, "us": 2}
    assert "it has no region, which spreadConstraints[0] spreads by" in reasons(
        compilation, "Deployment/app/web", "lab"
    )


DYNAMIC = {
    "replicaSchedulingType": "Divided",
    "weightPreference": {"dynamicWeight": "AvailableReplicas"},
}
AGGREGATED = {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}


def _spread(count: int, *constraints: dict[str, Any], scheduling: Any = None) -> Any:
    placement: dict[str, Any] = {"spreadConstraints": list(constraints)}
    if scheduling is not None:
        placement["replicaScheduling"] = scheduling
    return compile_fleet(
        KARMADA_INVENTORY, [deployment(replicas=count), policy(placement=placement)]
    )


def test_duplicated_region_spread_takes_the_fewest_regions_that_hold_every_replica() -> None:
    # Each region has one cluster; with 6 replicas every one can hold them (score 1000), so the
    # first combination of one region wins (regions by name); with 9 only us-east-1 can.
    cluster = {"spreadByField": "cluster", "maxGroups": 2}
    region = {"spreadByField": "region", "maxGroups": 2}
    assert replicas(_spread(6, cluster, region)) == {"ap": 6}
    compilation = _spread(9, cluster, region)
    assert replicas(compilation) == {"us": 9}
    assert reasons(compilation, "Deployment/app/web", "ap")[-1] == (
        "spreadConstraints[1] (region, minGroups 1, maxGroups 2) leaves out its region "
        "ap-northeast-1 (score 0, 1 cluster): region us-east-1 (score 1000, 1 cluster) is the "
        "preferred combination of 1 to 2 regions with at least 1 cluster (highest total score, "
        "then most clusters, then first found)"
    )


def test_dynamic_region_spread_prefers_regions_that_hold_their_share() -> None:
    # 14 replicas over 2 regions: a share of 7; eu-west-1 (6) cannot hold it.
    constraints = (
        {"spreadByField": "region", "minGroups": 2, "maxGroups": 2},
        {"spreadByField": "cluster", "minGroups": 2, "maxGroups": 3},
    )
    compilation = _spread(14, *constraints, scheduling=DYNAMIC)
    seats = allocate_webster_seats(14, {"ap": 8, "us": 10})
    assert replicas(compilation) == seats == {"ap": 6, "us": 8}
    assert (
        "spreadConstraints[0] (region, minGroups 2, maxGroups 2) selects its region "
        "ap-northeast-1: regions ap-northeast-1 + us-east-1 (score 14000, 2 clusters) are the "
        "preferred combination; it is the best cluster of its region"
    ) in reasons(compilation, "Deployment/app/web", "ap")


def test_dynamic_cluster_spread_selects_by_capacity_and_divides_by_it() -> None:
    cluster = {"spreadByField": "cluster", "maxGroups": 2}
    assert replicas(_spread(12, cluster, scheduling=DYNAMIC)) == allocate_webster_seats(
        12, {"us": 10, "ap": 8}
    )
    assert replicas(_spread(17, cluster, scheduling=AGGREGATED)) == allocate_webster_seats(
        17, {"us": 10, "ap": 8}
    )


def test_too_little_capacity_in_max_groups_clusters_is_unschedulable() -> None:
    compilation = _spread(12, {"spreadByField": "cluster", "maxGroups": 1}, scheduling=DYNAMIC)
    assert rendered(compilation) == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: Deployment/app/web is not scheduled by PropagationPolicy app/spread: no 1 of the 3 feasible clusters (spreadConstraints[0].maxGroups 1) hold 12 replicas (Karmada: no enough resource when selecting 1 clusters); it is not rendered",
    ]


def test_spread_by_label_alone_is_an_error() -> None:
    placement = {"spreadConstraints": [{"spreadByLabel": "geo"}]}
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert errors == [
        "fleet/app.yaml:32:5: spec.placement.spreadConstraints: Karmada schedules only by cluster and region spread constraints (spreadByLabel alone fails)",
    ]


def test_spread_with_divided_replicas_needs_every_candidates_capacity() -> None:
    placement = {
        "spreadConstraints": [{"maxGroups": 2}],
        "clusterTolerations": [{"operator": "Exists"}],
        "replicaScheduling": DYNAMIC,
    }
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert errors == [
        "fleet/app.yaml:32:5: spec.placement.spreadConstraints: spreadConstraints with Divided replicas select clusters by each cluster's capacity, which Karmada estimates live; declare it for lab (in the Fleet, compute.nodePools with allocatable or availableReplicas; on a Karmada Cluster, status.resourceSummary or the kfedgen.io/available-replicas annotation)",
    ]


# -- namespaces --------------------------------------------------------------------------------


def test_a_declared_namespace_goes_to_every_cluster() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            namespace("app"),
            deployment(),
            policy(placement={"clusterAffinity": {"clusterNames": ["eu"]}}),
        ],
    )
    assert sorted(rendered(compilation, "Namespace", "app")) == ["ap", "eu", "lab", "us"]


def test_an_undeclared_namespace_is_created_where_its_objects_land() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(), policy(placement={"clusterAffinity": {"clusterNames": ["eu", "us"]}})],
    )
    namespaces = rendered(compilation, "Namespace", "app")
    assert sorted(namespaces) == ["eu", "us"]
    assert namespaces["eu"].manifest == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "app"},
    }
    assert reasons(compilation, "Namespace/app", "eu") == [
        "Deployment/app/web lands here and no document declares namespace app; Karmada's "
        "namespace sync would create it (in every cluster)"
    ]


def test_a_namespace_that_skips_auto_propagation_follows_its_policy() -> None:
    ns = namespace("app", **{"namespace.karmada.io/skip-auto-propagation": "true"})
    namespace_policy = policy(
        "ns",
        namespace=None,
        selectors=[selector("Namespace", "app")],
        placement={"clusterAffinity": {"clusterNames": ["eu"]}},
    )
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            ns,
            deployment(),
            policy(placement={"clusterAffinity": {"clusterNames": ["eu"]}}),
            namespace_policy,
        ],
    )
    assert sorted(rendered(compilation, "Namespace", "app")) == ["eu"]
    # Landing where the namespace is not placed is an error (kfedgen.identity).
    problems = fleet_errors(
        KARMADA_INVENTORY,
        [
            ns,
            deployment(),
            policy(placement={"clusterAffinity": {"clusterNames": ["eu", "us"]}}),
            namespace_policy,
        ],
    )
    assert problems == [
        "fleet/app.yaml:12:3: metadata.namespace: Deployment/app/web lands in namespace 'app', which is not placed in cluster 'us' (place namespace app in that cluster too, with a Namespace object or its FederatedNamespace)",
    ]


def test_reserved_namespaces_are_not_synced() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY, [namespace("default"), namespace("kube-system"), deployment(), policy()]
    )
    assert rendered(compilation, "Namespace", "default") == {}
    assert rendered(compilation, "Namespace", "kube-system") == {}


def test_a_fleet_without_propagation_policies_propagates_nothing() -> None:
    compilation = compile_fleet(KARMADA_INVENTORY, [namespace("app"), deployment()])
    assert compilation.objects == []
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: Namespace app is a plain object that nothing federates or propagates; it is not rendered (wrap it in a Federated type, or select it with a Karmada PropagationPolicy)",
        "fleet/app.yaml:7:1: warning: Deployment app/web is a plain object that nothing federates or propagates; it is not rendered (wrap it in a Federated type, or select it with a Karmada PropagationPolicy)",
    ]


def test_a_policy_selecting_a_synced_namespace_is_warned_about() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            namespace("app"),
            policy(
                "ns",
                namespace=None,
                selectors=[selector("Namespace")],
                placement={"clusterAffinity": {"clusterNames": ["eu"]}},
            ),
        ],
    )
    assert sorted(rendered(compilation, "Namespace", "app")) == ["ap", "eu", "lab", "us"]
    assert warnings_of(compilation) == [
        'fleet/app.yaml:2:1: warning: Namespace/app goes to every cluster by Karmada\'s namespace sync; the placement of ClusterPropagationPolicy ns has no effect on it (label it namespace.karmada.io/skip-auto-propagation: "true" to place it with the policy)',
    ]


# -- suspension, references ---------------------------------------------------------------------


def test_suspended_dispatching() -> None:
    everywhere = compile_fleet(
        KARMADA_INVENTORY, [deployment(), policy(suspension={"dispatching": True})]
    )
    assert rendered(everywhere) == {}
    some = compile_fleet(
        KARMADA_INVENTORY,
        [deployment(), policy(suspension={"dispatchingOnClusters": {"clusterNames": ["eu"]}})],
    )
    assert sorted(rendered(some)) == ["ap", "us"]


@pytest.mark.parametrize(
    ("placement", "path"),
    [
        (
            {"clusterAffinity": {"clusterNames": ["euu"]}},
            "spec.placement.clusterAffinity.clusterNames[0]",
        ),
        ({"clusterAffinity": {"exclude": ["euu"]}}, "spec.placement.clusterAffinity.exclude[0]"),
        (
            {"clusterAffinities": [{"affinityName": "a", "clusterNames": ["euu"]}]},
            "spec.placement.clusterAffinities[0].clusterNames[0]",
        ),
        (
            {"replicaScheduling": static_weights(euu=1)},
            "spec.placement.replicaScheduling.weightPreference.staticWeightList[0].targetCluster.clusterNames[0]",
        ),
    ],
)
def test_unknown_clusters_are_errors_as_in_kubefed_placements(
    placement: dict[str, Any], path: str
) -> None:
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), policy(placement=placement)])
    assert len(errors) == 1
    assert f"{path}: cluster 'euu' is not in the inventory (did you mean 'eu'?)" in errors[0]


# -- properties -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=60),
    weights=st.dictionaries(
        st.sampled_from(PROD), st.integers(min_value=1, max_value=9), min_size=1
    ),
    excluded=st.sets(st.sampled_from(PROD), max_size=2),
)
def test_divided_weighted_assigns_every_replica_to_candidates(
    total: int, weights: dict[str, int], excluded: set[str]
) -> None:
    placement = {
        "clusterAffinity": {"exclude": sorted(excluded)},
        "replicaScheduling": static_weights(**weights),
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY, [deployment(replicas=total), policy(placement=placement)]
    )
    got = replicas(compilation)
    candidates = set(PROD) - excluded
    assert set(got) <= candidates
    if total == 0:
        assert set(got) == candidates
        return
    assert sum(got.values()) == total
    assert all(count > 0 for count in got.values())
    votes = {c: w for c, w in weights.items() if c in candidates} or dict.fromkeys(candidates, 1)
    assert got == {c: n for c, n in allocate_webster_seats(total, votes).items() if n}


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1), files=st.integers(min_value=1, max_value=4)
)
def test_the_output_does_not_depend_on_document_order(seed: int, files: int) -> None:
    docs = [
        namespace("app"),
        deployment(replicas=7),
        deployment("api", replicas=3),
        configmap(),
        policy(
            "a", selectors=[selector()], placement={"replicaScheduling": static_weights(eu=1, us=2)}
        ),
        policy("b", priority=1, selectors=[selector(name="api")]),
        policy("c", namespace=None, selectors=[selector("ConfigMap")]),
    ]
    reference = compile_fleet(KARMADA_INVENTORY, docs).tree.files
    shuffled = list(docs)
    random.Random(seed).shuffle(shuffled)
    chunks = [shuffled[i::files] for i in range(files)]
    by_file = {f"{i}": chunk for i, chunk in enumerate(chunks) if chunk}
    assert compile_fleet(KARMADA_INVENTORY, files=by_file).tree.files == reference


# -- identity -----------------------------------------------------------------------------------


def test_a_propagated_object_needs_a_valid_name_and_one_definition() -> None:
    bad = deployment()
    bad["metadata"]["name"] = "a/b"
    assert fleet_errors(KARMADA_INVENTORY, [bad, policy()]) == [
        "fleet/app.yaml:4:3: metadata.name: name 'a/b' contains '/', which Kubernetes names may not contain",
    ]
    twice = fleet_errors(KARMADA_INVENTORY, [deployment(), deployment(), policy()])
    assert twice == [
        "fleet/app.yaml:25:3: metadata.name: Deployment/app/web (apps/v1) is defined twice; the first is at fleet/app.yaml:1:1",
    ]


def test_objects_nothing_propagates_are_not_held_to_that() -> None:
    odd = configmap()
    odd["metadata"]["name"] = "a/b"
    compilation = compile_fleet(KARMADA_INVENTORY, [odd, deployment(), policy()])
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: ConfigMap app/a/b is a plain object that nothing federates or propagates; it is not rendered (wrap it in a Federated type, or select it with a Karmada PropagationPolicy)",
    ]


def test_zero_replicas_are_explained() -> None:
    compilation = compile_fleet(KARMADA_INVENTORY, [deployment(replicas=0), policy()])
    assert reasons(compilation, "Deployment/app/web", "eu")[-1] == (
        "0 replicas: scheduled like a non-workload: it goes to every selected cluster"
    )


def test_a_cluster_spread_without_max_groups_selects_nothing() -> None:
    compilation = _spread(6, {"spreadByField": "cluster"})
    assert rendered(compilation) == {}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:2:1: warning: Deployment/app/web is not scheduled by PropagationPolicy app/spread: spreadConstraints[0] has no maxGroups, so it selects no cluster (Karmada has no default for it); it is not rendered",
    ]
