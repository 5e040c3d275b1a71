"""Resource interpreter customizations: the Lua scripts per target kind and operation.

A ``ResourceInterpreterCustomization`` (``config.karmada.io/v1alpha1``) names a target
kind and, per rule, a Lua script.  Karmada merges every customization of one target
in name order, the first non-empty script of each rule winning
(``customized/declarative/configmanager``: ``LoadConfig``, ``resourceCustomAccessor.Merge``);
dependency scripts all apply.  The customizations Karmada bundles are vendored unchanged
under ``thirdparty/`` (see its ``SOURCE``) and merged the same way
(``default/thirdparty/thirdparty.go``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kfedgen.errors import DocPath, Location

CUSTOMIZATION_API_VERSION = "config.karmada.io/v1alpha1"
CUSTOMIZATION_KIND = "ResourceInterpreterCustomization"
WEBHOOK_KIND = "ResourceInterpreterWebhookConfiguration"

# The rules kfedgen runs, by the function each script defines (the operation).  The others
# (statusReflection, statusAggregation, healthInterpretation, componentResource) read a
# live member object: they are runtime-only and never run here.
REPLICA_RESOURCE = "replicaResource"
REPLICA_REVISION = "replicaRevision"
RETENTION = "retention"
DEPENDENCY_INTERPRETATION = "dependencyInterpretation"
OPERATIONS: Mapping[str, str] = {
    REPLICA_RESOURCE: "GetReplicas",
    REPLICA_REVISION: "ReviseReplica",
    RETENTION: "Retain",
    DEPENDENCY_INTERPRETATION: "GetDependencies",
}
BUNDLED_ROOT = "thirdparty/resourcecustomizations"

Target = tuple[str, str]  # (apiVersion, kind)


@dataclass(frozen=True)
class Script:
    """One rule's Lua script and where it comes from."""

    text: str
    customization: str
    rule: str
    location: Location
    path: DocPath = ()
    bundled: bool = False

    @property
    def operation(self) -> str:
        """The function the script defines (``GetReplicas``, ``ReviseReplica``...)."""
        return OPERATIONS[self.rule]

    @property
    def source(self) -> str:
        """How messages name it: ``ResourceInterpreterCustomization x (replicaResource)``."""
        owner = "Karmada's bundled " if self.bundled else ""
        return f"{owner}{CUSTOMIZATION_KIND} {self.customization} ({self.rule})"


@dataclass(frozen=True)
class Customization:
    """One customization document: its target and its scripts by rule."""

    name: str
    target: Target
    where: Location
    scripts: Mapping[str, Script] = field(default_factory=dict)

    def location(self, path: DocPath = ()) -> Location:
        """Where the document is (a path inside it is not kept)."""
        return self.where


@dataclass(frozen=True)
class Accessor:
    """The merged scripts of one target (``resourceCustomAccessor``)."""

    scripts: Mapping[str, Script]
    dependencies: tuple[Script, ...] = ()


def merge(customizations: Iterable[Customization]) -> dict[Target, Accessor]:
    """Customizations merged per target: by name, the first script of each rule wins."""
    merged: dict[Target, dict[str, Script]] = {}
    dependencies: dict[Target, list[Script]] = {}
    for customization in sorted(customizations, key=lambda c: c.name):
        rules = merged.setdefault(customization.target, {})
        for rule, script in customization.scripts.items():
            if rule == DEPENDENCY_INTERPRETATION:
                dependencies.setdefault(customization.target, []).append(script)
            else:
                rules.setdefault(rule, script)
    return {
        target: Accessor(rules, tuple(dependencies.get(target, ())))
        for target, rules in merged.items()
    }


def parse_customization(
    data: Mapping[str, Any], location: Location, bundled: bool = False
) -> Customization:
    """A schema-valid customization document as a :class:`Customization`."""
    name = str(data["metadata"]["name"])
    spec = data["spec"]
    target = (str(spec["target"]["apiVersion"]), str(spec["target"]["kind"]))
    scripts = {}
    for rule, value in (spec.get("customizations") or {}).items():
        text = value.get("luaScript") if isinstance(value, Mapping) else None
        if rule in OPERATIONS and isinstance(text, str) and text:
            path = ("spec", "customizations", rule, "luaScript")
            scripts[rule] = Script(text, name, rule, location, path, bundled)
    return Customization(name, target, location, scripts)


def bundled_targets() -> frozenset[Target]:
    """The targets Karmada bundles a customization for, from the vendored tree's paths."""
    return frozenset(_bundled())


def bundled_accessor(target: Target) -> Accessor | None:
    """The merged bundled customization of ``target``; None when Karmada bundles none."""
    documents = _bundled().get(target)
    if documents is None:
        return None
    return _bundled_accessor(target, documents)


@cache
def _bundled() -> dict[Target, str]:
    """target -> the vendored customizations.yaml's path (read only when needed)."""
    root = resources.files("kfedgen.karmada").joinpath(BUNDLED_ROOT)
    found = {}
    for group in root.iterdir():
        for version in group.iterdir():
            for kind in version.iterdir():
                if kind.joinpath("customizations.yaml").is_file():
                    api_version = f"{group.name}/{version.name}"
                    found[(api_version, kind.name)] = f"{group.name}/{version.name}/{kind.name}"
    return found


@cache
def _bundled_accessor(target: Target, directory: str) -> Accessor | None:
    path = f"{BUNDLED_ROOT}/{directory}/customizations.yaml"
    text = resources.files("kfedgen.karmada").joinpath(path).read_text(encoding="utf-8")
    location = Location(f"<karmada>/{directory}/customizations.yaml")
    customizations = [
        parse_customization(document, location, bundled=True)
        for document in yaml.safe_load_all(text)
        if isinstance(document, Mapping)
    ]
    return merge(customizations).get(target)


def dependency_scripts(accessors: Sequence[Accessor | None]) -> tuple[Script, ...]:
    """The dependency scripts of the first accessor that has any."""
    for accessor in accessors:
        if accessor is not None and accessor.dependencies:
            return accessor.dependencies
    return ()
