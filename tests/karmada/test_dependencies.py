"""Karmada's dependency interpreters (GetDependencies) against Karmada's own tables.

The cases are ``cases/dependencies.yaml``, taken from Karmada's ``dependencies_test.go`` and
``pod_test.go``; where the dependencies go is in ``tests/placement/test_karmada_dependencies.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from kfedgen.karmada.dependencies import (
    INTERPRETERS,
    Dependency,
    dependencies,
    from_pod_template,
)
from tests.karmada._cases import load, params

DATA = load("dependencies.yaml")
NAMESPACE = DATA["namespace"]


def _row(dependency: Dependency) -> str:
    """A dependency as the case file writes it."""
    head = f"{dependency.api_version} {dependency.kind} {dependency.namespace}"
    if dependency.match_labels is not None:
        labels = ",".join(f"{k}={v}" for k, v in sorted(dependency.match_labels.items()))
        return f"{head} labels {labels}"
    return f"{head} {dependency.name}"


def test_the_interpreted_kinds_are_karmadas() -> None:
    kinds = {tuple(kind.split()) for kind in DATA["interpreter_kinds"]["kinds"]}
    assert set(INTERPRETERS) == kinds


@pytest.mark.parametrize("case", params(DATA["cases"]))
def test_dependencies_match_upstream(case: dict[str, Any]) -> None:
    api_version, kind = case["interpreter"].split()
    interpreter = INTERPRETERS[(api_version, kind)]
    namespace = case["object"]["metadata"]["namespace"]
    assert [_row(d) for d in interpreter(case["object"], namespace)] == case["want"]


@pytest.mark.parametrize("case", params(DATA["pod_cases"]))
def test_pod_template_dependencies_match_upstream(case: dict[str, Any]) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": NAMESPACE}}
    found = from_pod_template("Pod", {**pod, "spec": case["spec"]}, NAMESPACE)
    if "names_of" in case:
        names = [d.name for d in found if d.kind == case["names_of"]]
        assert sorted(names) == sorted(case["want"])
        assert len(names) == len(set(names))
    else:
        assert [_row(d) for d in found] == case["want"]


def _deployment(pod_spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": pod_spec}},
    }


def test_names_are_sorted_within_each_kind_and_each_is_named_once() -> None:
    spec = {
        "containers": [{"envFrom": [{"configMapRef": {"name": "zeta"}}]}],
        "volumes": [{"configMap": {"name": "alpha"}}, {"configMap": {"name": "zeta"}}],
    }
    found = dependencies("apps/v1", "Deployment", _deployment(spec), "shop")
    assert found is not None
    assert [d.ref for d in found] == ["ConfigMap/shop/alpha", "ConfigMap/shop/zeta"]


def test_each_dependency_records_where_the_workload_first_names_it() -> None:
    spec = {
        "containers": [
            {"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}
        ],
        "volumes": [{"name": "v", "secret": {"secretName": "db"}}],
    }
    found = dependencies("apps/v1", "Deployment", _deployment(spec), "shop")
    assert found is not None
    assert [(d.ref, d.path) for d in found] == [
        (
            "Secret/shop/db",
            (
                "spec",
                "template",
                "spec",
                "containers",
                0,
                "env",
                0,
                "valueFrom",
                "secretKeyRef",
                "name",
            ),
        )
    ]


def test_a_volume_counts_through_the_first_source_of_the_go_switch_only() -> None:
    # VisitPodSecretNames: azureFile comes before secret in the switch, so the second name of
    # this (invalid, two-source) volume is not visited, as upstream does.
    spec = {"volumes": [{"azureFile": {"secretName": "az"}, "secret": {"secretName": "plain"}}]}
    found = dependencies("apps/v1", "Deployment", _deployment(spec), "shop")
    assert found is not None
    assert [d.ref for d in found] == ["Secret/shop/az"]


def test_an_ingress_tls_entry_without_a_secret_is_a_reference_without_a_name() -> None:
    ingress = {"spec": {"tls": [{"hosts": ["a.example.com"]}]}}
    found = dependencies("networking.k8s.io/v1", "Ingress", ingress, "shop")
    assert found == [Dependency("v1", "Secret", "shop", "")]


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("v1", "ConfigMap"), ("apps/v1beta2", "Deployment"), ("v1", "ReplicationController")],
)
def test_kinds_without_an_interpreter_have_no_answer(api_version: str, kind: str) -> None:
    assert dependencies(api_version, kind, _deployment({"volumes": []}), "shop") is None
