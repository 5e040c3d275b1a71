"""What Argo CD and Flux share: their directories, object names, repository paths and files.

Each engine writes one directory of the output tree (``_argocd/``, ``_flux/``) holding the
same shape: optionally one object of its own listed first (the AppProject, the
GitRepository), one object per cluster syncing ``<cluster>/``, a root object syncing the
engine's directory itself (so it manages itself after a one-time bootstrap), and a
``kustomization.yaml``.  :func:`engine_files` builds that shape; the engine modules say only
what one object looks like.

Cluster names are DNS-1123 labels (the Fleet and KubeFedCluster schemas enforce it), which
never start with ``_``: the engines' directories never collide with a cluster's.  A cluster
named like one of an engine's file stems would, which :func:`check_layout` reports.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.backend.emit import KUSTOMIZATION, kustomization, to_yaml
from kfedgen.errors import Problems
from kfedgen.gitops.settings import GITOPS, Engine
from kfedgen.gitops.values import cluster_path
from kfedgen.model import Cluster, FleetSpec
from kfedgen.selectors import is_dns1123_label
from kfedgen.source.load import Document

ROOT = "root"
# Builds one object: (object name, directory as a path from the repository root, the
# cluster it syncs to -- None for the root object, which syncs the engine's directory).
ObjectBuilder = Callable[[str, str, Cluster | None], dict[str, Any]]


@dataclass(frozen=True)
class EngineDirectory:
    """One engine's directory of the output tree."""

    engine: Engine
    name: str
    # The stem of the engine's own object, listed first in the kustomization.
    first: str

    @property
    def reserved(self) -> tuple[str, ...]:
        """File stems of the engine's own files: a cluster so named would overwrite one
        (and, for ``root``, take the root object's name)."""
        return (ROOT, self.first, KUSTOMIZATION.removesuffix(".yaml"))


def repo_path(output_repo_path: str, directory: str) -> str:
    """``directory`` of the output tree as a path from the repository root (no ``./``)."""
    return posixpath.normpath(posixpath.join(output_repo_path, directory))


def engine_files(
    spec: FleetSpec,
    directory: EngineDirectory,
    *,
    name_prefix: str,
    output_repo_path: str,
    first: dict[str, Any] | None,
    build: ObjectBuilder,
) -> dict[str, bytes]:
    """The engine's directory: ``first``, one object per cluster, the root, a kustomization."""
    objects: dict[str, dict[str, Any]] = {}
    if first is not None:
        objects[directory.first] = first
    for cluster in spec.cluster_list():
        objects[cluster.name] = build(
            f"{name_prefix}{cluster.name}", repo_path(output_repo_path, cluster.name), cluster
        )
    objects[ROOT] = build(f"{name_prefix}{ROOT}", repo_path(output_repo_path, directory.name), None)
    return directory_files(directory.name, objects, first=directory.first)


def directory_files(
    directory: str, objects: Mapping[str, dict[str, Any]], first: str
) -> dict[str, bytes]:
    """One file per object plus a kustomization.yaml listing them (``first`` at the top).

    The kustomization makes ``kubectl apply -k`` and ``kubectl kustomize`` work on
    the directory; Argo CD and Flux build it the same way.
    """
    files = {f"{directory}/{stem}.yaml": to_yaml(obj) for stem, obj in objects.items()}
    entries = [(0 if stem == first else 1, f"{directory}/{stem}.yaml") for stem in objects]
    files[f"{directory}/{KUSTOMIZATION}"] = kustomization(directory, entries)
    return files


def check_layout(
    spec: FleetSpec,
    doc: Document,
    directory: EngineDirectory,
    name_prefix: str,
    problems: Problems,
) -> None:
    """Report clusters whose file or object name the engine cannot have."""
    engine = directory.engine
    for name in directory.reserved:
        cluster = spec.clusters.get(name)
        if cluster is not None:
            problems.error(
                cluster.location,
                cluster_path(spec, cluster),
                f"cluster name {name!r} is reserved while {engine} is enabled: it would "
                f"collide with {directory.name}/{name}.yaml",
                "rename the cluster",
            )
    # Both engines write the name into a label value of what they apply
    # (app.kubernetes.io/instance, kustomize.toolkit.fluxcd.io/name): 63 characters.
    for cluster in spec.cluster_list():
        name = f"{name_prefix}{cluster.name}"
        if not is_dns1123_label(name):
            problems.error(
                doc.location((*GITOPS, engine, "namePrefix")),
                (*GITOPS, engine, "namePrefix"),
                f"{name!r} (for cluster {cluster.name!r}) is not a valid {engine} object name",
                "shorten namePrefix" if len(name) > 63 else "",
            )
