"""The port of Karmada's workload affinity groups and filter plugins, unit by unit.

Group names are upstream's ``TestApplyPolicy`` rows (``cases/workload_affinity.yaml``); the
filters' rules are read from ``workload_affinity.go`` / ``workload_anti_affinity.go``
(``obeyAffinityGroup``, ``obeyAntiAffinityGroup``), which upstream tests end to end only.
"""

from __future__ import annotations

from typing import Any

import pytest

from kfedgen.karmada.policytypes import WorkloadAffinity
from kfedgen.karmada.workloadaffinity import (
    AFFINITY_REASON,
    ANTI_AFFINITY_REASON,
    Groups,
    Ledger,
    Member,
    binding_name,
    instantiate,
    schedule_order,
)
from tests.karmada._cases import load, params

DATA = load("workload_affinity.yaml")


def _term(raw: dict[str, Any] | None) -> WorkloadAffinity | None:
    if raw is None:
        return None
    return WorkloadAffinity(
        (raw.get("affinity") or {}).get("groupByLabelKey", ""),
        (raw.get("antiAffinity") or {}).get("groupByLabelKey", ""),
    )


@pytest.mark.parametrize("case", params(DATA["cases"]))
def test_groups_are_instantiated_from_the_templates_labels(case: dict[str, Any]) -> None:
    got = instantiate(_term(case["workloadAffinity"]), case["labels"])
    want = case["want"]
    if want is None:
        assert got is None
    else:
        assert got == Groups(want["affinityGroup"], want["antiAffinityGroup"])


def test_labels_that_are_not_all_strings_read_as_none() -> None:
    # Unstructured.GetLabels returns nothing when NestedStringMap fails on any value.
    term = WorkloadAffinity("app.group", "")
    assert instantiate(term, {"app.group": "web", "replicas": 3}) is None
    assert instantiate(term, {"app.group": "web"}) == Groups("app.group=web", "")


def test_binding_names_follow_generate_binding_name() -> None:
    assert binding_name("Deployment", "web") == "web-deployment"
    assert binding_name("ClusterRole", "system:admin") == "system.admin-clusterrole"


def test_the_order_is_namespace_then_binding_name_then_api_version() -> None:
    refs = [
        ("apps/v1", "Deployment", "b", "web"),
        ("apps/v1", "StatefulSet", "a", "web"),
        ("apps/v1", "Deployment", "a", "web"),
        ("apps/v1", "Deployment", "a", "api"),
        ("example.com/v1", "Deployment", "a", "api"),
    ]
    ordered = sorted(refs, key=lambda r: schedule_order(*r))
    assert ordered == [
        ("apps/v1", "Deployment", "a", "api"),
        ("example.com/v1", "Deployment", "a", "api"),
        ("apps/v1", "Deployment", "a", "web"),  # web-deployment < web-statefulset
        ("apps/v1", "StatefulSet", "a", "web"),
        ("apps/v1", "Deployment", "b", "web"),
    ]


def _member(
    name: str, clusters: set[str], affinity: str = "", anti: str = "", namespace: str = "app"
) -> Member:
    return Member(
        f"Deployment/{namespace}/{name}",
        "apps/v1",
        namespace,
        binding_name("Deployment", name),
        Groups(affinity, anti),
        frozenset(clusters),
    )


def _ledger(*members: Member) -> Ledger:
    ledger = Ledger()
    for member in members:
        ledger.record(member)
    return ledger


def _verdicts(
    ledger: Ledger, groups: Groups, clusters: tuple[str, ...] = ("a", "b", "c"), name: str = "new"
) -> dict[str, bool | None]:
    check = ledger.filter_for(_member(name, set(), groups.affinity, groups.anti_affinity))
    result = {}
    for cluster in clusters:
        verdict = check(cluster)
        result[cluster] = None if verdict is None else verdict.passes
    return result


def test_the_first_member_of_a_group_is_free() -> None:
    assert _verdicts(Ledger(), Groups("g=1", "h=1")) == {"a": None, "b": None, "c": None}


def test_affinity_keeps_the_clusters_every_placed_member_targets() -> None:
    ledger = _ledger(_member("x", {"a", "b"}, affinity="g=1"), _member("y", {"b", "c"}, "g=1"))
    assert _verdicts(ledger, Groups("g=1", "")) == {"a": False, "b": True, "c": False}


def test_anti_affinity_keeps_the_clusters_no_placed_member_targets() -> None:
    ledger = _ledger(_member("x", {"a"}, anti="g=1"), _member("y", {"c"}, anti="g=1"))
    assert _verdicts(ledger, Groups("", "g=1")) == {"a": False, "b": True, "c": False}


def test_groups_are_per_namespace_value_and_side() -> None:
    ledger = _ledger(
        _member("x", {"a"}, affinity="g=1", namespace="other"),  # another namespace
        _member("y", {"a"}, affinity="g=2"),  # another value
        _member("z", {"a"}, affinity="h=1"),  # an anti-affinity group of the same name
    )
    assert _verdicts(ledger, Groups("g=1", "h=1")) == {"a": None, "b": None, "c": None}


def test_a_member_without_clusters_constrains_nobody() -> None:
    # obeyAffinityGroup: len(existingBinding.Spec.Clusters) == 0 passes.
    ledger = _ledger(_member("x", set(), affinity="g=1", anti="h=1"))
    assert _verdicts(ledger, Groups("g=1", "h=1")) == {"a": None, "b": None, "c": None}


def test_a_binding_of_the_same_name_is_taken_for_the_binding_itself() -> None:
    # Both plugins skip existingBinding.GetName() == bindingName.
    ledger = _ledger(_member("new", {"a"}, anti="g=1"))
    custom = Member(
        "Deployment/app/new",
        "example.com/v1",
        "app",
        "new-deployment",
        Groups("", "g=1"),
        frozenset(),
    )
    check = ledger.filter_for(custom)
    assert check("a") is None
    assert check.same_binding == ("Deployment/app/new (apps/v1)",)


def test_the_reasons_name_the_members_and_karmadas_message() -> None:
    ledger = _ledger(_member("x", {"a"}, affinity="g=1"), _member("y", {"b"}, anti="h=1"))
    check = ledger.filter_for(_member("new", set(), "g=1", "h=1"))
    kept, denied = check("a"), check("b")
    assert kept is not None and kept.passes
    assert kept.reason == (
        "workloadAffinity keeps it: Deployment/app/x of affinity group g=1 is here; "
        "workloadAntiAffinity keeps it: Deployment/app/y of anti-affinity group h=1 is elsewhere"
    )
    assert denied is not None and not denied.passes
    assert denied.reason == (
        "workloadAffinity filters it out: Deployment/app/x of affinity group g=1 is not here "
        f"({AFFINITY_REASON})"
    )
    ledger = _ledger(_member("y", {"b"}, anti="h=1"))
    check = ledger.filter_for(_member("new", set(), anti="h=1"))
    denied = check("b")
    assert denied is not None
    assert denied.reason == (
        "workloadAntiAffinity filters it out: Deployment/app/y of anti-affinity group h=1 is "
        f"already here ({ANTI_AFFINITY_REASON})"
    )
    assert check.unschedulable_note() == (
        " (workload affinity groups: Deployment/app/y rules out b)"
    )


def test_a_reason_names_three_members_and_counts_the_rest() -> None:
    ledger = _ledger(*(_member(f"m{i}", {"a"}, affinity="g=1") for i in range(5)))
    check = ledger.filter_for(_member("new", set(), "g=1"))
    kept, denied = check("a"), check("b")
    assert kept is not None and denied is not None
    assert kept.reason == (
        "workloadAffinity keeps it: Deployment/app/m0, Deployment/app/m1, Deployment/app/m2 "
        "and 2 more of affinity group g=1 are here"
    )
    assert denied.members == ("Deployment/app/m0", "Deployment/app/m1", "Deployment/app/m2")
