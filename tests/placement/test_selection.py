"""Placement answers each distinct question once; the answers are the per-cluster ones.

:class:`~kfedgen.placement.resolve.ClusterSelection` evaluates a selector once per distinct
label set and keeps the answer, and :func:`operations_by_cluster` looks only at clusters an
override entry can name.  These properties compare both with the per-cluster definitions
(:func:`select_clusters`, :func:`cluster_operations`) on random inventories, and the whole
placement stage with a decision worked out cluster by cluster.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import Location
from kfedgen.model import Cluster, Placement
from kfedgen.placement.cluster_overrides import cluster_operations, operations_by_cluster
from kfedgen.placement.resolve import ClusterSelection, select_clusters
from kfedgen.selectors import LabelSelector, Requirement
from tests.fleets import compile_fleet, inventory

KEYS = ("env", "region", "tier")
VALUES = ("a", "b", "c")
NAMES = ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8")

labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def requirements(draw: st.DrawFn) -> Requirement:
    operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
    values: tuple[str, ...] = ()
    if operator in ("In", "NotIn"):
        values = tuple(sorted(draw(st.sets(st.sampled_from(VALUES), min_size=1))))
    return Requirement(draw(st.sampled_from(KEYS)), operator, values)


selectors = st.builds(LabelSelector, st.lists(requirements(), max_size=3).map(tuple))
placements = st.builds(
    Placement,
    st.none() | st.lists(st.sampled_from((*NAMES, "gone")), max_size=4).map(tuple),
    st.none() | selectors,
)


@st.composite
def inventories(draw: st.DrawFn) -> list[Cluster]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, unique=True))
    return [Cluster(name, draw(labels), Location("fleet.yaml")) for name in sorted(names)]


@settings(max_examples=300, deadline=None)
@given(inventories(), st.lists(placements, min_size=1, max_size=6))
def test_a_selection_answers_what_every_cluster_would(
    clusters: list[Cluster], asked: list[Placement]
) -> None:
    selection = ClusterSelection(clusters)
    # Asked twice (the second answer comes from the memo), in any order.
    for placement in [*asked, *reversed(asked)]:
        assert selection.select(placement) == select_clusters(placement, clusters)


def test_equal_selectors_of_different_objects_share_one_answer() -> None:
    clusters = [
        Cluster("c1", {"env": "a"}, Location("f")),
        Cluster("c2", {"env": "b"}, Location("f")),
        Cluster("c3", {"env": "a"}, Location("f")),
    ]
    selection = ClusterSelection(clusters)
    first = selection.select(Placement(None, LabelSelector((Requirement("env", "In", ("a",)),))))
    again = selection.select(Placement(None, LabelSelector((Requirement("env", "In", ("a",)),))))
    assert first == {"c1", "c3"}
    assert again is first


def test_labels_and_selectors_that_cannot_be_sorted_or_hashed_are_still_matched() -> None:
    # An invalid inventory is reported, but placement still runs over what was read.
    odd: list[dict[Any, Any]] = [{1: "x", "env": "a"}, {"env": ["a"]}, {"env": "a"}]
    clusters = [Cluster(f"c{i}", labels, Location("f")) for i, labels in enumerate(odd)]
    selector = LabelSelector((Requirement("env", "In", ("a",)),))
    unhashable = LabelSelector((Requirement("env", "In", (["a"], "a")),))  # type: ignore[arg-type]
    for placement in (
        Placement(None, selector),
        Placement(None, LabelSelector(())),
        Placement(None, unhashable),
    ):
        assert ClusterSelection(clusters).select(placement) == select_clusters(placement, clusters)


def _selector_yaml(selector: LabelSelector) -> str:
    expressions = [
        {"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
        for r in selector.requirements
    ]
    return json.dumps({"matchExpressions": expressions})


@st.composite
def fleets(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    clusters = draw(inventories())
    fleet = inventory(*(json.dumps({"name": c.name, "labels": dict(c.labels)}) for c in clusters))
    namespace = (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\n"
        f"spec:\n  placement:\n    clusterSelector: {_selector_yaml(draw(selectors))}\n"
    )
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from([c.name for c in clusters]), unique=True))
        placement = f"clusters: {json.dumps([{'name': n} for n in chosen])}"
    else:
        placement = f"clusterSelector: {_selector_yaml(draw(selectors))}"
    entries = []
    named = iter(draw(st.permutations([c.name for c in clusters])))  # each named at most once
    for index in range(draw(st.integers(0, 5))):
        name = next(named, None) if draw(st.booleans()) else None
        target = (
            f"clusterName: {name}"
            if name is not None
            else f"clusterSelector: {_selector_yaml(draw(selectors))}"
        )
        entries.append(
            f"  - {target}\n"
            f"    clusterOverrides: [{{op: add, path: /data/k{index}, value: v{index}}}]\n"
        )
    overrides = "  overrides:\n" + "".join(entries) if entries else ""
    config = (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        "metadata: {name: cfg, namespace: app}\n"
        f"spec:\n  template: {{data: {{a: b}}}}\n  placement:\n    {placement}\n{overrides}"
    )
    return fleet, {"ns": namespace, "cfg": config}


@settings(max_examples=150, deadline=None)
@given(fleets())
def test_placement_decides_each_cluster_as_the_per_cluster_rules_say(
    fleet: tuple[str, dict[str, str]],
) -> None:
    compilation = compile_fleet(fleet[0], files=fleet[1])
    clusters = compilation.spec.cluster_list()
    resolution = compilation.resolution("FederatedConfigMap/app/cfg")
    assert resolution is not None
    obj = resolution.obj
    gate = select_clusters(compilation.spec.namespaces["app"].placement, clusters)
    selected = select_clusters(obj.placement, clusters)  # type: ignore[attr-defined]
    assert resolution.clusters == sorted(selected & gate)
    for cluster in clusters:
        decision = resolution.decisions[cluster.name]
        # Placement decides the override list once per cluster; materialize notes more.
        expected = cluster_operations(obj, cluster)  # type: ignore[arg-type]
        assert decision.operations == expected
        assert operations_by_cluster(obj, [cluster]).get(cluster.name, ()) == expected  # type: ignore[arg-type]
        assert decision.placed == (cluster.name in selected and cluster.name in gate)
        first = "selects it" if cluster.name in selected else "does not select it"
        assert first in decision.reasons[0]
