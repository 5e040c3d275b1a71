"""The general estimator's summary path, on cases shaped like upstream general_test.go."""

from __future__ import annotations

import pytest

from kfedgen.karmada.estimator import allowed_pods, max_replicas

CASES = [
    # requests, allocatable, allocated, allocating, expected
    ({"cpu": "500m"}, {"pods": "110", "cpu": "4"}, None, None, 8),
    ({"cpu": "500m"}, {"pods": "5", "cpu": "4"}, None, None, 5),
    ({"cpu": "1", "memory": "1Gi"}, {"pods": "110", "cpu": "8", "memory": "4Gi"}, None, None, 4),
    ({"cpu": "1"}, {"pods": "110", "cpu": "8"}, {"cpu": "3"}, {"cpu": "1"}, 4),
    ({"nvidia.com/gpu": "1"}, {"pods": "110", "cpu": "8"}, None, None, 0),
    ({"cpu": "1"}, {"pods": "110", "cpu": "2"}, {"cpu": "2"}, None, 0),
    (None, {"pods": "10"}, {"pods": "4"}, None, 6),
    ({"cpu": "1"}, {"cpu": "8"}, None, None, 0),  # no pods listed: nothing admitted
]


@pytest.mark.parametrize(("requests", "allocatable", "allocated", "allocating", "want"), CASES)
def test_max_replicas(
    requests: dict[str, str] | None,
    allocatable: dict[str, str],
    allocated: dict[str, str] | None,
    allocating: dict[str, str] | None,
    want: int,
) -> None:
    assert max_replicas(requests, allocatable, allocated, allocating) == want


def test_allowed_pods_never_negative() -> None:
    assert allowed_pods({"pods": "3"}, {"pods": "2"}, {"pods": "9"}) == 0
