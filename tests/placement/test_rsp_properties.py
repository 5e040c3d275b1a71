"""Properties of replica scheduling through the whole compiler (random fleets and RSPs).

Every example is compiled from YAML text and checked on the rendered manifests, so the
properties hold for what users get, not only for the planner function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.pipeline import Compilation
from tests.fleets import compile_fleet, inventory
from tests.placement.rsp_documents import (
    deployment,
    namespace,
    replicas,
    rsp,
)

NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")


@dataclass(frozen=True)
class Pref:
    weight: int
    minimum: int
    maximum: int | None

    def flow(self) -> str:
        fields = {"weight": self.weight, "minReplicas": self.minimum}
        if self.maximum is not None:
            fields["maxReplicas"] = self.maximum
        return json.dumps(fields)


@dataclass(frozen=True)
class Case:
    clusters: tuple[tuple[str, bool], ...]  # (name, schedulable), in inventory order
    prefs: dict[str, Pref]  # cluster name or "*"
    total: int

    def pref_for(self, cluster: str) -> Pref | None:
        # KubeFed plans an empty or absent clusters map as {"*": {weight: 1}}
        prefs = self.prefs or {"*": Pref(weight=1, minimum=0, maximum=None)}
        return prefs.get(cluster, prefs.get("*"))

    def files(self, reverse: bool = False) -> dict[str, str]:
        clusters = self.clusters[::-1] if reverse else self.clusters
        fleet = inventory(
            *(f"{{name: {name}, schedulable: {str(ok).lower()}}}" for name, ok in clusters)
        )
        prefs = list(self.prefs.items())[:: -1 if reverse else 1]
        body = f"  totalReplicas: {self.total}\n"
        if prefs:
            body += "  clusters:\n" + "".join(f"    '{k}': {p.flow()}\n" for k, p in prefs)
        documents = [fleet, namespace(), deployment(), rsp(body)]
        if reverse:
            documents.reverse()
        return {f"{i}": d for i, d in enumerate(documents)}

    def compile(self, reverse: bool = False) -> Compilation:
        return compile_fleet(None, files=self.files(reverse))


@st.composite
def preferences(draw: st.DrawFn) -> Pref:
    weight = draw(st.integers(0, 5))
    minimum = draw(st.integers(0, 4))
    maximum = draw(st.none() | st.integers(minimum, minimum + 6))
    return Pref(weight, minimum, maximum)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    schedulable = [draw(st.booleans() | st.just(True)) for _ in names]
    keys = draw(st.lists(st.sampled_from([*names, "*"]), unique=True, max_size=len(names) + 1))
    prefs = {key: draw(preferences()) for key in keys}
    return Case(tuple(zip(names, schedulable, strict=True)), prefs, draw(st.integers(0, 40)))


def capacity(case: Case) -> int | None:
    """The most replicas the preferences can hold on the schedulable clusters (None: any)."""
    total = 0
    for name, schedulable in case.clusters:
        pref = case.pref_for(name) if schedulable else None
        if pref is None:
            continue
        if pref.weight == 0:
            total += pref.minimum  # weightless clusters only ever get their minimum
        elif pref.maximum is None:
            return None
        else:
            total += pref.maximum
    return total


@settings(max_examples=150, deadline=None)
@given(cases())
def test_rendered_replicas_respect_the_preferences(case: Case) -> None:
    result = replicas(case.compile())
    # every inventory cluster is planned or drained, so every one gets the Deployment
    assert sorted(result) == sorted(name for name, _ in case.clusters)
    values = {name: value for name, value in result.items() if value is not None}
    assert values == result, "every cluster gets an explicit replica count"

    limit = capacity(case)
    expected_sum = case.total if limit is None else min(case.total, limit)
    assert sum(values.values()) == expected_sum

    planned = [(name, case.pref_for(name)) for name, ok in case.clusters if ok]
    minimums_fit = sum(p.minimum for _, p in planned if p is not None) <= case.total
    for name, schedulable in case.clusters:
        pref = case.pref_for(name)
        if not schedulable or pref is None:
            assert values[name] == 0, f"{name} is drained or has no preference"
            continue
        if pref.maximum is not None:
            assert values[name] <= pref.maximum
        if minimums_fit:
            assert values[name] >= pref.minimum


@settings(max_examples=60, deadline=None)
@given(cases())
def test_the_result_does_not_depend_on_document_or_cluster_order(case: Case) -> None:
    assert case.compile().tree.files == case.compile(reverse=True).tree.files
