"""kfedgen.decisions: immutable values, and the provenance of each cluster's replica count."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kfedgen.decisions import ClusterDecision, ValueSource
from kfedgen.errors import Location
from kfedgen.views.plan import build_plan
from tests.fleets import INVENTORY, compile_fleet
from tests.karmada._documents import override, selector
from tests.placement.rsp_documents import deployment, namespace, rsp

WEB = "FederatedDeployment/app/web"
OVERRIDES = (
    "    - clusterName: west\n"
    "      clusterOverrides: [{path: /spec/replicas, value: 3}]\n"
    "    - clusterName: lab\n"
    "      clusterOverrides: [{path: /spec/replicas, value: 4}]\n"
)


def replica_sources(compilation: object, ref: str = WEB) -> dict[str, ValueSource | None]:
    resolution = compilation.resolution(ref)  # type: ignore[attr-defined]
    assert resolution is not None
    return {n: d.replicas_from for n, d in resolution.decisions.items() if d.placed}


def test_a_decision_is_a_value_each_step_returns_a_new_one() -> None:
    first = ClusterDecision("east")
    placed = first.placing("selected")
    noted = placed.noting("a note", "another")
    assert (first.placed, first.reasons) == (False, ())
    assert (placed.placed, placed.reasons) == (True, ("selected",))
    assert noted.reasons == ("selected", "a note", "another")
    assert noted.dropping("gone") == ClusterDecision(
        "east", False, ("selected", "a note", "another", "gone")
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        noted.placed = False  # type: ignore[misc]


def test_the_hand_written_constructor_sets_every_field_the_dataclass_declares() -> None:
    # ClusterDecision fills its fields itself (speed); a field added to the class but not
    # to __init__ would be missing from instances and break equality and repr.
    names = [f.name for f in dataclasses.fields(ClusterDecision)]
    source = ValueSource("scheduler", "rsp")
    values: tuple[Any, ...] = ("east", True, ("r",), 3, source, None, True, True, ())
    decision = ClusterDecision(*values)
    assert list(vars(decision)) == names
    assert [getattr(decision, n) for n in names] == list(values)
    changes: dict[str, Any] = dict(zip(names, values, strict=True))
    assert decision == dataclasses.replace(ClusterDecision("east"), **changes)
    assert vars(ClusterDecision("east")) == {
        f.name: f.default for f in dataclasses.fields(ClusterDecision) if f.name != "cluster"
    } | {"cluster": "east"}
    assert hash(decision) == hash(ClusterDecision(*values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.replicas = 4  # type: ignore[misc]


def test_each_step_copies_every_other_field_as_dataclasses_replace_would() -> None:
    # The steps copy the instance dictionary (speed), replacing placed, reasons and source.
    source, other = ValueSource("scheduler", "rsp"), ValueSource("override", "overrides[0]")
    values: tuple[Any, ...] = ("east", True, ("r",), 3, source, None, True, True, ())
    decision = ClusterDecision(*values)
    steps: list[tuple[ClusterDecision, dict[str, Any]]] = [
        (decision.placing("p"), {"placed": True, "reasons": ("r", "p")}),
        (decision.dropping("d"), {"placed": False, "reasons": ("r", "d")}),
        (decision.noting("n", "m"), {"reasons": ("r", "n", "m")}),
        (decision.sourced(other, "s"), {"reasons": ("r", "s"), "replicas_from": other}),
        (decision.recorded(other, ("t",)), {"reasons": ("r", "t"), "replicas_from": other}),
    ]
    for step, changes in steps:
        expected = dataclasses.replace(decision, **changes)
        assert step == expected and vars(step) == vars(expected)
        assert hash(step) == hash(expected) and repr(step) == repr(expected)
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.placed = False  # type: ignore[misc]
    assert decision == ClusterDecision(*values)  # unchanged by the steps
    assert list(vars(decision.recorded(other, ()))) == list(vars(decision))


def test_the_template_and_each_override_entry_are_recorded_with_their_file_and_line() -> None:
    files = {"app": namespace() + "---\n" + deployment(overrides=OVERRIDES)}
    sources = replica_sources(compile_fleet(INVENTORY, files=files))
    assert sources == {
        "east": ValueSource("template", "the template", Location("fleet/app.yaml", 13, 7)),
        "west": ValueSource("override", "overrides[0]", Location("fleet/app.yaml", 18, 26)),
        "lab": ValueSource("override", "overrides[1]", Location("fleet/app.yaml", 20, 26)),
    }


def test_the_scheduler_replaces_an_override_and_is_recorded_as_the_source() -> None:
    files = {
        "app": namespace() + "---\n" + deployment(overrides=OVERRIDES),
        "rsp": rsp("  totalReplicas: 6\n  clusters: {east: {weight: 1}, west: {weight: 1}}\n"),
    }
    compilation = compile_fleet(INVENTORY, files=files)
    scheduler = ValueSource(
        "scheduler", "ReplicaSchedulingPreference/app/web", Location("fleet/rsp.yaml", 7, 3)
    )
    # lab has no preference: the RSP plans it 0, replacing its override's 4 too.
    assert replica_sources(compilation) == {"east": scheduler, "west": scheduler, "lab": scheduler}
    assert [(r.cluster, r.replicas, r.source) for r in build_plan(compilation)] == [
        ("east", 3, "scheduler"),
        ("lab", 0, "scheduler"),
        ("west", 3, "scheduler"),
    ]


def test_an_override_policy_that_changes_replicas_is_the_source_plan_shows() -> None:
    # Before decisions recorded their provenance, plan guessed from the KubeFed overrides
    # alone and called this count "template", though the ClusterOverridePolicy wrote it.
    policy = override(
        "lab-replicas",
        [
            {
                "targetCluster": {"clusterNames": ["lab"]},
                "overriders": {
                    "plaintext": [{"path": "/spec/replicas", "operator": "replace", "value": 7}]
                },
            }
        ],
        selectors=[selector()],
    )
    files = {"app": namespace() + "---\n" + deployment()}
    compilation = compile_fleet(INVENTORY, overlays=[policy], files=files)
    lab = replica_sources(compilation)["lab"]
    assert lab is not None
    assert (lab.stage, lab.by) == (
        "override",
        "ClusterOverridePolicy lab-replicas overrideRules[0]",
    )
    assert [(r.cluster, r.replicas, r.source) for r in build_plan(compilation)] == [
        ("east", 1, "template"),
        ("lab", 7, "override"),
        ("west", 1, "template"),
    ]
