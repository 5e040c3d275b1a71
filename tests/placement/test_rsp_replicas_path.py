"""The ``kfedgen.io/replicas-path`` extension: an RSP divides a federated CRD.

A FederatedTypeConfig annotated with the JSON pointer of its target's replicas makes the
federated kind an RSP target; it must then be divided exactly as a FederatedDeployment is
under the same preferences, with the count written at that pointer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fleets import compile_fleet, fleet_errors, inventory
from tests.placement.rsp_documents import deployment, namespace, rendered, replicas, rsp

CLUSTERS = inventory("{name: east}", "{name: west}", "{name: lab}")
ROLLOUT = "FederatedRollout/app/web"


def type_config(path: str | None = "/spec/replicas", kind: str = "Rollout") -> str:
    annotation = f"  annotations: {{kfedgen.io/replicas-path: '{path}'}}\n" if path else ""
    return (
        "apiVersion: core.kubefed.io/v1beta1\nkind: FederatedTypeConfig\n"
        f"metadata:\n  name: {kind.lower()}s.argoproj.io\n{annotation}"
        "spec:\n"
        f"  targetType: {{group: argoproj.io, version: v1alpha1, kind: {kind}, "
        f"pluralName: {kind.lower()}s, scope: Namespaced}}\n"
        f"  federatedType: {{group: types.kubefed.io, version: v1beta1, kind: Federated{kind}, "
        f"pluralName: federated{kind.lower()}s, scope: Namespaced}}\n"
    )


def docs(*texts: str) -> str:
    return "---\n".join(texts)


def federated_rollout(overrides: str = "") -> str:
    return deployment(overrides=overrides).replace("FederatedDeployment", "FederatedRollout")


PREFERENCES = st.dictionaries(
    st.sampled_from(["east", "west", "lab", "*"]),
    st.tuples(st.integers(0, 5), st.integers(0, 4), st.one_of(st.none(), st.integers(0, 9))),
    max_size=3,
)


def _body(total: int, preferences: dict[str, tuple[int, int, int | None]]) -> str:
    clusters = []
    for name, (weight, low, cap) in sorted(preferences.items()):
        maximum = "" if cap is None else f", maxReplicas: {max(cap, low)}"
        clusters.append(f"'{name}': {{weight: {weight}, minReplicas: {low}{maximum}}}")
    return f"  totalReplicas: {total}\n  clusters: {{{', '.join(clusters)}}}\n"


@settings(max_examples=40, deadline=None)
@given(total=st.integers(0, 30), preferences=PREFERENCES)
def test_a_federated_crd_with_a_replicas_path_divides_like_a_deployment(
    total: int, preferences: dict[str, tuple[int, int, int | None]]
) -> None:
    body = _body(total, preferences)
    plain = compile_fleet(CLUSTERS, docs(namespace(), deployment(), rsp(body)))
    custom = compile_fleet(
        CLUSTERS,
        docs(namespace(), type_config(), federated_rollout(), rsp(body, target="FederatedRollout")),
    )
    assert replicas(custom, ROLLOUT) == replicas(plain)


def test_a_string_count_stays_a_string_at_its_pointer() -> None:
    key = "autoscaling.knative.dev~1min-scale"
    template = federated_rollout().replace(
        "      replicas: 1\n",
        "      template: {metadata: {annotations: {autoscaling.knative.dev/min-scale: '1'}}}\n",
        1,
    )
    # The container template moves under spec.template.spec as well (one template).
    template = template.replace(
        "      template: {spec: {containers: [{name: web, image: 'web:1'}]}}\n", ""
    )
    body = "  totalReplicas: 5\n  clusters: {east: {weight: 3}, west: {weight: 2}}\n"
    compilation = compile_fleet(
        CLUSTERS,
        docs(
            namespace(),
            type_config(f"/spec/template/metadata/annotations/{key}"),
            template,
            rsp(body, target="FederatedRollout"),
        ),
    )
    found: dict[str, Any] = {
        cluster: manifest["spec"]["template"]["metadata"]["annotations"]
        for cluster, manifest in rendered(compilation, ROLLOUT).items()
    }
    assert found == {
        "east": {"autoscaling.knative.dev/min-scale": "3"},
        "west": {"autoscaling.knative.dev/min-scale": "2"},
        "lab": {"autoscaling.knative.dev/min-scale": "0"},  # planned 0, as KubeFed does
    }


def test_the_scheduler_replaces_a_users_override_at_the_pointer() -> None:
    overrides = "    - clusterName: east\n      clusterOverrides:\n        - {path: /spec/replicas, value: 9}\n"
    body = "  totalReplicas: 4\n  clusters: {east: {weight: 1}, west: {weight: 1}}\n"
    compilation = compile_fleet(
        CLUSTERS,
        docs(
            namespace(),
            type_config(),
            federated_rollout(overrides),
            rsp(body, target="FederatedRollout"),
        ),
    )
    assert replicas(compilation, ROLLOUT) == {"east": 2, "west": 2, "lab": 0}


def test_an_rsp_for_a_federated_crd_without_a_replicas_path_is_an_error() -> None:
    body = "  totalReplicas: 4\n"
    errors = fleet_errors(
        CLUSTERS,
        docs(
            namespace(),
            type_config(None),
            federated_rollout(),
            rsp(body, target="FederatedRollout"),
        ),
    )
    assert errors == [
        "fleet/app.yaml:29:3: spec.targetKind: targetKind FederatedRollout has no replicas to "
        "divide: an RSP divides FederatedDeployment, FederatedReplicaSet, or a federated type "
        "whose FederatedTypeConfig names its replicas with the annotation "
        "kfedgen.io/replicas-path (annotate the FederatedTypeConfig of FederatedRollout with "
        "kfedgen.io/replicas-path: /spec/replicas (the JSON pointer of its replicas))"
    ]
