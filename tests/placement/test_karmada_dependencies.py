"""``propagateDeps``: where a workload's dependencies go, through the real pipeline.

Karmada's ``dependencies_distributor.go`` and ``binding/common.go`` ``mergeTargetClusters``:
each dependency goes to its own clusters plus the scheduled clusters of every workload that
requires it and whose policy sets ``propagateDeps``.  Inventory: ``tests.karmada._documents``
(``ap``, ``eu``, ``us`` and the tainted ``lab``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.pipeline import Compilation
from tests.fleets import compile_fleet, inventory, to_yaml, warnings_of
from tests.karmada._documents import (
    CLUSTERS,
    KARMADA_INVENTORY,
    configmap,
    deployment,
    override,
    policy,
    rendered,
    selector,
    static_weights,
)

PROD = ["ap", "eu", "us"]


def mounting(name: str, *configmaps: str, **pod: Any) -> dict[str, Any]:
    """A Deployment ``name`` in ``app`` mounting ``configmaps`` (and more pod spec fields)."""
    workload = deployment(name)
    spec = workload["spec"]["template"]["spec"]
    spec["volumes"] = [
        {"name": f"v{i}", "configMap": {"name": cm}} for i, cm in enumerate(configmaps)
    ]
    spec.update(pod)
    return workload


def deps_policy(name: str, clusters: list[str], **spec: Any) -> dict[str, Any]:
    """A PropagationPolicy ``name`` selecting Deployment ``name`` into ``clusters``."""
    return policy(
        name,
        selectors=[selector("Deployment", name)],
        placement={"clusterAffinity": {"clusterNames": clusters}},
        **{"propagateDeps": True, **spec},
    )


def clusters_of(compilation: Compilation, kind: str, name: str) -> list[str]:
    return sorted(rendered(compilation, kind, name))


def resolution_of(compilation: Compilation, ref: str) -> Any:
    found = compilation.resolution(ref)
    assert found is not None
    return found


def sharing_settings(worker_clusters: list[str], **worker_policy: Any) -> Compilation:
    """``web`` (in eu) and ``worker`` both mount the ConfigMap ``settings``."""
    return compile_fleet(
        KARMADA_INVENTORY,
        [
            mounting("web", "settings"),
            mounting("worker", "settings"),
            configmap("settings"),
            deps_policy("web", ["eu"]),
            deps_policy("worker", worker_clusters, **worker_policy),
        ],
    )


def test_a_dependency_goes_to_the_union_of_its_workloads_clusters() -> None:
    compilation = sharing_settings(["us", "ap"])
    assert clusters_of(compilation, "ConfigMap", "settings") == PROD
    dependency = resolution_of(compilation, "ConfigMap/app/settings")
    assert dependency.propagation.required_by == {
        "ap": ("Deployment/app/worker",),
        "eu": ("Deployment/app/web",),
        "us": ("Deployment/app/worker",),
    }
    assert dependency.decisions["lab"].placed is False
    assert warnings_of(compilation) == []


def test_a_cluster_propagation_policy_takes_a_namespaced_workloads_dependencies_too() -> None:
    cluster_wide = policy(
        "web",
        namespace=None,
        selectors=[selector("Deployment", "web")],
        placement={"clusterAffinity": {"clusterNames": ["us"]}},
        propagateDeps=True,
    )
    compilation = compile_fleet(
        KARMADA_INVENTORY, [mounting("web", "settings"), configmap("settings"), cluster_wide]
    )
    assert clusters_of(compilation, "ConfigMap", "settings") == ["us"]


def test_without_propagate_deps_the_dependency_stays_unrendered() -> None:
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            mounting("web", "settings"),
            configmap("settings"),
            deps_policy("web", ["eu"], propagateDeps=False),
        ],
    )
    assert clusters_of(compilation, "ConfigMap", "settings") == []
    assert warnings_of(compilation) == [
        "fleet/app.yaml:27:1: warning: ConfigMap app/settings is a plain object that nothing "
        "federates or propagates; it is not rendered (wrap it in a Federated type, or select "
        "it with a Karmada PropagationPolicy)"
    ]


def test_a_dependency_with_its_own_placement_keeps_it_and_gains_the_workloads() -> None:
    own = policy(
        "settings",
        selectors=[selector("ConfigMap", "settings")],
        placement={"clusterAffinity": {"clusterNames": ["ap"]}},
    )
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [mounting("web", "settings"), configmap("settings"), deps_policy("web", ["eu"]), own],
    )
    assert clusters_of(compilation, "ConfigMap", "settings") == ["ap", "eu"]
    reasons = resolution_of(compilation, "ConfigMap/app/settings").decisions["eu"].reasons
    assert reasons[-1] == "required by Deployment/app/web (propagateDeps), which is scheduled here"


def test_the_dependencys_own_suspension_stops_the_required_clusters_too() -> None:
    own = policy(
        "settings",
        selectors=[selector("ConfigMap", "settings")],
        placement={"clusterAffinity": {"clusterNames": ["ap"]}},
        suspension={"dispatching": True},
    )
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [mounting("web", "settings"), configmap("settings"), deps_policy("web", ["eu"]), own],
    )
    assert clusters_of(compilation, "ConfigMap", "settings") == []


def test_a_suspended_workloads_dependencies_still_follow_its_schedule() -> None:
    # The binding keeps the suspended clusters in spec.clusters; the attached binding of the
    # dependency carries no suspension, so Karmada keeps dispatching the dependency there.
    suspended = deps_policy(
        "web", ["eu", "us"], suspension={"dispatchingOnClusters": {"clusterNames": ["us"]}}
    )
    compilation = compile_fleet(
        KARMADA_INVENTORY, [mounting("web", "settings"), configmap("settings"), suspended]
    )
    assert clusters_of(compilation, "Deployment", "web") == ["eu"]
    assert clusters_of(compilation, "ConfigMap", "settings") == ["eu", "us"]


def test_a_cluster_a_division_leaves_without_replicas_gets_no_dependency() -> None:
    divided = deps_policy("web", PROD)
    divided["spec"]["placement"]["replicaScheduling"] = static_weights(ap=1, eu=1, us=1)
    workload = mounting("web", "settings")
    workload["spec"]["replicas"] = 2
    compilation = compile_fleet(KARMADA_INVENTORY, [workload, configmap("settings"), divided])
    assert clusters_of(compilation, "Deployment", "web") == ["ap", "eu"]
    assert clusters_of(compilation, "ConfigMap", "settings") == ["ap", "eu"]


def test_every_kind_of_pod_reference_is_followed() -> None:
    workload = mounting(
        "web",
        "settings",
        serviceAccountName="web",
        imagePullSecrets=[{"name": "pull"}],
    )
    objects = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "web", "namespace": "app"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "pull", "namespace": "app"},
            "type": "Opaque",
        },
    ]
    compilation = compile_fleet(
        KARMADA_INVENTORY, [workload, configmap("settings"), *objects, deps_policy("web", ["eu"])]
    )
    placed = {(o.kind, o.name) for o in compilation.objects if o.cluster == "eu"}
    assert {("ConfigMap", "settings"), ("ServiceAccount", "web"), ("Secret", "pull")} <= placed


def test_only_the_workloads_namespace_is_looked_in() -> None:
    # A pod names objects of its own namespace: a ConfigMap of the same name elsewhere is not it.
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [
            mounting("web", "settings"),
            configmap("settings", namespace="other"),
            deps_policy("web", ["eu"]),
        ],
    )
    assert clusters_of(compilation, "ConfigMap", "settings") == []
    assert any("needs ConfigMap app/settings in eu" in w for w in warnings_of(compilation))


def test_a_missing_dependency_is_a_warning_at_the_workloads_reference() -> None:
    workload = mounting("web")
    workload["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [
        {"configMapRef": {"name": "env"}}
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, [workload, deps_policy("web", ["eu", "us"])])
    assert warnings_of(compilation) == [
        "fleet/app.yaml:22:13: spec.template.spec.containers[0].envFrom[0].configMapRef.name: "
        "warning: Deployment/app/web needs ConfigMap app/env in eu, us (propagateDeps of "
        "PropagationPolicy app/web), but the fleet does not define it; its pods would fail "
        "there with CreateContainerConfigError (add ConfigMap app/env to the fleet (it then "
        "follows the workload), or add it to the clusters' provides if the platform creates it)"
    ]


def test_a_dependency_the_platform_provides_is_not_missing() -> None:
    clusters = [
        {**c, "provides": [{"kind": "ConfigMap", "namespace": "app", "name": "settings"}]}
        if c["name"] == "eu"
        else c
        for c in CLUSTERS
    ]
    compilation = compile_fleet(
        inventory(*clusters), [mounting("web", "settings"), deps_policy("web", ["eu", "us"])]
    )
    (warning,) = warnings_of(compilation)
    assert "needs ConfigMap app/settings in us (" in warning
    assert "stay in ContainerCreating there (the volume cannot mount)" in warning


def test_a_kubefed_object_of_that_name_covers_the_clusters_it_is_placed_in() -> None:
    federated = [
        {
            "apiVersion": "types.kubefed.io/v1beta1",
            "kind": "FederatedNamespace",
            "metadata": {"name": "app", "namespace": "app"},
            "spec": {"placement": {"clusters": [{"name": c} for c in PROD]}},
        },
        {
            "apiVersion": "types.kubefed.io/v1beta1",
            "kind": "FederatedConfigMap",
            "metadata": {"name": "settings", "namespace": "app"},
            "spec": {"template": {"data": {"k": "v"}}, "placement": {"clusters": [{"name": "eu"}]}},
        },
    ]
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [*federated, mounting("web", "settings"), deps_policy("web", ["eu", "us"])],
    )
    # Karmada does not move a KubeFed object: it stays where KubeFed places it.
    assert clusters_of(compilation, "ConfigMap", "settings") == ["eu"]
    (warning,) = warnings_of(compilation)
    assert (
        "needs ConfigMap app/settings in us (propagateDeps of PropagationPolicy app/web), but "
        "the fleet does not define it; FederatedConfigMap/app/settings places it only in eu, "
        "and Karmada propagates only plain objects;"
    ) in warning


def test_override_policies_apply_to_a_dependency() -> None:
    rule = {
        "targetCluster": {"clusterNames": ["eu"]},
        "overriders": {"plaintext": [{"path": "/data/key", "operator": "replace", "value": "eu"}]},
    }
    overlay = override(
        "eu-key", [rule], namespace="app", selectors=[selector("ConfigMap", "settings")]
    )
    compilation = compile_fleet(
        KARMADA_INVENTORY,
        [mounting("web", "settings"), configmap("settings"), deps_policy("web", ["eu", "us"])],
        overlays=to_yaml(overlay),
    )
    data = {
        c: o.manifest["data"]["key"]
        for c, o in rendered(compilation, "ConfigMap", "settings").items()
    }
    assert data == {"eu": "eu", "us": "value"}


def test_a_dependency_is_preserved_when_a_workload_requiring_it_is() -> None:
    compilation = sharing_settings(["us"], preserveResourcesOnDeletion=True)
    annotations = {
        c: o.manifest["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-options")
        for c, o in rendered(compilation, "ConfigMap", "settings").items()
    }
    # One binding for the dependency: its preservation holds in every cluster it goes to.
    assert annotations == {"eu": "Prune=false", "us": "Prune=false"}


def test_a_service_import_propagates_its_derived_service_and_endpoint_slices() -> None:
    service_import = {
        "apiVersion": "multicluster.x-k8s.io/v1alpha1",
        "kind": "ServiceImport",
        "metadata": {"name": "db", "namespace": "app"},
        "spec": {"type": "ClusterSetIP", "ports": [{"port": 5432, "protocol": "TCP"}]},
    }
    derived = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "derived-db", "namespace": "app"},
        "spec": {"ports": [{"port": 5432}]},
    }
    slice_ = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "derived-db-1",
            "namespace": "app",
            "labels": {"kubernetes.io/service-name": "derived-db"},
        },
        "addressType": "IPv4",
        "endpoints": [],
    }
    # No propagateDeps: Karmada's webhook sets it for a policy selecting a ServiceImport.
    imports = policy(
        "db",
        selectors=[
            {"apiVersion": "multicluster.x-k8s.io/v1alpha1", "kind": "ServiceImport", "name": "db"}
        ],
        placement={"clusterAffinity": {"clusterNames": ["us"]}},
    )
    compilation = compile_fleet(KARMADA_INVENTORY, [service_import, derived, slice_, imports])
    assert clusters_of(compilation, "Service", "derived-db") == ["us"]
    assert clusters_of(compilation, "EndpointSlice", "derived-db-1") == ["us"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sets(st.sampled_from(PROD), min_size=1), st.sets(st.sampled_from("abc"))),
        min_size=1,
        max_size=4,
    ),
    st.dictionaries(st.sampled_from("abc"), st.sets(st.sampled_from(PROD), min_size=1)),
)
def test_a_dependencys_clusters_are_its_own_and_every_requiring_workloads(
    workloads: list[tuple[set[str], set[str]]], own: dict[str, set[str]]
) -> None:
    documents: list[dict[str, Any]] = [configmap(f"cm-{name}") for name in "abc"]
    for index, (clusters, needs) in enumerate(workloads):
        name = f"w{index}"
        documents.append(mounting(name, *(f"cm-{n}" for n in sorted(needs))))
        documents.append(deps_policy(name, sorted(clusters)))
    for name, clusters in own.items():
        documents.append(
            policy(
                f"cm-{name}",
                selectors=[selector("ConfigMap", f"cm-{name}")],
                placement={"clusterAffinity": {"clusterNames": sorted(clusters)}},
            )
        )
    compilation = compile_fleet(KARMADA_INVENTORY, documents)
    for name in "abc":
        union = set(own.get(name, set()))
        for clusters, needs in workloads:
            if name in needs:
                union |= clusters
        assert clusters_of(compilation, "ConfigMap", f"cm-{name}") == sorted(union)
