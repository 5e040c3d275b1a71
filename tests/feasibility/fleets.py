"""Fleets for the feasibility tests: plain objects that Karmada policies propagate.

Karmada's policies select any kind, so one fleet can carry Ingresses, HPAs, RBAC and
CRDs without FederatedTypeConfigs.  The inventory is written as given (YAML flow
mappings), so each test shows exactly what the cluster declares.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kfedgen.frontends.scope import CLUSTER_SCOPED
from tests.fleets import inventory, to_yaml

NAMESPACE = "shop"
# The fleet of the README's "Will it run there?" validate examples (KubeFed): a 1.29
# cluster that provides the registry Secret, a 1.24 one that provides nothing, a lab
# cluster that declares nothing; a FederatedDeployment and a FederatedPodDisruptionBudget
# whose FederatedTypeConfig targets policy/v1beta1.
SHOP_FIXTURE = Path(__file__).parent / "fixtures" / "will-it-run-there"


# The FederatedTypeConfig's target, to move the PodDisruptionBudget to policy/v1.
PDB_V1BETA1 = (
    "    kind: PodDisruptionBudget\n    pluralName: poddisruptionbudgets\n"
    "    scope: Namespaced\n    version: v1beta1\n"
)


def shop_fleet(directory: Path, pdb_version: str = "v1beta1") -> Path:
    """A copy of :data:`SHOP_FIXTURE` in ``directory`` (which it returns).

    ``pdb_version`` is the version of ``policy`` its PodDisruptionBudgets are rendered in.
    """
    shutil.copytree(SHOP_FIXTURE / "fleet", directory / "fleet")
    types = directory / "fleet" / "types.yaml"
    text = types.read_text()
    assert PDB_V1BETA1 in text
    types.write_text(text.replace(PDB_V1BETA1, PDB_V1BETA1.replace("v1beta1", pdb_version)))
    return directory


def write_fleet(
    directory: Path, clusters: Sequence[str], objects: Sequence[Mapping[str, Any]]
) -> Path:
    """``directory/fleet/`` with the inventory and the objects, propagated to every cluster."""
    fleet = directory / "fleet"
    fleet.mkdir(parents=True)
    (fleet / "fleet.yaml").write_text(inventory(*clusters))
    names = [c.split("name: ", 1)[1].split(",", 1)[0].split("}", 1)[0] for c in clusters]
    policies: list[Mapping[str, Any]] = []
    namespaced = sorted({_key(o) for o in objects if not _scoped(o)})
    scoped = sorted({_key(o) for o in objects if _scoped(o)})
    placement = {"clusterAffinity": {"clusterNames": names}}
    if namespaced:
        policies.append(_policy("PropagationPolicy", namespaced, placement, NAMESPACE))
    if scoped:
        policies.append(_policy("ClusterPropagationPolicy", scoped, placement, ""))
    (fleet / "objects.yaml").write_text(to_yaml(*[_placed(o) for o in objects], *policies))
    return directory


def _key(obj: Mapping[str, Any]) -> tuple[str, str]:
    return str(obj["apiVersion"]), str(obj["kind"])


def _scoped(obj: Mapping[str, Any]) -> bool:
    api_version, kind = _key(obj)
    return (api_version.rpartition("/")[0], kind) in CLUSTER_SCOPED


def _placed(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    if _scoped(obj):
        return obj
    return {**obj, "metadata": {"namespace": NAMESPACE, **obj["metadata"]}}


def _policy(
    kind: str, keys: Sequence[tuple[str, str]], placement: Mapping[str, Any], namespace: str
) -> Mapping[str, Any]:
    metadata = {"name": "all", **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "spec": {
            "resourceSelectors": [{"apiVersion": a, "kind": k} for a, k in keys],
            "placement": placement,
        },
    }


# A HorizontalPodAutoscaler of the Deployment "web".
HPA = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web"},
    "spec": {
        "maxReplicas": 3,
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
    },
}


def deployment(
    name: str, pod: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """An apps/v1 Deployment whose pod template has ``pod`` as its spec."""
    labels = dict(labels or {"app": name})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": dict(pod)},
        },
    }


def container(**fields: Any) -> dict[str, Any]:
    """One container named ``app`` with the given extra fields."""
    return {"name": "app", "image": "registry.example.com/app:1", **fields}


def warnings(err: str) -> list[str]:
    """The warning lines of a command's stderr."""
    return [line for line in err.splitlines() if ": warning: " in line]
