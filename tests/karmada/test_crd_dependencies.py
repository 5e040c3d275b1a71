"""propagateDeps for custom resources: GetDependencies through the resource interpreter chain."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fleets import compile_fleet, warnings_of
from tests.karmada._documents import KARMADA_INVENTORY, configmap, policy

pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")

EU_US = {"clusterAffinity": {"clusterNames": ["eu", "us"]}}


def cloneset(*volumes: str) -> dict[str, Any]:
    """An OpenKruise CloneSet app/web mounting the ConfigMaps ``volumes``."""
    return {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": "web", "namespace": "app"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "web", "image": "nginx:1.27"}],
                    "volumes": [{"name": v, "configMap": {"name": v}} for v in volumes],
                },
            },
        },
    }


def clusters_of(compilation: Any, ref: str) -> list[str]:
    return sorted(o.cluster for o in compilation.objects if o.origin == ref)


def test_a_clonesets_configmap_follows_it_by_karmadas_bundled_script() -> None:
    selector = {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet"}
    fleet = compile_fleet(
        KARMADA_INVENTORY,
        [
            cloneset("settings"),
            configmap("settings"),
            policy(selectors=[selector], placement=EU_US, propagateDeps=True),
        ],
    )
    assert clusters_of(fleet, "CloneSet/app/web") == ["eu", "us"]
    assert clusters_of(fleet, "ConfigMap/app/settings") == ["eu", "us"]
    resolution = fleet.resolution("ConfigMap/app/settings")
    assert resolution is not None and resolution.propagation is not None
    assert resolution.propagation.required_by == {
        "eu": ("CloneSet/app/web",),
        "us": ("CloneSet/app/web",),
    }


def test_a_dependency_the_script_names_but_the_fleet_lacks_is_a_warning() -> None:
    selector = {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet"}
    fleet = compile_fleet(
        KARMADA_INVENTORY,
        [cloneset("gone"), policy(selectors=[selector], placement=EU_US, propagateDeps=True)],
    )
    # A script's reference has no place in the manifest: the warning is at the workload.
    assert warnings_of(fleet) == [
        "fleet/app.yaml:1:1: warning: CloneSet/app/web needs ConfigMap app/gone in eu, us "
        "(propagateDeps of PropagationPolicy app/spread), but the fleet does not define it; it "
        "would be missing there (add ConfigMap app/gone to the fleet (it then follows the "
        "workload), or add it to the clusters' provides if the platform creates it)"
    ]
