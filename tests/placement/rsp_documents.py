"""Documents for a FederatedDeployment ``app/web`` and its ReplicaSchedulingPreference.

Build the fleet around them with :mod:`tests.fleets`.
"""

from __future__ import annotations

from typing import Any

from kfedgen.pipeline import Compilation

WEB = "FederatedDeployment/app/web"
RSP = "ReplicaSchedulingPreference/app/web"


def namespace(selector: str = "{}") -> str:
    return (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\n"
        f"spec:\n  placement: {{clusterSelector: {selector}}}\n"
    )


def deployment(
    placement: str = "{clusterSelector: {}}", overrides: str = "", extra: str = ""
) -> str:
    """FederatedDeployment app/web with template replicas 1 and image web:1."""
    text = (
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\n"
        "metadata: {name: web, namespace: app}\nspec:\n"
        f"{extra}"
        "  template:\n    spec:\n      replicas: 1\n"
        "      template: {spec: {containers: [{name: web, image: 'web:1'}]}}\n"
        f"  placement: {placement}\n"
    )
    if overrides:
        text += f"  overrides:\n{overrides}"
    return text


def rsp(body: str, name: str = "web", target: str = "FederatedDeployment") -> str:
    """An RSP for ``app/NAME``; ``body`` holds the lines of ``spec`` after targetKind."""
    return (
        "apiVersion: scheduling.kubefed.io/v1alpha1\nkind: ReplicaSchedulingPreference\n"
        f"metadata: {{name: {name}, namespace: app}}\n"
        f"spec:\n  targetKind: {target}\n{body}"
    )


def rendered(compilation: Compilation, origin: str = WEB) -> dict[str, dict[str, Any]]:
    """Cluster -> the rendered manifest of ``origin``."""
    return {o.cluster: dict(o.manifest) for o in compilation.objects if o.origin == origin}


def replicas(compilation: Compilation, origin: str = WEB) -> dict[str, int | None]:
    """Cluster -> rendered ``spec.replicas`` (None when the manifest has none)."""
    return {
        cluster: manifest["spec"].get("replicas")
        for cluster, manifest in rendered(compilation, origin).items()
    }
