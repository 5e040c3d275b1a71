"""ReplicaSchedulingPreference documents and the scheduler stage (kfedgen.placement.rsp).

Expected splits are worked by hand from KubeFed's planner (reference 3.3).  With the
key ``app/web`` the FNV-1 hashes order equal-weight clusters lab (0x2798a628), west
(0xd5f1e556), east (0xf45b9acc), so lab takes a rounded-up share first and east
absorbs the rounding.
"""

from __future__ import annotations

import pytest

from kfedgen.placement.kubefed_planner import fnv1_32
from tests.fleets import (
    compile_fleet,
    fleet_errors,
    inventory,
    warnings_of,
)
from tests.placement.rsp_documents import (
    RSP,
    WEB,
    deployment,
    namespace,
    rendered,
    replicas,
    rsp,
)

THREE = inventory(
    "{name: east, labels: {env: prod}}",
    "{name: west, labels: {env: prod, tier: edge}}",
    "{name: lab, labels: {env: dev}}",
)
WEST_DRAINED = THREE.replace("tier: edge}}", "tier: edge}, schedulable: false}")


def test_hash_order_of_the_worked_examples() -> None:
    hashes = {name: fnv1_32(f"{name}app/web".encode()) for name in ("east", "west", "lab")}
    assert sorted(hashes, key=hashes.__getitem__) == ["lab", "west", "east"]


# --------------------------------------------------------------------------------------
# Bad input: located, exact messages
# --------------------------------------------------------------------------------------

BAD = {
    "wrong targetKind": (
        rsp("  totalReplicas: 3\n", target="FederatedStatefulSet"),
        "fleet/rsp.yaml:5:3: spec.targetKind: targetKind FederatedStatefulSet is not a "
        "federated kind: an RSP divides FederatedDeployment, FederatedReplicaSet, or a "
        "federated type whose FederatedTypeConfig names its replicas with the annotation "
        "kfedgen.io/replicas-path (annotate the FederatedTypeConfig of FederatedStatefulSet "
        "with kfedgen.io/replicas-path: /spec/replicas (the JSON pointer of its replicas))",
    ),
    "negative total": (
        rsp("  totalReplicas: -1\n"),
        "fleet/rsp.yaml:6:3: spec.totalReplicas: -1 is less than the minimum of 0",
    ),
    "total beyond int32": (
        rsp("  totalReplicas: 2147483648\n"),
        "fleet/rsp.yaml:6:3: spec.totalReplicas: 2147483648 is greater than the maximum of "
        "2147483647",
    ),
    "fractional total": (
        rsp("  totalReplicas: 2.5\n"),
        "fleet/rsp.yaml:6:3: spec.totalReplicas: expected an integer, got a number",
    ),
    "missing total": (
        rsp(""),
        "fleet/rsp.yaml:4:1: spec: 'totalReplicas' is required",
    ),
    "non-numeric weight": (
        rsp("  totalReplicas: 3\n  clusters: {east: {weight: two}}\n"),
        "fleet/rsp.yaml:7:21: spec.clusters.east.weight: expected an integer, got a string",
    ),
    "negative weight": (
        rsp("  totalReplicas: 3\n  clusters: {east: {weight: -1}}\n"),
        "fleet/rsp.yaml:7:21: spec.clusters.east.weight: -1 is less than the minimum of 0",
    ),
    "misspelt preference field": (
        rsp("  totalReplicas: 3\n  clusters: {east: {wieght: 1}}\n"),
        "fleet/rsp.yaml:7:21: spec.clusters.east.wieght: unknown field 'wieght' "
        "(did you mean 'weight'?)",
    ),
    "min above max": (
        rsp("  totalReplicas: 3\n  clusters: {east: {minReplicas: 3, maxReplicas: 2}}\n"),
        "fleet/rsp.yaml:7:37: spec.clusters.east.maxReplicas: maxReplicas 2 is less than "
        "minReplicas 3 (raise maxReplicas or lower minReplicas)",
    ),
    "cluster not in the inventory": (
        rsp("  totalReplicas: 3\n  clusters:\n    '*': {weight: 1}\n    eastt: {weight: 2}\n"),
        "fleet/rsp.yaml:9:5: spec.clusters.eastt: cluster 'eastt' is not in the inventory "
        "(did you mean 'east'?)",
    ),
    "no matching federated object": (
        rsp("  totalReplicas: 3\n", name="wbe"),
        "fleet/rsp.yaml:3:12: metadata.name: there is no FederatedDeployment/app/wbe for "
        "ReplicaSchedulingPreference/app/wbe to schedule (did you mean "
        "'FederatedDeployment/app/web'?)",
    ),
    "target of the other kind": (
        rsp("  totalReplicas: 3\n", target="FederatedReplicaSet"),
        "fleet/rsp.yaml:3:12: metadata.name: there is no FederatedReplicaSet/app/web for "
        "ReplicaSchedulingPreference/app/web to schedule (did you mean "
        "'FederatedDeployment/app/web'?)",
    ),
    "weights that overflow int64": (
        rsp(
            "  totalReplicas: 3\n"
            "  clusters: {east: {weight: 9223372036854775807}, west: {weight: 2}}\n"
        ),
        "fleet/rsp.yaml:7:3: spec.clusters: these weights overflow KubeFed's 64-bit arithmetic "
        "(totalReplicas times a weight, or the sum of the weights, exceeds 2^63-1) "
        "(use smaller weights: only their ratios matter)",
    ),
    # without a namespace it is in `default`, as kubectl apply would put it
    "missing namespace": (
        rsp("  totalReplicas: 3\n").replace("{name: web, namespace: app}", "{name: web}"),
        "fleet/rsp.yaml:3:12: metadata.name: there is no FederatedDeployment/default/web for "
        "ReplicaSchedulingPreference/default/web to schedule (did you mean "
        "'FederatedDeployment/app/web'?)",
    ),
    "defined twice": (
        rsp("  totalReplicas: 3\n") + "---\n" + rsp("  totalReplicas: 4\n"),
        "fleet/rsp.yaml:10:12: metadata.name: ReplicaSchedulingPreference/app/web is defined "
        "twice; the first is at fleet/rsp.yaml:1:1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_preference_is_a_located_error(case: str) -> None:
    document, message = BAD[case]
    problems = fleet_errors(
        THREE, files={"app": namespace() + "---\n" + deployment(), "rsp": document}
    )
    assert problems == [message]


def test_every_bad_preference_is_reported_in_one_run() -> None:
    documents = "---\n".join(
        [
            rsp("  totalReplicas: -1\n"),
            rsp("  totalReplicas: 3\n  clusters: {nowhere: {weight: 1}}\n", name="web2"),
        ]
    )
    problems = fleet_errors(
        THREE, files={"app": namespace() + "---\n" + deployment(), "rsp": documents}
    )
    assert len(problems) == 3  # the negative total, the unknown cluster, the missing target


# --------------------------------------------------------------------------------------
# Preferences
# --------------------------------------------------------------------------------------


def schedule(body: str, fleet: str = THREE, **documents: str) -> dict[str, int | None]:
    documents.setdefault("app", namespace() + "---\n" + deployment())
    return replicas(compile_fleet(fleet, files={"rsp": rsp(body), **documents}))


def test_absent_clusters_map_means_weight_1_everywhere() -> None:
    # 10 over three: lab ceil(10/3)=4, west 4, east the remaining 2
    assert schedule("  totalReplicas: 10\n") == {"east": 2, "lab": 4, "west": 4}
    assert schedule("  totalReplicas: 10\n  clusters: {}\n") == {"east": 2, "lab": 4, "west": 4}


def test_a_cluster_entry_beats_the_wildcard() -> None:
    # east (weight 2) sorts first: ceil(8*2/4)=4; then lab and west 2 each
    body = "  totalReplicas: 8\n  clusters:\n    '*': {weight: 1}\n    east: {weight: 2}\n"
    assert schedule(body) == {"east": 4, "lab": 2, "west": 2}


def test_minimums_first_then_weights_split_the_rest() -> None:
    # kubefed#319: min 2/4 and weight 2/3 give 3/7, not 4/6; lab has no preference
    body = (
        "  totalReplicas: 10\n  clusters:\n"
        "    east: {minReplicas: 2, weight: 2}\n    west: {minReplicas: 4, weight: 3}\n"
    )
    assert schedule(body) == {"east": 3, "lab": 0, "west": 7}


def test_clusters_without_preference_are_placed_with_0_replicas() -> None:
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment("{clusters: [{name: east}]}"),
            "rsp": rsp("  totalReplicas: 5\n  clusters: {east: {weight: 1}}\n"),
        },
    )
    # the planned clusters replace the object's own placement (reference 3.4)
    assert replicas(compilation) == {"east": 5, "lab": 0, "west": 0}
    reasons = compilation.resolution(WEB).decisions["lab"].reasons  # type: ignore[union-attr]
    assert list(reasons[:2]) == [
        "placement does not select it (clusters [east])",
        f"{RSP} plans 0 replicas here: no preference for it and no '*'",
    ]


def test_max_caps_and_a_shortfall_is_a_warning() -> None:
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment(),
            "rsp": rsp("  totalReplicas: 9\n  clusters: {'*': {weight: 1, maxReplicas: 2}}\n"),
        },
    )
    assert replicas(compilation) == {"east": 2, "lab": 2, "west": 2}
    assert warnings_of(compilation) == [
        "fleet/rsp.yaml:6:3: spec.totalReplicas: warning: the preferences place only 6 of 9 "
        "replicas; KubeFed leaves the rest unscheduled (raise maxReplicas, or give more "
        "clusters a weight)"
    ]


def test_total_zero_places_zero_everywhere() -> None:
    assert schedule("  totalReplicas: 0\n") == {"east": 0, "lab": 0, "west": 0}


def test_integral_floats_render_as_integers() -> None:
    body = "  totalReplicas: 4\n  clusters: {east: {weight: 1.0, minReplicas: 1.0}}\n"
    result = schedule(body)
    assert result == {"east": 4, "lab": 0, "west": 0}
    assert all(type(value) is int for value in result.values())


# --------------------------------------------------------------------------------------
# Drain
# --------------------------------------------------------------------------------------


def test_drain_moves_the_share_and_keeps_the_total() -> None:
    assert schedule("  totalReplicas: 10\n") == {"east": 2, "lab": 4, "west": 4}
    # west drained: 10 over lab and east, 5 each; west stays placed with an explicit 0
    assert schedule("  totalReplicas: 10\n", fleet=WEST_DRAINED) == {
        "east": 5,
        "lab": 5,
        "west": 0,
    }


def test_drained_cluster_reasons_and_notes() -> None:
    compilation = compile_fleet(
        WEST_DRAINED,
        files={"app": namespace() + "---\n" + deployment(), "rsp": rsp("  totalReplicas: 7\n")},
    )
    resolution = compilation.resolution(WEB)
    assert resolution is not None
    assert resolution.scheduled_by == RSP
    assert resolution.schedule_notes == {
        "east": "3 (* (default): weight 1, min 0, max none)",
        "lab": "4 (* (default): weight 1, min 0, max none)",
        "west": "0 (* (default): weight 1, min 0, max none), drained",
    }
    assert resolution.decisions["west"].reasons == (
        "placement selects it (clusterSelector <everything>)",
        "FederatedNamespace app is placed there too",
        f"{RSP} drains it (schedulable: false): 0 replicas, and it stays placed; its share "
        "goes to the other clusters",
        "scheduler sets /spec/replicas = 0",
    )


def test_draining_every_cluster_warns() -> None:
    fleet = inventory("{name: east, schedulable: false}")
    compilation = compile_fleet(
        fleet,
        files={"app": namespace() + "---\n" + deployment(), "rsp": rsp("  totalReplicas: 3\n")},
    )
    assert replicas(compilation) == {"east": 0}
    assert warnings_of(compilation) == [
        "fleet/rsp.yaml:6:3: spec.totalReplicas: warning: no schedulable cluster to plan: "
        "FederatedDeployment/app/web gets 0 replicas everywhere instead of 3 "
        "(set schedulable: true on a cluster, or add one)"
    ]


def test_drain_leaves_objects_without_a_preference_alone() -> None:
    compilation = compile_fleet(WEST_DRAINED, files={"app": namespace() + "---\n" + deployment()})
    assert replicas(compilation) == {"east": 1, "lab": 1, "west": 1}


# --------------------------------------------------------------------------------------
# Which clusters are planned
# --------------------------------------------------------------------------------------


def test_intersect_uses_the_selector_and_ignores_the_clusters_list() -> None:
    placement = "{clusters: [{name: lab}], clusterSelector: {matchLabels: {env: prod}}}"
    body = "  totalReplicas: 10\n  intersectWithClusterSelector: true\n"
    compilation = compile_fleet(
        THREE, files={"app": namespace() + "---\n" + deployment(placement), "rsp": rsp(body)}
    )
    # KubeFed's selectorOnly placement: east and west; lab is not planned, so not placed
    assert replicas(compilation) == {"east": 5, "west": 5}
    reasons = compilation.resolution(WEB).decisions["lab"].reasons  # type: ignore[union-attr]
    assert reasons[-1] == (
        f"{RSP} does not plan it: it is not in the object's clusterSelector and its "
        "FederatedNamespace (intersectWithClusterSelector); its planned clusters replace "
        "the placement"
    )


def test_intersect_with_the_namespace_placement() -> None:
    body = "  totalReplicas: 10\n  intersectWithClusterSelector: true\n"
    app = namespace("{matchLabels: {tier: edge}}") + "---\n" + deployment()
    assert schedule(body, app=app) == {"west": 10}


def test_intersect_keeps_drained_clusters_at_zero() -> None:
    body = "  totalReplicas: 10\n  intersectWithClusterSelector: true\n"
    app = namespace() + "---\n" + deployment("{clusterSelector: {matchLabels: {env: prod}}}")
    assert schedule(body, fleet=WEST_DRAINED, app=app) == {"east": 10, "west": 0}


def test_intersect_without_a_selector_changes_nothing() -> None:
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment("{clusters: [{name: east}]}"),
            "rsp": rsp("  totalReplicas: 10\n  intersectWithClusterSelector: true\n"),
        },
    )
    assert replicas(compilation) == {"east": 1}
    resolution = compilation.resolution(WEB)
    assert resolution is not None
    assert resolution.scheduled_by == ""
    assert resolution.decisions["east"].reasons[2] == (
        f"{RSP} changes nothing: the object's clusterSelector and its FederatedNamespace "
        "select no cluster (intersectWithClusterSelector)"
    )
    assert warnings_of(compilation) == [
        "fleet/rsp.yaml:7:3: spec.intersectWithClusterSelector: warning: "
        "FederatedDeployment/app/web's clusterSelector and FederatedNamespace select no "
        "cluster, so ReplicaSchedulingPreference/app/web changes nothing (as in KubeFed) "
        "(the object's placement.clusters list is ignored here: give it a clusterSelector)"
    ]


def test_replicas_planned_outside_the_namespace_are_lost_with_a_warning() -> None:
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace("{matchLabels: {env: prod}}") + "---\n" + deployment(),
            "rsp": rsp("  totalReplicas: 10\n"),
        },
    )
    # KubeFed plans lab too, then the FederatedNamespace gate keeps the object out
    assert replicas(compilation) == {"east": 2, "west": 4}
    assert warnings_of(compilation) == [
        "fleet/rsp.yaml:4:1: spec: warning: ReplicaSchedulingPreference/app/web plans "
        "replicas for clusters where FederatedNamespace app is not placed, so they are not "
        "rendered: lab (4) (set intersectWithClusterSelector: true, or place the namespace "
        "in those clusters)"
    ]


# --------------------------------------------------------------------------------------
# Overrides and retainReplicas
# --------------------------------------------------------------------------------------

EAST_OVERRIDES = """\
    - clusterName: east
      clusterOverrides:
        - {path: /spec/replicas, value: 7}
        - {path: /spec/template/spec/containers/0/image, value: 'web:2'}
"""


def test_scheduler_beats_a_replicas_override_and_other_overrides_apply() -> None:
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment(overrides=EAST_OVERRIDES),
            "rsp": rsp("  totalReplicas: 9\n"),
        },
    )
    assert replicas(compilation) == {"east": 3, "lab": 3, "west": 3}
    east = rendered(compilation)["east"]
    assert east["spec"]["template"]["spec"]["containers"][0]["image"] == "web:2"
    assert (
        rendered(compilation)["lab"]["spec"]["template"]["spec"]["containers"][0]["image"]
        == "web:1"
    )
    reasons = compilation.resolution(WEB).decisions["east"].reasons  # type: ignore[union-attr]
    # the scheduler's value takes the override's place, before the image override
    assert list(reasons[2:]) == [
        f"{RSP} plans 3 replicas here (* (default): weight 1, min 0, max none)",
        f"{RSP} replaces the value of overrides[0] /spec/replicas (7) with 3, keeping its position",
        "overrides[0]: replace /spec/replicas = 3",
        "overrides[0]: replace /spec/template/spec/containers/0/image = 'web:2'",
    ]
    assert warnings_of(compilation) == [
        "fleet/app.yaml:19:34: spec.overrides[0].clusterOverrides[0].value: warning: "
        "ReplicaSchedulingPreference/app/web sets the replicas of cluster 'east'; this "
        "override's value is replaced (remove the override, or the RSP's preference for "
        "this cluster)"
    ]


def test_a_later_override_of_spec_still_wins_because_the_position_is_kept() -> None:
    # KubeFed replaces the value in place; it does not move the override to the end
    overrides = (
        "    - clusterName: east\n      clusterOverrides:\n"
        "        - {path: /spec/replicas, value: 7}\n"
        "        - {path: /spec, value: {replicas: 1, paused: true}}\n"
    )
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment(overrides=overrides),
            "rsp": rsp("  totalReplicas: 9\n"),
        },
    )
    assert rendered(compilation)["east"]["spec"] == {"replicas": 1, "paused": True}


def test_scheduled_replicas_are_appended_without_a_user_override() -> None:
    overrides = (
        "    - clusterName: lab\n      clusterOverrides:\n"
        "        - {path: /spec/template/spec/containers/0/image, value: 'web:2'}\n"
    )
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment(overrides=overrides),
            "rsp": rsp("  totalReplicas: 9\n"),
        },
    )
    assert list(compilation.resolution(WEB).decisions["lab"].reasons[-2:]) == [  # type: ignore[union-attr]
        "overrides[0]: replace /spec/template/spec/containers/0/image = 'web:2'",
        "scheduler sets /spec/replicas = 3",
    ]


def test_retain_replicas_with_a_preference() -> None:
    compilation = compile_fleet(
        WEST_DRAINED,
        files={
            "app": namespace() + "---\n" + deployment(extra="  retainReplicas: true\n"),
            "rsp": rsp("  totalReplicas: 10\n"),
        },
    )
    # the autoscaler owns the count where replicas are planned; the drained cluster
    # keeps an explicit 0 (an HPA does not scale up from 0)
    assert replicas(compilation) == {"east": None, "lab": None, "west": 0}
    assert warnings_of(compilation) == [
        "fleet/app.yaml:11:3: spec.retainReplicas: warning: retainReplicas: true leaves "
        "spec.replicas to an in-cluster autoscaler, so the replica counts of "
        "ReplicaSchedulingPreference/app/web are not rendered; it still chooses the clusters "
        "(and clusters it plans 0 keep replicas: 0) (remove retainReplicas to let the RSP set "
        "replicas, or the RSP to let the autoscaler own them)"
    ]


def test_replica_set_targets_are_scheduled_too() -> None:
    app = namespace() + "---\n" + deployment().replace("FederatedDeployment", "FederatedReplicaSet")
    compilation = compile_fleet(
        THREE, files={"app": app, "rsp": rsp("  totalReplicas: 3\n", target="FederatedReplicaSet")}
    )
    assert replicas(compilation, "FederatedReplicaSet/app/web") == {"east": 1, "lab": 1, "west": 1}
    kinds = {o.kind for o in compilation.objects if o.origin == "FederatedReplicaSet/app/web"}
    assert kinds == {"ReplicaSet"}


DISABLED_DEPLOYMENTS = """\
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata: {name: deployments.apps, namespace: kube-federation-system}
spec:
  targetType: {group: apps, version: v1, kind: Deployment, pluralName: deployments, scope: Namespaced}
  federatedType: {group: types.kubefed.io, version: v1beta1, kind: FederatedDeployment,
                  pluralName: federateddeployments, scope: Namespaced}
  propagation: Disabled
"""


def test_a_preference_for_a_disabled_type_is_a_warning() -> None:
    compilation = compile_fleet(
        THREE,
        files={
            "app": namespace() + "---\n" + deployment(),
            "ftc": DISABLED_DEPLOYMENTS,
            "rsp": rsp("  totalReplicas: 3\n"),
        },
    )
    assert compilation.objects == [o for o in compilation.objects if o.kind == "Namespace"]
    assert (
        "fleet/rsp.yaml:3:12: metadata.name: warning: propagation of FederatedDeployment is "
        "Disabled, so ReplicaSchedulingPreference/app/web has no effect"
    ) in warnings_of(compilation)
