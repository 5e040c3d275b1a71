"""Karmada's bundled customizations against their own test cases (``testdata/*-test.yaml``).

Every case of every vendored customization whose operation kfedgen runs (InterpretReplica,
ReviseReplica, InterpretDependency, Retain) is run on its example object and must give the
output the file states, compared as Karmada's ``thirdparty_test.go`` compares them:
requirements by quantity, dependencies as a sorted list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")

from kfedgen.karmada import luaops
from kfedgen.karmada.luavm import json_numbers
from kfedgen.karmada.scripts import (
    DEPENDENCY_INTERPRETATION,
    REPLICA_RESOURCE,
    REPLICA_REVISION,
    RETENTION,
    bundled_accessor,
)

ROOT = Path(__file__).parents[2] / "kfedgen" / "karmada" / "thirdparty" / "resourcecustomizations"
RULES = {
    "InterpretReplica": REPLICA_RESOURCE,
    "ReviseReplica": REPLICA_REVISION,
    "InterpretDependency": DEPENDENCY_INTERPRETATION,
    "Retain": RETENTION,
}


def _cases() -> list[Any]:
    cases = []
    for path in sorted(ROOT.glob("*/*/*/testdata/*.yaml")):
        for index, case in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if isinstance(case, dict) and case.get("operation") in RULES:
                target = path.parent.parent.relative_to(ROOT).parts
                name = f"{'/'.join(target)}:{path.name}[{index}]"
                cases.append(pytest.param(target, case, id=name))
    return cases


CASES = _cases()


def test_every_bundled_replica_customization_has_cases() -> None:
    # The list: each bundled customization with replica operations is exercised.
    kinds = {p.values[0][2] for p in CASES if p.values[1]["operation"] == "InterpretReplica"}
    assert {"CloneSet", "BroadcastJob", "UnitedDeployment", "StatefulSet", "Workflow"} <= kinds
    assert {"RayService", "FlinkDeployment", "Notebook", "SidecarSet"} <= kinds


def _sorted_deps(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    key = ("apiVersion", "kind", "namespace", "name")
    return sorted(value, key=lambda d: tuple(str(d.get(k, "")) for k in key))


@pytest.mark.parametrize(("target", "case"), CASES)
def test_bundled_customization_gives_the_stated_output(
    target: tuple[str, str, str], case: dict[str, Any]
) -> None:
    group, version, kind = target
    accessor = bundled_accessor((f"{group}/{version}", kind))
    assert accessor is not None
    operation, expected = case["operation"], case.get("output") or {}
    # rule.go getObjectOrError: the desired object, else the observed one.
    desired: dict[str, Any] = case.get("desiredObj") or case["observedObj"]
    if operation == "InterpretDependency":
        scripts = accessor.dependencies
        assert scripts
        found = [d for s in scripts for d in luaops.get_dependencies(s, desired)]
        unique = {tuple(sorted(d.items())): d for d in found}
        assert _sorted_deps(list(unique.values())) == _sorted_deps(expected["dependencies"] or [])
        return
    script = accessor.scripts[RULES[operation]]
    if operation == "InterpretReplica":
        replica, requires = luaops.get_replicas(script, desired)
        assert replica == expected["replica"]
        if "requires" in expected:
            assert requires == luaops._requirements(json_numbers(expected["requires"]))
    elif operation == "ReviseReplica":
        revised = luaops.revise_replica(script, desired, int(case["inputReplicas"]))
        assert revised == json_numbers(expected["revised"])
    else:
        retained = luaops.retain(script, desired, case["observedObj"])
        assert retained == json_numbers(expected["retained"])
