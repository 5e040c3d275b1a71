"""One pod's effective requests (Kubernetes' PodRequests) and how many pods a workload runs."""

from __future__ import annotations

from typing import Any

import pytest

from kfedgen.pods.requests import pod_requests, replica_count, runtime_overhead
from kfedgen.podtemplates import PodTemplate


def _requests(spec: dict[str, Any]) -> dict[str, int]:
    return pod_requests(PodTemplate((), {}, spec))


def _c(name: str, restart: str | None = None, **resources: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "resources": resources}
    if restart:
        container["restartPolicy"] = restart
    return container


def test_app_containers_are_summed_and_init_containers_are_a_floor() -> None:
    spec = {
        "containers": [
            _c("a", requests={"cpu": "250m", "memory": "1Gi"}),
            _c("b", requests={"cpu": "0.25"}),
        ],
        "initContainers": [_c("i", requests={"cpu": "2", "memory": "512Mi"})],
    }
    assert _requests(spec) == {"cpu": 2000, "memory": 1024**3}


def test_sidecars_add_to_the_sum_and_to_each_later_init_step() -> None:
    # A sidecar (restartPolicy: Always) runs beside the app containers and beside every
    # init container started after it, not beside those before it.
    spec = {
        "initContainers": [
            _c("first", requests={"cpu": "3"}),
            _c("sidecar", restart="Always", requests={"cpu": "1"}),
            _c("after", requests={"cpu": "3"}),
        ],
        "containers": [_c("app", requests={"cpu": "1"})],
    }
    assert _requests(spec) == {"cpu": 4000}  # max(1 + 1, 3, 3 + 1)


def test_limits_stand_for_missing_requests_and_overhead_is_added() -> None:
    spec = {
        "containers": [_c("a", limits={"cpu": "1", "memory": "2Gi"}, requests={"cpu": "500m"})],
        "overhead": {"cpu": "100m", "memory": "64Mi"},
    }
    assert _requests(spec) == {"cpu": 600, "memory": 2 * 1024**3 + 64 * 1024**2}


def test_unreadable_and_zero_amounts_are_left_out() -> None:
    spec = {"containers": [_c("a", requests={"cpu": "lots", "memory": "0"})]}
    assert _requests(spec) == {}


@pytest.mark.parametrize(
    ("kind", "spec", "count"),
    [
        ("Deployment", {}, 1),
        ("Deployment", {"replicas": 0}, 0),
        ("StatefulSet", {"replicas": 4}, 4),
        ("Job", {}, 1),
        ("Job", {"parallelism": 5, "completions": 3}, 3),
        ("Job", {"parallelism": 5}, 5),
        ("CronJob", {"jobTemplate": {"spec": {"parallelism": 2}}}, 2),
        ("Pod", {}, 1),
        ("DaemonSet", {}, None),
    ],
)
def test_how_many_pods_run_at_once(kind: str, spec: dict[str, Any], count: int | None) -> None:
    assert replica_count(kind, {"spec": spec}) == count


def test_pod_level_requests_replace_the_containers_aggregate_for_cpu_and_memory() -> None:
    spec = {
        "containers": [_c("a", requests={"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "1"})],
        "resources": {"requests": {"cpu": "3"}, "limits": {"memory": "2Gi", "nvidia.com/gpu": "4"}},
    }
    # cpu from the pod's requests, memory from its limits (the defaulted request); a GPU is
    # not a pod-level resource, so the containers' count stands.
    assert _requests(spec) == {"cpu": 3000, "memory": 2 * 1024**3, "nvidia.com/gpu": 1}


def test_a_runtime_class_overhead_is_added_unless_the_pod_sets_its_own() -> None:
    runtime = {"kata": runtime_overhead({"overhead": {"podFixed": {"cpu": "250m"}}})}
    spec: dict[str, Any] = {
        "runtimeClassName": "kata",
        "containers": [_c("a", requests={"cpu": "1"})],
    }
    assert pod_requests(PodTemplate((), {}, spec), runtime) == {"cpu": 1250}
    assert pod_requests(PodTemplate((), {}, spec)) == {"cpu": 1000}  # the class is not known
    own = {**spec, "overhead": {"cpu": "100m"}}
    assert pod_requests(PodTemplate((), {}, own), runtime) == {"cpu": 1100}
