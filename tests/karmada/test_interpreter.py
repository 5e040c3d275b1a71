"""Karmada's default resource interpreter (GetReplicas / ReviseReplica) against its own tables.

The cases are ``cases/replica_interpreter.yaml``, taken from Karmada's ``replica_test.go`` and
``revisereplica_test.go``; the end-to-end division of each kind is in ``test_propagation.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from kfedgen.karmada.interpreter import WORKLOADS, read_workload
from tests.karmada._cases import load, params

DATA = load("replica_interpreter.yaml")


def _keys(kinds: list[str]) -> set[tuple[str, str]]:
    return {(kind.split()[0], kind.split()[1]) for kind in kinds}


def test_the_workload_kinds_are_karmadas_replica_interpreters() -> None:
    assert set(WORKLOADS) == _keys(DATA["replica_kinds"]["kinds"])


def test_the_revised_kinds_are_karmadas_revise_replica_interpreters() -> None:
    revised = {key for key, field in WORKLOADS.items() if field is not None}
    assert revised == _keys(DATA["revise_kinds"]["kinds"])


@pytest.mark.parametrize("case", params(DATA["cases"]))
def test_replicas_and_revised_field_match_upstream(case: dict[str, Any]) -> None:
    manifest = {"apiVersion": case["apiVersion"], "kind": case["kind"], "spec": case["spec"]}
    workload = read_workload(case["apiVersion"], case["kind"], manifest)
    assert workload is not None
    assert (workload.replicas, workload.field) == (case["replicas"], case["field"])


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("apps/v1", "DaemonSet"), ("batch/v1", "CronJob"), ("apps/v1beta2", "ReplicaSet")],
)
def test_other_kinds_are_not_workloads(api_version: str, kind: str) -> None:
    assert read_workload(api_version, kind, {"spec": {"replicas": 3}}) is None
