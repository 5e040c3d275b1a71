"""Customization documents: parsed, merged per target, and Karmada's bundled set."""

from __future__ import annotations

from pathlib import Path

from kfedgen.errors import Location
from kfedgen.karmada.scripts import (
    REPLICA_RESOURCE,
    REPLICA_REVISION,
    bundled_accessor,
    bundled_targets,
    merge,
    parse_customization,
)

VENDORED = Path(__file__).parents[2] / "kfedgen" / "karmada" / "thirdparty"


def _document(name: str, **rules: str) -> dict[str, object]:
    return {
        "metadata": {"name": name},
        "spec": {
            "target": {"apiVersion": "example.com/v1", "kind": "Thing"},
            "customizations": {rule: {"luaScript": text} for rule, text in rules.items()},
        },
    }


def test_runtime_only_rules_and_empty_scripts_are_left_out() -> None:
    parsed = parse_customization(
        _document("a", statusReflection="x", replicaResource="y", replicaRevision=""),
        Location("f.yaml"),
    )
    assert sorted(parsed.scripts) == [REPLICA_RESOURCE]


def test_merging_keeps_the_first_script_of_each_rule_by_name() -> None:
    b = parse_customization(_document("b", replicaResource="B", replicaRevision="B"), Location(""))
    a = parse_customization(_document("a", replicaResource="A"), Location(""))
    accessor = merge([b, a])[("example.com/v1", "Thing")]
    assert accessor.scripts[REPLICA_RESOURCE].text == "A"
    assert accessor.scripts[REPLICA_REVISION].text == "B"


def test_the_bundled_targets_are_the_vendored_directories() -> None:
    directories = {
        (f"{p.parts[-4]}/{p.parts[-3]}", p.parts[-2])
        for p in VENDORED.glob("resourcecustomizations/*/*/*/customizations.yaml")
    }
    assert bundled_targets() == directories
    assert len(directories) == 27
    assert bundled_accessor(("example.com/v1", "Thing")) is None


def test_the_vendored_tree_names_its_source_and_licence() -> None:
    source = (VENDORED / "SOURCE").read_text()
    assert "f8fdd02df3760fd9521624f284877fa84e7be6ef" in source
    assert "Apache License" in (VENDORED / "LICENSE").read_text()
