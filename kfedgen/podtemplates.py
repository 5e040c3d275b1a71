"""Where each workload kind keeps its pod template: one table for every stage that reads pods.

The feasibility checks (:mod:`kfedgen.feasibility.podspec`) and the Karmada dependency
interpreters (:mod:`kfedgen.karmada.dependencies`) both look for "the pod of kind K"; this
module is the one place that says where it is.  It imports only :mod:`kfedgen.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath

# Where each workload kind keeps its pod template (metadata + spec); a Pod is its own.
TEMPLATE_PATHS: Mapping[str, DocPath] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


@dataclass(frozen=True)
class PodTemplate:
    """A pod template in a manifest: where it is, its labels and its spec."""

    path: DocPath  # of the template (the pod itself for a Pod: ())
    labels: Mapping[str, str]
    spec: Mapping[str, Any]


def pod_template(kind: str, manifest: Mapping[str, Any]) -> PodTemplate | None:
    """The pod template of a workload (a Pod is its own), or None for other kinds.

    A workload without a template (or with one that is not a mapping) has none; its
    metadata or spec, when not mappings, read as empty.
    """
    path = TEMPLATE_PATHS.get(kind)
    if path is None:
        return None
    node: Any = manifest
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        return None
    metadata, spec = node.get("metadata"), node.get("spec")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return PodTemplate(
        path,
        labels if isinstance(labels, Mapping) else {},
        spec if isinstance(spec, Mapping) else {},
    )


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list value (anything else: none)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
