"""Check 2 through the CLI: what an object names must be rendered to its cluster or provided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli
from tests.feasibility.fleets import HPA, container, deployment, warnings, write_fleet

CHECKED = "{name: c, provides: []}"


def service(
    name: str = "web", ports: list[dict[str, Any]] | None = None, **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"ports": ports or [{"name": "http", "port": 80}], **spec},
    }


def named(kind: str, name: str, api_version: str = "v1") -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}


POD_USES = [
    (
        {"volumes": [{"name": "v", "configMap": {"name": "cfg"}}]},
        "ConfigMap shop/cfg",
        "volumes[0].configMap.name",
    ),
    (
        {"volumes": [{"name": "v", "secret": {"secretName": "tls"}}]},
        "Secret shop/tls",
        "volumes[0].secret.secretName",
    ),
    (
        {"volumes": [{"name": "v", "projected": {"sources": [{"secret": {"name": "p"}}]}}]},
        "Secret shop/p",
        "volumes[0].projected.sources[0].secret.name",
    ),
    (
        {"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]},
        "PersistentVolumeClaim shop/data",
        "volumes[0].persistentVolumeClaim.claimName",
    ),
    ({"imagePullSecrets": [{"name": "pull"}]}, "Secret shop/pull", "imagePullSecrets[0].name"),
    ({"serviceAccountName": "robot"}, "ServiceAccount shop/robot", "serviceAccountName"),
    ({"priorityClassName": "high"}, "PriorityClass high", "priorityClassName"),
    ({"runtimeClassName": "gvisor"}, "RuntimeClass gvisor", "runtimeClassName"),
    (
        {"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]},
        "Secret shop/db",
        "containers[0].env[0].valueFrom.secretKeyRef.name",
    ),
    (
        {"envFrom": [{"configMapRef": {"name": "env"}}]},
        "ConfigMap shop/env",
        "containers[0].envFrom[0].configMapRef.name",
    ),
    (
        {"initContainers": [container(envFrom=[{"secretRef": {"name": "i"}}])]},
        "Secret shop/i",
        "initContainers[0].envFrom[0].secretRef.name",
    ),
]


def pod(fields: dict[str, Any]) -> dict[str, Any]:
    """A pod spec with one container; container-level fields go into that container."""
    container_fields = {k: v for k, v in fields.items() if k in ("env", "envFrom")}
    spec = {k: v for k, v in fields.items() if k not in container_fields}
    return {"containers": [container(**container_fields)], **spec}


@pytest.mark.parametrize(("fields", "target", "where"), POD_USES)
def test_a_pod_template_reference_that_is_missing_warns(
    fields: dict[str, Any], target: str, where: str, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [CHECKED], [deployment("web", pod(fields))])
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    [warning] = warnings(result.err)
    assert (
        f"cluster 'c': Deployment/shop/web spec.template.spec.{where}: {target} is not "
        "rendered to the cluster and not in its provides"
    ) in warning
    assert "to its provides if the platform creates it" in warning


def _provided(target: str) -> str:
    kind, _, ref = target.partition(" ")
    namespace, _, name = ref.rpartition("/")
    where = f", namespace: {namespace}" if namespace else ""
    return f"{{name: c, provides: [{{kind: {kind}{where}, name: {name}}}]}}"


@pytest.mark.parametrize(("fields", "target", "where"), POD_USES)
def test_a_provided_reference_resolves(
    fields: dict[str, Any], target: str, where: str, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [_provided(target)], [deployment("web", pod(fields))])
    result = run_cli("render", "--strict", cwd=fleet)
    assert result.code == 0, result.err


def test_rendered_optional_and_builtin_references_resolve(tmp_path: Path, run_cli: RunCli) -> None:
    spec = pod(
        {
            "serviceAccountName": "default",
            "priorityClassName": "system-node-critical",
            "volumes": [
                {"name": "a", "configMap": {"name": "cfg"}},
                {"name": "b", "secret": {"secretName": "maybe", "optional": True}},
                {"name": "c", "configMap": {"name": "kube-root-ca.crt"}},
            ],
            "envFrom": [{"secretRef": {"name": "gone", "optional": True}}],
        }
    )
    objects = [deployment("web", spec), named("ConfigMap", "cfg")]
    fleet = write_fleet(tmp_path, [CHECKED], objects)
    assert run_cli("render", "--strict", cwd=fleet).code == 0


def test_without_provides_the_check_is_skipped(tmp_path: Path, run_cli: RunCli) -> None:
    clusters = ["{name: c}", "{name: checked, provides: []}"]
    workload = deployment("web", pod({"serviceAccountName": "x"}))
    fleet = write_fleet(tmp_path, clusters, [workload])
    result = run_cli("validate", cwd=fleet)
    assert result.code == 0, result.err
    [warning] = warnings(result.err)
    assert "cluster 'checked': Deployment/shop/web" in warning
    assert "feasibility check references skipped for 1 of 2 clusters (c)" in result.err
    alone = write_fleet(tmp_path / "alone", ["{name: c}"], [workload])
    quiet = run_cli("validate", "--strict", cwd=alone)
    assert quiet.code == 0, quiet.err
    assert "feasibility" not in quiet.err  # no cluster uses the check: not worth a line


def ingress(port: dict[str, Any]) -> dict[str, Any]:
    backend = {"service": {"name": "web", "port": port}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web"},
        "spec": {
            "rules": [
                {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
            ]
        },
    }


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        (
            [ingress({"number": 80})],
            "spec.rules[0].http.paths[0].backend.service.name: Service shop/web is not rendered",
        ),
        (
            [ingress({"number": 8080}), service()],
            "service.port.number: Service shop/web has no port number 8080 (its ports: 80)",
        ),
        (
            [ingress({"name": "grpc"}), service()],
            "service.port.name: Service shop/web has no port name 'grpc' (its ports: http)",
        ),
        ([ingress({"number": 80}), service()], None),
        ([ingress({"name": "http"}), service()], None),
    ],
)
def test_ingress_backends_need_the_service_and_its_port(
    objects: list[dict[str, Any]], expected: str | None, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [CHECKED], objects)
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    found = [w for w in warnings(result.err) if "Ingress/shop/web" in w]
    if expected is None:
        assert found == []
    else:
        [warning] = found
        assert expected in warning


PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "web"},
    "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}},
}


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        (
            [HPA],
            "HorizontalPodAutoscaler/shop/web spec.scaleTargetRef: Deployment shop/web is not rendered",
        ),
        ([HPA, deployment("web", pod({}))], None),
        (
            [PDB, deployment("api", pod({}))],
            "PodDisruptionBudget/shop/web spec.selector: selector app in (web) matches no pod template",
        ),
        ([PDB, deployment("web", pod({}))], None),
        (
            [service(selector={"app": "web"}), deployment("api", pod({}))],
            "Service/shop/web spec.selector: selector app=web matches no pod template",
        ),
        ([service(selector={"app": "web"}), deployment("web", pod({}))], None),
        ([service()], None),
    ],
)
def test_targets_and_selectors_need_a_workload_in_the_cluster(
    objects: list[dict[str, Any]], expected: str | None, tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [CHECKED], objects)
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    if expected is None:
        assert warnings(result.err) == []
    else:
        [warning] = warnings(result.err)
        assert expected in warning


def binding(role_kind: str, role: str, subject_namespace: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"kind": "ServiceAccount", "name": "robot"}
    if subject_namespace:
        subject["namespace"] = subject_namespace
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "robot"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [subject, {"kind": "User", "name": "alice"}],
    }


RBAC = "rbac.authorization.k8s.io/v1"


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        (
            [binding("Role", "reader")],
            ["roleRef: Role shop/reader is not rendered", "subjects[0]: ServiceAccount shop/robot"],
        ),
        ([binding("ClusterRole", "view"), named("ServiceAccount", "robot")], []),
        (
            [binding("ClusterRole", "ops"), named("ServiceAccount", "robot")],
            ["roleRef: ClusterRole ops is not rendered"],
        ),
        (
            [
                binding("Role", "reader"),
                named("Role", "reader", RBAC),
                named("ServiceAccount", "robot"),
            ],
            [],
        ),
        ([binding("ClusterRole", "view", "other")], ["subjects[0]: ServiceAccount other/robot"]),
    ],
)
def test_role_bindings_need_their_role_and_service_accounts(
    objects: list[dict[str, Any]], expected: list[str], tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = write_fleet(tmp_path, [CHECKED], objects)
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    found = warnings(result.err)
    assert len(found) == len(expected), result.err
    for warning, text in zip(found, expected, strict=True):
        assert text in warning


def test_one_warning_names_every_cluster_it_holds_in(tmp_path: Path, run_cli: RunCli) -> None:
    clusters = [
        "{name: a, provides: []}",
        "{name: b, provides: []}",
        "{name: p, provides: [{kind: Secret, namespace: shop, name: db}]}",
    ]
    spec = pod({"volumes": [{"name": "v", "secret": {"secretName": "db"}}]})
    fleet = write_fleet(tmp_path, clusters, [deployment("web", spec)])
    result = run_cli("render", cwd=fleet)
    [warning] = warnings(result.err)
    assert "warning: clusters 'a' and 'b': Deployment/shop/web" in warning
