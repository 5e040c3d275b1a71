"""Node selection and tolerations against Kubernetes' own test tables, and kfedgen's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kfedgen.model import Taint
from kfedgen.pods.nodeaffinity import (
    node_selector_mismatch,
    tolerates,
    untolerated_taint,
)

CASES = Path(__file__).parent / "cases"


def _cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((CASES / name).read_text())["cases"]
    return cases


@pytest.mark.parametrize("case", _cases("tolerations.yaml"), ids=lambda c: c["name"])
def test_toleration_tolerates_taint(case: dict[str, Any]) -> None:
    taint = Taint(case["taint"]["key"], case["taint"].get("value", ""), case["taint"]["effect"])
    assert tolerates(case["toleration"], taint) is case["tolerated"]


@pytest.mark.parametrize("case", _cases("node_affinity.yaml"), ids=lambda c: c["name"])
def test_pod_matches_node_selector_and_affinity_terms(case: dict[str, Any]) -> None:
    assert (node_selector_mismatch(case["spec"], case["labels"]) is None) is case["match"]


def _required(*expressions: dict[str, Any], fields: bool = False) -> dict[str, Any]:
    term: dict[str, Any] = {"matchExpressions": list(expressions)}
    if fields:
        term["matchFields"] = [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
            }
        }
    }


def test_a_kubelet_label_the_pool_does_not_declare_is_not_held_against_the_pod() -> None:
    spec = {"nodeSelector": {"kubernetes.io/os": "linux"}}
    assert node_selector_mismatch(spec, {}) is None
    assert node_selector_mismatch(spec, {"kubernetes.io/os": "windows"}) == (
        ("nodeSelector", "kubernetes.io/os"),
        "nodeSelector kubernetes.io/os=linux: its nodes have kubernetes.io/os=windows",
    )
    arch = _required({"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]})
    assert node_selector_mismatch(arch, {"gpu": "true"}) is None
    assert node_selector_mismatch(arch, {"kubernetes.io/arch": "amd64"}) is not None


def test_a_label_the_pool_does_not_declare_is_absent() -> None:
    spec = {"nodeSelector": {"gpu": "true"}}
    assert node_selector_mismatch(spec, {}) == (
        ("nodeSelector", "gpu"),
        "nodeSelector gpu=true: its nodes have no label gpu",
    )
    absent = _required({"key": "gpu", "operator": "DoesNotExist"})
    assert node_selector_mismatch(absent, {}) is None
    assert node_selector_mismatch(absent, {"gpu": "true"}) is not None


def test_match_fields_name_nodes_and_are_taken_to_hold() -> None:
    labelled = _required({"key": "foo", "operator": "In", "values": ["bar"]}, fields=True)
    assert node_selector_mismatch(labelled, {"foo": "bar"}) is None
    assert node_selector_mismatch(labelled, {"foo": "baz"}) is not None
    only_fields = _required(fields=True)
    assert node_selector_mismatch(only_fields, {}) is None


@pytest.mark.parametrize(
    ("operator", "values", "label", "holds"),
    [
        ("Gt", ["5"], "6", True),
        ("Gt", ["5"], "5", False),
        ("Lt", ["5"], "-7", True),
        ("Gt", ["5"], "+6", True),  # strconv.ParseInt takes a sign
        ("Gt", ["5"], "6.0", False),  # and nothing but digits
        ("Gt", ["5"], "9223372036854775808", False),  # out of int64's range
        ("Gt", ["5", "6"], "7", False),  # Gt takes exactly one value
        ("Exists", ["x"], "y", False),  # Exists takes none
        ("In", [], "y", False),  # In takes at least one
        ("Near", ["x"], "x", False),
    ],
)
def test_operators_follow_labels_new_requirement(
    operator: str, values: list[str], label: str, holds: bool
) -> None:
    spec = _required({"key": "k", "operator": operator, "values": values})
    assert (node_selector_mismatch(spec, {"k": label}) is None) is holds


def test_only_no_schedule_and_no_execute_taints_keep_pods_off() -> None:
    prefer = Taint("spot", "true", "PreferNoSchedule")
    hard = Taint("gpu", "true", "NoSchedule")
    evict = Taint("maintenance", "", "NoExecute")
    assert untolerated_taint({}, [prefer]) is None
    assert untolerated_taint({}, [prefer, hard, evict]) == hard
    tolerant = {"tolerations": [{"key": "gpu", "operator": "Exists"}]}
    assert untolerated_taint(tolerant, [prefer, hard, evict]) == evict
    everything = {"tolerations": [{"operator": "Exists"}]}
    assert untolerated_taint(everything, [prefer, hard, evict]) is None
