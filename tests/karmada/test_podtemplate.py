"""Per-replica requirements and dependencies of a pod template (Karmada's helpers)."""

from __future__ import annotations

from kfedgen.karmada.podtemplate import pod_dependencies, replica_requirements


def test_requests_default_to_limits_and_add_up_init_containers_take_the_largest() -> None:
    template = {
        "spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}},
                {"name": "b", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}},
            ],
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2"}}}],
            "overhead": {"memory": "64Mi"},
            "nodeSelector": {"disk": "ssd"},
        }
    }
    assert replica_requirements(template) == {
        "nodeClaim": {"nodeSelector": {"disk": "ssd"}},
        "resourceRequest": {"cpu": "2", "memory": "1216Mi"},
    }


def test_a_template_without_requests_or_claims_has_no_requirements() -> None:
    assert replica_requirements({"spec": {"containers": [{"name": "a"}]}}) is None


def test_dependencies_are_the_configmaps_secrets_account_and_claims_it_names() -> None:
    template = {
        "spec": {
            "serviceAccountName": "runner",
            "imagePullSecrets": [{"name": "pull"}],
            "containers": [
                {
                    "name": "a",
                    "envFrom": [{"configMapRef": {"name": "env"}}, {"secretRef": {"name": "s1"}}],
                    "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "x"}}}],
                }
            ],
            "volumes": [
                {"name": "c", "configMap": {"name": "files"}},
                {"name": "p", "persistentVolumeClaim": {"claimName": "data"}},
                {"name": "j", "projected": {"sources": [{"secret": {"name": "s2"}}]}},
            ],
        }
    }
    assert pod_dependencies(template, "shop") == [
        {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "shop", "name": "env"},
        {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "shop", "name": "files"},
        {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "shop", "name": "x"},
        {"apiVersion": "v1", "kind": "Secret", "namespace": "shop", "name": "pull"},
        {"apiVersion": "v1", "kind": "Secret", "namespace": "shop", "name": "s1"},
        {"apiVersion": "v1", "kind": "Secret", "namespace": "shop", "name": "s2"},
        {"apiVersion": "v1", "kind": "ServiceAccount", "namespace": "shop", "name": "runner"},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data"},
    ]


def test_the_default_service_account_is_no_dependency() -> None:
    assert pod_dependencies({"spec": {"serviceAccountName": "default"}}, "shop") == []
