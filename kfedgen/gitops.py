"""The GitOps wiring: Argo CD app-of-apps and Flux objects that sync ``rendered/<cluster>/``.

Pure: from the :class:`FleetSpec` (its ``gitops`` section and inventory) and the
output directory's path inside the git repository, :func:`gitops_files` builds
the extra files of the output tree:

- ``_argocd/``: ``root.yaml`` (an Application syncing ``_argocd/`` itself, so
  the app-of-apps manages itself after a one-time bootstrap), one Application
  per cluster (``<cluster>.yaml``), optionally ``appproject.yaml``, and a
  ``kustomization.yaml``;
- ``_flux/``: ``gitrepository.yaml``, one Kustomization per cluster,
  ``root.yaml`` (a Kustomization syncing ``_flux/`` itself) and a
  ``kustomization.yaml``.

Cluster names are DNS-1123 labels (the Fleet and KubeFedCluster schemas enforce
it), which never start with ``_``: the ``_argocd`` and ``_flux`` directories
can never collide with a cluster's directory.  Being part of the output tree,
the files are owned and pruned like every other: a disabled engine or a
cluster removed from the inventory loses its files on the next render.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.emit import KUSTOMIZATION, kustomization, to_yaml
from kfedgen.errors import DocPath, Problems
from kfedgen.gitopsvalues import GITOPS, check_values, cluster_path
from kfedgen.load import Document
from kfedgen.model import Cluster, FleetSpec
from kfedgen.references import report_unknown_cluster
from kfedgen.selectors import is_dns1123_label, is_dns1123_subdomain

ARGOCD_DIR = "_argocd"
FLUX_DIR = "_flux"
ARGOCD_API_VERSION = "argoproj.io/v1alpha1"
FLUX_SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
FLUX_KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
# Deleting an Application with this finalizer deletes the resources it
# deployed: a cluster removed from the inventory is cleaned up, not orphaned.
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
# The cluster Argo CD itself runs in, where the Applications are created.
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
ROOT = "root"
APPPROJECT = "appproject"
GITREPOSITORY = "gitrepository"
# File stems of the engines' own files: a cluster with one of these names
# would overwrite them (and, for "root", take the root object's name).
RESERVED = {
    ARGOCD_DIR: (ROOT, APPPROJECT, "kustomization"),
    FLUX_DIR: (ROOT, GITREPOSITORY, "kustomization"),
}
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ArgoCDSettings:
    """``gitops.argocd`` with defaults applied."""

    namespace: str
    project: str
    root_project: str
    name_prefix: str
    app_project: bool
    sync_policy: Mapping[str, Any]


@dataclass(frozen=True)
class FluxSettings:
    """``gitops.flux`` with defaults applied."""

    namespace: str
    interval: str
    source_interval: str
    name_prefix: str
    source_name: str
    source_secret: str | None
    ref: Mapping[str, str] | None
    local_cluster: str | None
    kubeconfig_template: str


def argocd_settings(gitops: Mapping[str, Any]) -> ArgoCDSettings | None:
    """The Argo CD settings, or None when Argo CD is not enabled."""
    raw = gitops.get("argocd") or {}
    if not raw.get("enabled"):
        return None
    return ArgoCDSettings(
        namespace=raw.get("namespace", "argocd"),
        project=raw.get("project", "default"),
        root_project=raw.get("rootProject", "default"),
        name_prefix=raw.get("namePrefix", ""),
        app_project=bool(raw.get("appProject", False)),
        sync_policy=raw.get("syncPolicy") or {},
    )


def flux_settings(gitops: Mapping[str, Any]) -> FluxSettings | None:
    """The Flux settings, or None when Flux is not enabled."""
    raw = gitops.get("flux") or {}
    if not raw.get("enabled"):
        return None
    return FluxSettings(
        namespace=raw.get("namespace", "flux-system"),
        interval=raw.get("interval", "10m"),
        source_interval=raw.get("sourceInterval", "1m"),
        name_prefix=raw.get("namePrefix", ""),
        source_name=raw.get("sourceName", "fleet"),
        source_secret=raw.get("sourceSecretName"),
        ref=raw.get("ref"),
        local_cluster=raw.get("localCluster"),
        kubeconfig_template=raw.get("kubeConfigSecretTemplate", "{cluster}-kubeconfig"),
    )


def gitops_files(
    spec: FleetSpec, output_repo_path: str, problems: Problems | None = None
) -> dict[str, bytes]:
    """The ``_argocd/`` and ``_flux/`` files (output-relative path -> bytes).

    ``output_repo_path`` is the output directory as a path from the root of the
    git repository.  Semantic problems of the ``gitops`` section go to
    ``problems``; when there is any, nothing is generated.
    """
    problems = problems if problems is not None else Problems()
    errors_before = len(problems.errors)
    check_gitops(spec, output_repo_path, problems)
    if len(problems.errors) > errors_before:
        return {}
    files: dict[str, bytes] = {}
    argocd = argocd_settings(spec.gitops)
    if argocd is not None:
        files.update(argocd_files(spec, argocd, output_repo_path))
    flux = flux_settings(spec.gitops)
    if flux is not None:
        files.update(flux_files(spec, flux, output_repo_path))
    return files


# --- semantic checks ---------------------------------------------------------


def check_gitops(spec: FleetSpec, output_repo_path: str, problems: Problems) -> None:
    """Report what the schema cannot see: missing repoURL, destinations, names, refs."""
    doc = spec.fleet_doc
    if doc is None:
        return
    argocd = argocd_settings(spec.gitops)
    flux = flux_settings(spec.gitops)
    for engine, enabled in (("argocd", argocd is not None), ("flux", flux is not None)):
        if enabled and not spec.gitops.get("repoURL"):
            problems.error(
                doc.location((*GITOPS, engine, "enabled")),
                (*GITOPS, "repoURL"),
                f"gitops.repoURL is required when {engine} is enabled",
                "set it to the URL of the git repository that holds the rendered output",
            )
    if (argocd or flux) and _outside_repository(output_repo_path):
        problems.warning(
            doc.location(GITOPS),
            GITOPS,
            f"the output directory {output_repo_path!r} is not inside a git repository; "
            "Argo CD and Flux paths use it as given",
            "render into a directory of the repository that repoURL points at",
        )
    if argocd or flux:
        check_values(spec, doc, flux is not None, problems)
    if argocd is not None:
        _check_argocd(spec, doc, argocd, problems)
    if flux is not None:
        _check_flux(spec, doc, flux, problems)


def _outside_repository(path: str) -> bool:
    return posixpath.isabs(path) or posixpath.normpath(path).split("/")[0] == ".."


def _check_reserved(spec: FleetSpec, directory: str, engine: str, problems: Problems) -> None:
    for name in RESERVED[directory]:
        cluster = spec.clusters.get(name)
        if cluster is not None:
            problems.error(
                cluster.location,
                cluster_path(spec, cluster),
                f"cluster name {name!r} is reserved while {engine} is enabled: it would "
                f"collide with {directory}/{name}.yaml",
                "rename the cluster",
            )


def _check_names(
    spec: FleetSpec, doc: Document, prefix: str, engine: str, problems: Problems
) -> None:
    # Both engines write the name into a label value of what they apply
    # (app.kubernetes.io/instance, kustomize.toolkit.fluxcd.io/name): 63 characters.
    for cluster in spec.cluster_list():
        name = f"{prefix}{cluster.name}"
        if not is_dns1123_label(name):
            problems.error(
                doc.location((*GITOPS, engine, "namePrefix")),
                (*GITOPS, engine, "namePrefix"),
                f"{name!r} (for cluster {cluster.name!r}) is not a valid {engine} object name",
                "shorten namePrefix" if len(name) > 63 else "",
            )


def _check_argocd(
    spec: FleetSpec, doc: Document, argocd: ArgoCDSettings, problems: Problems
) -> None:
    _check_reserved(spec, ARGOCD_DIR, "argocd", problems)
    _check_names(spec, doc, argocd.name_prefix, "argocd", problems)
    for cluster in spec.cluster_list():
        if cluster.server is None and cluster.destination_name is None:
            path = cluster_path(spec, cluster)
            problems.error(
                cluster.location,
                path,
                f"cluster {cluster.name!r} has neither server nor destinationName, "
                "so its Argo CD Application has no destination",
                "add server: <API server URL> or destinationName: <Argo CD cluster name>"
                if path
                else "give the KubeFedCluster a spec.apiEndpoint",
            )
    if argocd.app_project:
        path = (*GITOPS, "argocd", "appProject")
        if argocd.project == "default":
            problems.error(
                doc.location(path),
                path,
                "appProject would overwrite Argo CD's built-in 'default' project",
                "set argocd.project to a project name of your own",
            )
        elif argocd.root_project == argocd.project:
            problems.error(
                doc.location(path),
                path,
                f"the root Application cannot be in project {argocd.project!r}: the project "
                "is created by the root Application itself",
                "set argocd.rootProject to an existing project such as 'default'",
            )


def _check_flux(spec: FleetSpec, doc: Document, flux: FluxSettings, problems: Problems) -> None:
    _check_reserved(spec, FLUX_DIR, "flux", problems)
    _check_names(spec, doc, flux.name_prefix, "flux", problems)
    if flux.local_cluster is not None:
        path = (*GITOPS, "flux", "localCluster")
        report_unknown_cluster(spec, flux.local_cluster, doc.location(path), path, problems)
    for cluster in spec.cluster_list():
        if cluster.name == flux.local_cluster:
            continue
        secret = kubeconfig_secret(flux, cluster.name)
        if not is_dns1123_subdomain(secret):
            path = (*GITOPS, "flux", "kubeConfigSecretTemplate")
            problems.error(
                doc.location(path),
                path,
                f"{secret!r} (for cluster {cluster.name!r}) is not a valid Secret name",
                "use lower-case letters, digits, '-' and '.' around {cluster}",
            )
    if flux.ref is None and _flux_ref(spec.gitops.get("targetRevision")) is None:
        where: DocPath = (*GITOPS, "targetRevision")
        if "targetRevision" not in spec.gitops:
            where = (*GITOPS, "flux", "enabled")
        problems.error(
            doc.location(where),
            (*GITOPS, "targetRevision"),
            "Flux needs a branch, tag or commit to follow, and targetRevision is "
            f"{spec.gitops.get('targetRevision', 'not set')!r}",
            "set gitops.targetRevision to a branch (e.g. main) or give flux.ref",
        )


# --- Argo CD -----------------------------------------------------------------


def argocd_files(
    spec: FleetSpec, argocd: ArgoCDSettings, output_repo_path: str
) -> dict[str, bytes]:
    """``_argocd/``: the root Application, one per cluster, the AppProject, a kustomization."""
    objects: dict[str, dict[str, Any]] = {}
    if argocd.app_project:
        objects[APPPROJECT] = app_project(spec, argocd)
    for cluster in spec.cluster_list():
        objects[cluster.name] = application(
            name=f"{argocd.name_prefix}{cluster.name}",
            spec=spec,
            argocd=argocd,
            path=repo_path(output_repo_path, cluster.name),
            destination=_destination(cluster),
            project=argocd.project,
            finalizer=True,
        )
    objects[ROOT] = application(
        name=f"{argocd.name_prefix}{ROOT}",
        spec=spec,
        argocd=argocd,
        path=repo_path(output_repo_path, ARGOCD_DIR),
        destination={"server": IN_CLUSTER_SERVER, "namespace": argocd.namespace},
        project=argocd.root_project,
        # Deleting the root (to bootstrap again, say) must not cascade into
        # every cluster's workloads: the root orphans its Applications.
        finalizer=False,
    )
    return _directory(ARGOCD_DIR, objects, first=APPPROJECT)


def application(
    *,
    name: str,
    spec: FleetSpec,
    argocd: ArgoCDSettings,
    path: str,
    destination: dict[str, str],
    project: str,
    finalizer: bool,
) -> dict[str, Any]:
    """An Argo CD Application syncing ``path`` of the fleet's repository."""
    metadata: dict[str, Any] = {"name": name, "namespace": argocd.namespace}
    if finalizer:
        metadata["finalizers"] = [RESOURCES_FINALIZER]
    app_spec: dict[str, Any] = {
        "project": project,
        "source": {
            "repoURL": spec.gitops["repoURL"],
            "targetRevision": spec.gitops.get("targetRevision", "HEAD"),
            "path": path,
        },
        "destination": destination,
    }
    if argocd.sync_policy:
        # A copy per object: shared dicts would become YAML aliases.
        app_spec["syncPolicy"] = copy.deepcopy(dict(argocd.sync_policy))
    return {
        "apiVersion": ARGOCD_API_VERSION,
        "kind": "Application",
        "metadata": metadata,
        "spec": app_spec,
    }


def _destination(cluster: Cluster) -> dict[str, str]:
    if cluster.server is not None:
        return {"server": cluster.server}
    assert cluster.destination_name is not None  # noqa: S101 - check_gitops ensured it
    return {"name": cluster.destination_name}


def app_project(spec: FleetSpec, argocd: ArgoCDSettings) -> dict[str, Any]:
    """An AppProject allowing exactly the inventory's destinations and the fleet's repository."""
    destinations = [{**_destination(c), "namespace": "*"} for c in spec.cluster_list()]
    return {
        "apiVersion": ARGOCD_API_VERSION,
        "kind": "AppProject",
        "metadata": {"name": argocd.project, "namespace": argocd.namespace},
        "spec": {
            "description": f"Clusters of fleet {_fleet_name(spec)}, rendered by kfedgen",
            "sourceRepos": [spec.gitops["repoURL"]],
            "destinations": destinations,
            # Rendered trees hold Namespaces, ClusterRoles, CRDs...; an
            # AppProject allows no cluster-scoped kind unless listed.
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }


def _fleet_name(spec: FleetSpec) -> str:
    metadata = spec.fleet_doc.data.get("metadata") if spec.fleet_doc is not None else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(name) if name else "(unnamed)"


# --- Flux --------------------------------------------------------------------


def flux_files(spec: FleetSpec, flux: FluxSettings, output_repo_path: str) -> dict[str, bytes]:
    """``_flux/``: the GitRepository, one Kustomization per cluster, the root, a kustomization."""
    objects: dict[str, dict[str, Any]] = {GITREPOSITORY: git_repository(spec, flux)}
    for cluster in spec.cluster_list():
        objects[cluster.name] = flux_kustomization(
            f"{flux.name_prefix}{cluster.name}",
            flux,
            repo_path(output_repo_path, cluster.name),
            None if cluster.name == flux.local_cluster else kubeconfig_secret(flux, cluster.name),
        )
    objects[ROOT] = flux_kustomization(
        f"{flux.name_prefix}{ROOT}", flux, repo_path(output_repo_path, FLUX_DIR), None
    )
    return _directory(FLUX_DIR, objects, first=GITREPOSITORY)


def git_repository(spec: FleetSpec, flux: FluxSettings) -> dict[str, Any]:
    """The GitRepository every Kustomization of the fleet reads from."""
    ref = dict(flux.ref) if flux.ref is not None else _flux_ref(spec.gitops.get("targetRevision"))
    source_spec: dict[str, Any] = {
        "url": spec.gitops["repoURL"],
        "interval": flux.source_interval,
        "ref": ref,
    }
    if flux.source_secret is not None:
        source_spec["secretRef"] = {"name": flux.source_secret}
    return {
        "apiVersion": FLUX_SOURCE_API_VERSION,
        "kind": "GitRepository",
        "metadata": {"name": flux.source_name, "namespace": flux.namespace},
        "spec": source_spec,
    }


def _flux_ref(target_revision: str | None) -> dict[str, str] | None:
    # Argo CD's targetRevision may be a branch, a tag or a commit; Flux must be
    # told which.  A full SHA is a commit; anything else is taken as a branch
    # (flux.ref covers tags and semver ranges).  HEAD has no Flux equivalent.
    if target_revision is None or target_revision == "HEAD":
        return None
    if _COMMIT.match(target_revision):
        return {"commit": target_revision}
    return {"branch": target_revision}


def flux_kustomization(
    name: str, flux: FluxSettings, path: str, kubeconfig: str | None
) -> dict[str, Any]:
    """A Flux Kustomization applying ``path``; remote clusters through a kubeconfig Secret."""
    kustomization_spec: dict[str, Any] = {
        "interval": flux.interval,
        "path": f"./{path}" if not posixpath.isabs(path) else path,
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": flux.source_name},
    }
    if kubeconfig is not None:
        kustomization_spec["kubeConfig"] = {"secretRef": {"name": kubeconfig}}
    return {
        "apiVersion": FLUX_KUSTOMIZE_API_VERSION,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": flux.namespace},
        "spec": kustomization_spec,
    }


def kubeconfig_secret(flux: FluxSettings, cluster: str) -> str:
    """The name of the Secret holding ``cluster``'s kubeconfig."""
    return flux.kubeconfig_template.replace("{cluster}", cluster)


# --- shared ------------------------------------------------------------------


def repo_path(output_repo_path: str, directory: str) -> str:
    """``directory`` of the output tree as a path from the repository root (no ``./``)."""
    return posixpath.normpath(posixpath.join(output_repo_path, directory))


def _directory(
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
