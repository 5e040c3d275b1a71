"""A Karmada Cluster's resource models and summary as node pools."""

from __future__ import annotations

from kfedgen.frontends.karmada.resourcemodels import karmada_compute
from kfedgen.model import Compute, NodePool

MODELS = [
    {"grade": 0, "ranges": [{"name": "cpu", "min": "0", "max": "1"}]},
    {
        "grade": 1,
        "ranges": [
            {"name": "cpu", "min": "1", "max": "2"},
            {"name": "memory", "min": "4Gi", "max": "16Gi"},
        ],
    },
    {"grade": 2, "ranges": [{"name": "cpu", "min": "2", "max": "9223372036854775807"}]},
]


def test_each_grade_with_nodes_is_a_pool_of_nodes_below_its_max() -> None:
    summary = {
        "allocatableModelings": [
            {"grade": 0, "count": 0},
            {"grade": 1, "count": 3},
            {"grade": 2, "count": 1},
        ]
    }
    assert karmada_compute(MODELS, summary) == Compute(
        node_pools=(
            NodePool(
                "grade-1", 3, {}, (), {"cpu": "1999m", "memory": str(16 * 1024**3 - 1)}, False
            ),
            NodePool("grade-2", 1, {}, (), {}, False),  # the last grade has no upper bound
        )
    )


def test_without_models_the_total_is_one_pool() -> None:
    summary = {"allocatable": {"cpu": "4", "pods": "110"}}
    assert karmada_compute([], summary) == Compute(
        node_pools=(NodePool("all-nodes", 1, {}, (), {"cpu": "4", "pods": "110"}, False),)
    )
    assert karmada_compute(MODELS, {**summary, "allocatableModelings": []}) == Compute(
        node_pools=(NodePool("all-nodes", 1, {}, (), {"cpu": "4", "pods": "110"}, False),)
    )


def test_nothing_said_is_no_compute() -> None:
    assert karmada_compute([], None) is None
    assert karmada_compute(MODELS, {"allocatableModelings": [{"grade": 1, "count": 0}]}) is None
