"""Karmada's resource interpreter chain: customizations first, then the native interpreter.

``pkg/resourceinterpreter/interpreter.go`` asks, per operation, the user's
``ResourceInterpreterCustomization`` documents (declarative), then webhooks, then the
customizations Karmada bundles (thirdparty), then the native interpreter; the first that
has a script for the operation answers.  Webhooks cannot run offline (the front-end warns
about them), so here the chain is user -> bundled -> native (:mod:`kfedgen.karmada.interpreter`).

Scripts run through :mod:`kfedgen.karmada.luaops`, imported only when a script runs, so a
fleet without customized kinds never loads Lua.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.karmada.interpreter import Workload, read_workload
from kfedgen.karmada.scripts import (
    DEPENDENCY_INTERPRETATION,
    REPLICA_RESOURCE,
    REPLICA_REVISION,
    RETENTION,
    Accessor,
    Customization,
    Script,
    Target,
    bundled_accessor,
    merge,
)

DependentObject = dict[str, str]  # {apiVersion, kind, namespace, name} (or labelSelector)


@dataclass(frozen=True)
class ScriptFailed(Exception):
    """A customization script failed (or could not run) for one object."""

    script: Script
    message: str
    missing_lua: bool = False


class Interpreter:
    """The chain for one fleet: its customizations, Karmada's bundled ones, the native."""

    def __init__(self, customizations: Sequence[Customization]) -> None:
        self._user = merge(customizations)

    def _accessors(self, target: Target) -> tuple[Accessor | None, Accessor | None]:
        return self._user.get(target), bundled_accessor(target)

    def script(self, target: Target, rule: str) -> Script | None:
        """The script that answers ``rule`` for ``target``: the user's, else the bundled."""
        for accessor in self._accessors(target):
            if accessor is not None and rule in accessor.scripts:
                return accessor.scripts[rule]
        return None

    def workload(self, api_version: str, kind: str, manifest: Mapping[str, Any]) -> Workload | None:
        """``GetReplicas`` through the chain (None: not a workload).

        Raises :class:`ScriptFailed`, or the native interpreter's ``UnreadableReplicas``.
        """
        target = (api_version, kind)
        script = self.script(target, REPLICA_RESOURCE)
        if script is None:
            return read_workload(api_version, kind, manifest)
        count, requirements = _run(script, "get_replicas", manifest)
        return Workload(
            max(count, 0),
            None,
            interpreted_by=script,
            requirements=requirements,
            reviser=self.script(target, REPLICA_REVISION),
        )

    def revise(
        self, workload: Workload, manifest: Mapping[str, Any], replicas: int
    ) -> dict[str, Any]:
        """``ReviseReplica`` by the workload's script: the manifest with ``replicas`` written."""
        assert workload.reviser is not None  # noqa: S101 - callers check
        revised: dict[str, Any] = _run(workload.reviser, "revise_replica", manifest, replicas)
        return revised

    def dependencies(
        self, api_version: str, kind: str, manifest: Mapping[str, Any]
    ) -> list[DependentObject] | None:
        """``GetDependencies`` by customization: sorted, unique references; None: no script.

        For the native kinds (no customization) the caller asks
        :mod:`kfedgen.karmada.dependencies`; Karmada runs every dependency script of the
        first level of the chain that has one and sorts the union
        (``ConfigurableInterpreter.GetDependencies``).
        """
        for accessor in self._accessors((api_version, kind)):
            if accessor is None or not accessor.dependencies:
                continue
            found: dict[tuple[tuple[str, Any], ...], DependentObject] = {}
            for script in accessor.dependencies:
                for reference in _run(script, "get_dependencies", manifest):
                    found[tuple(sorted(reference.items()))] = reference
            order = ("apiVersion", "kind", "namespace", "name")
            return sorted(found.values(), key=lambda r: tuple(str(r.get(k, "")) for k in order))
        return None

    def retain(
        self, target: Target, desired: Mapping[str, Any], observed: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """``Retain`` by customization (None: no script).  Needs the live object, so the
        pipeline never calls it: offline there is no observed object to retain from."""
        script = self.script(target, RETENTION)
        if script is None:
            return None
        retained: dict[str, Any] = _run(script, "retain", desired, observed)
        return retained


def _run(script: Script, operation: str, *args: Any) -> Any:
    """Run one luaops operation; every failure becomes :class:`ScriptFailed`."""
    from kfedgen.karmada import luaops  # noqa: PLC0415 - loads Lua only when a script runs
    from kfedgen.karmada.luavm import LuaUnavailable, ScriptError  # noqa: PLC0415

    try:
        return getattr(luaops, operation)(script, *args)
    except LuaUnavailable as exc:
        raise ScriptFailed(script, str(exc), missing_lua=True) from exc
    except ScriptError as exc:
        raise ScriptFailed(script, str(exc)) from exc


__all__ = ["DEPENDENCY_INTERPRETATION", "DependentObject", "Interpreter", "ScriptFailed"]
