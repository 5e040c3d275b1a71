"""The interpreter chain: the fleet's customizations, then Karmada's bundled, then native."""

from __future__ import annotations

import pytest

pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")

from kfedgen.errors import Location
from kfedgen.karmada.chain import Interpreter
from kfedgen.karmada.scripts import Customization, parse_customization

CLONESET = ("apps.kruise.io/v1alpha1", "CloneSet")


def _cloneset() -> dict[str, object]:
    return {
        "apiVersion": CLONESET[0],
        "kind": CLONESET[1],
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": 3,
            "template": {
                "spec": {
                    "containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "cfg"}}]}]
                }
            },
        },
    }


def _customization(name: str, rules: dict[str, str]) -> Customization:
    return parse_customization(
        {
            "metadata": {"name": name},
            "spec": {
                "target": {"apiVersion": CLONESET[0], "kind": CLONESET[1]},
                "customizations": {rule: {"luaScript": text} for rule, text in rules.items()},
            },
        },
        Location("fleet/c.yaml", 1, 1),
    )


def test_bundled_dependencies_of_a_cloneset() -> None:
    assert Interpreter([]).dependencies(*CLONESET, _cloneset()) == [
        {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "shop", "name": "cfg"}
    ]


def test_the_fleets_dependency_scripts_replace_the_bundled_ones() -> None:
    script = (
        "function GetDependencies(obj)\n"
        '  return {{apiVersion = "v1", kind = "Secret", namespace = "shop", name = "token"}}\n'
        "end\n"
    )
    ours = _customization("deps", {"dependencyInterpretation": script})
    assert Interpreter([ours]).dependencies(*CLONESET, _cloneset()) == [
        {"apiVersion": "v1", "kind": "Secret", "namespace": "shop", "name": "token"}
    ]


def test_kinds_without_a_dependency_script_answer_none() -> None:
    assert Interpreter([]).dependencies("apps/v1", "Deployment", {"spec": {}}) is None


def test_customizations_merge_by_name_the_first_script_of_a_rule_wins() -> None:
    first = _customization("a", {"replicaResource": "function GetReplicas(o) return 7 end"})
    second = _customization("b", {"replicaResource": "function GetReplicas(o) return 9 end"})
    workload = Interpreter([second, first]).workload(*CLONESET, _cloneset())
    assert workload is not None
    assert workload.replicas == 7
    # ReviseReplica still comes from the bundled customization.
    assert workload.reviser is not None and workload.reviser.bundled


def test_a_native_kind_is_read_by_the_native_interpreter() -> None:
    workload = Interpreter([]).workload("apps/v1", "Deployment", {"spec": {"replicas": 4}})
    assert workload is not None
    assert (workload.replicas, workload.field, workload.interpreted_by) == (4, "replicas", None)
