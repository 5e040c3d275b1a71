"""The general estimator against Karmada's own test tables (cases/general_estimator.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kfedgen.frontends.karmada.resourcemodels import karmada_summary
from kfedgen.karmada.estimator import (
    NoResourceModels,
    allowed_pods,
    by_resource_models,
    by_summary,
    general_estimate,
    max_replicas,
    request_units,
)

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "general_estimator.yaml").read_text()
)["cases"]
_INT64_MAX = 2**63 - 1


def _summary(case: dict[str, Any]) -> Any:
    models = [
        {
            "grade": m["grade"],
            "ranges": [{"name": n, "min": lo, "max": hi} for n, lo, hi in m["ranges"]],
        }
        for m in case.get("models") or ()
    ]
    return karmada_summary(models, case.get("summary"))


def _run(case: dict[str, Any]) -> int:
    summary = _summary(case)
    requests = request_units(case["requests"]) if "requests" in case else None
    function = case["function"]
    if function == "maxAvailableReplicas":
        return general_estimate(summary, requests)[0]
    if function == "getAllowedPodNumber":
        return allowed_pods(summary.allocatable, summary.allocated, summary.allocating)
    if function == "getMaximumReplicasBasedOnClusterSummary":
        found = by_summary(
            requests or {}, summary.allocatable, summary.allocated, summary.allocating
        )
        return _INT64_MAX if found is None else found
    assert function == "getMaximumReplicasBasedOnResourceModels"
    models = summary.models if summary is not None else ()
    counts = summary.modelings if summary is not None else {}
    return by_resource_models(requests or {}, models, counts)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['test']}/{c['name']}")
def test_upstream_table(case: dict[str, Any]) -> None:
    if case.get("error"):
        with pytest.raises(NoResourceModels):
            _run(case)
        return
    assert _run(case) == case["want"]


def test_the_table_covers_every_function() -> None:
    assert {c["function"] for c in CASES} == {
        "maxAvailableReplicas",
        "getMaximumReplicasBasedOnResourceModels",
        "getAllowedPodNumber",
        "getMaximumReplicasBasedOnClusterSummary",
    }


def test_models_take_the_min_of_each_range_and_110_pods_per_node() -> None:
    # Two grade-1 nodes (cpu min 4) hold 8 replicas of 1 CPU; a tiny request is capped by
    # the 110 pods each model node admits, then by the summary's free pods.
    case: dict[str, Any] = {
        "models": [{"grade": 1, "ranges": [["cpu", "4", "8"]]}],
        "summary": {
            "allocatable": {"pods": "500"},
            "allocatableModelings": [{"grade": 1, "count": 2}],
        },
    }
    summary = _summary(case)
    assert general_estimate(summary, request_units({"cpu": "1"})) == (8, "resource models")
    assert general_estimate(summary, request_units({"cpu": "1m"})) == (220, "resource models")
    small = _summary({**case, "summary": {**case["summary"], "allocatable": {"pods": "5"}}})
    assert general_estimate(small, request_units({"cpu": "1m"})) == (5, "resource models")


def test_modelings_without_models_fall_back_to_the_summary() -> None:
    summary = _summary(
        {
            "summary": {
                "allocatable": {"pods": "10", "cpu": "2"},
                "allocatableModelings": [{"grade": 0, "count": 3}],
            }
        }
    )
    assert general_estimate(summary, request_units({"cpu": "500m"})) == (4, "resource summary")


def test_uncounted_resources_are_ignored_like_util_resource() -> None:
    # A name without a "/" that is not a node resource is neither native nor scalar.
    assert request_units({"cpu": "1", "widgets": "3", "example.com/dongle": "2"}) == {
        "cpu": 1000,
        "example.com/dongle": 2,
    }


QUANTITY_CASES = [
    # requests, allocatable, allocated, allocating, expected
    ({"cpu": "500m"}, {"pods": "110", "cpu": "4"}, None, None, 8),
    ({"cpu": "500m"}, {"pods": "5", "cpu": "4"}, None, None, 5),
    ({"cpu": "1"}, {"pods": "110", "cpu": "8"}, {"cpu": "3"}, {"cpu": "1"}, 4),
    ({"nvidia.com/gpu": "1"}, {"pods": "110", "cpu": "8"}, None, None, 0),
    (None, {"pods": "10"}, {"pods": "4"}, None, 6),
    ({"cpu": "1"}, {"cpu": "8"}, None, None, 0),  # no pods listed: nothing admitted
]


@pytest.mark.parametrize(
    ("requests", "allocatable", "allocated", "allocating", "want"), QUANTITY_CASES
)
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
