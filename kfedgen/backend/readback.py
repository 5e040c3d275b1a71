"""Reading a rendered file back: which object it holds, and which cluster it belongs to.

The output tree's own vocabulary, shared by the back-end (naming the object a conflicting
file holds) and the views that compare trees (:mod:`kfedgen.views.treediff`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kfedgen.errors import Problems
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from kfedgen.traffic.weights import is_placeholder, traffic_weights

# Top-level directories of the output that are not clusters (GitOps engine objects);
# they are shown after the clusters.
GLOBAL_GROUPS = ("_argocd", "_flux")
# kustomization.yaml files configure kustomize; they are not objects a cluster receives.
_KUSTOMIZE_GROUP = "kustomize.config.k8s.io/"


@dataclass(frozen=True, order=True)
class ObjectId:
    """Which Kubernetes object a rendered file holds."""

    kind: str
    namespace: str
    name: str
    api_version: str = ""

    def __str__(self) -> str:
        qualified = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {qualified}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace or None,
            "name": self.name,
        }


def group_of(path: str) -> str:
    """The cluster (first path segment) a file of the output belongs to."""
    return path.split("/", 1)[0]


@dataclass(frozen=True)
class RenderedFile:
    identity: ObjectId
    replicas: int | None
    # Its DNS and split weights (kfedgen.traffic.weights), for diff's traffic changes.
    weights: Mapping[str, int] = field(default_factory=dict)
    placeholder: bool = False  # a headroom placeholder (kfedgen.traffic.headroom)


def read_object(path: str, content: bytes | None) -> RenderedFile | None:
    """The object a rendered file holds and its ``spec.replicas``; None if not an object."""
    if content is None:
        return None
    # kfedgen's own loader: alias bombs and odd scalars in a hand-edited file
    # become problems (ignored here), never exceptions.
    documents = parse_file(SourceFile(path, content), Problems(), LoadOptions())
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        return None
    data: dict[str, Any] = documents[0].data
    metadata = data.get("metadata")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not (isinstance(metadata, dict) and isinstance(kind, str) and isinstance(api_version, str)):
        return None
    if api_version.startswith(_KUSTOMIZE_GROUP):
        return None
    namespace = metadata.get("namespace")
    identity = ObjectId(
        kind,
        namespace if isinstance(namespace, str) else "",
        str(metadata.get("name", "")),
        api_version,
    )
    return RenderedFile(identity, _replicas(data), traffic_weights(data), is_placeholder(data))


def read_identity(path: str, content: bytes) -> ObjectId | None:
    """Which object a rendered file holds (None for a kustomization or a non-object)."""
    found = read_object(path, content)
    return found.identity if found else None


def _replicas(data: dict[str, Any]) -> int | None:
    spec = data.get("spec")
    replicas = spec.get("replicas") if isinstance(spec, dict) else None
    # bool is an int in Python; a boolean replica count is not one.
    return replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else None
