"""The fleet model: which overrides of a federated object apply to a cluster."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.errors import Location
from kfedgen.model import Cluster, FederatedObject, OverrideEntry, Placement, TargetType
from kfedgen.selectors import LabelSelector, Requirement
from kfedgen.source.load import Document

LABELS = [{}, {"env": "prod"}, {"env": "dev"}, {"env": "prod", "zone": "a"}]


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["c0", "c1", "c2", "c9"]).map(lambda name: ("name", name)),
            st.sampled_from(LABELS).map(lambda labels: ("selector", labels)),
            st.just(("neither", None)),
        ),
        max_size=8,
    )
)
def test_overrides_for_a_cluster_are_the_entries_that_apply_in_order(
    targets: list[tuple[str, Any]],
) -> None:
    entries = tuple(
        OverrideEntry(
            index,
            value if how == "name" else None,
            selector(value) if how == "selector" else None,
            (),
        )
        for index, (how, value) in enumerate(targets)
    )
    obj = federated_object(entries)
    for index, labels in enumerate(LABELS):
        cluster = Cluster(f"c{index}", labels, Location("fleet.yaml"))
        expected = [entry for entry in entries if entry.applies_to(cluster)]
        assert obj.overrides_for(cluster) == expected


def selector(labels: dict[str, str]) -> LabelSelector:
    return LabelSelector(tuple(Requirement(k, "In", (v,)) for k, v in sorted(labels.items())))


def federated_object(overrides: tuple[OverrideEntry, ...]) -> FederatedObject:
    target = TargetType(
        "apps", "v1", "Deployment", "deployments", True, "types.kubefed.io/v1beta1", "Deployment"
    )
    return FederatedObject(
        doc=Document({}, "fleet.yaml", 0),
        target=target,
        name="web",
        namespace="shop",
        template={},
        placement=Placement(None, None),
        overrides=overrides,
        retain_replicas=False,
    )
