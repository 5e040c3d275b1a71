"""Argo CD: the app-of-apps under ``_argocd/`` and the checks only Argo CD needs.

``root.yaml`` is an Application syncing ``_argocd/`` itself; ``<cluster>.yaml`` is one
Application per cluster; ``appproject.yaml`` (with ``appProject: true``) is an AppProject
allowing exactly the inventory's destinations and the fleet's repository.
"""

from __future__ import annotations

import copy
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.references import report_unknown_cluster
from kfedgen.gitops.applicationset import CLUSTER, PATH, STEM, application_set
from kfedgen.gitops.layout import (
    ROOT,
    EngineDirectory,
    ObjectBuilder,
    check_layout,
    directory_files,
    engine_files,
    repo_path,
)
from kfedgen.gitops.settings import GITOPS, ArgoCDSettings, GitOpsSettings
from kfedgen.gitops.values import cluster_path
from kfedgen.model import Cluster, FleetSpec
from kfedgen.source.load import Document

ARGOCD = EngineDirectory("argocd", "_argocd", first="appproject")
API_VERSION = "argoproj.io/v1alpha1"
# Deleting an Application with this finalizer deletes the resources it
# deployed: a cluster removed from the inventory is cleaned up, not orphaned.
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
# The cluster Argo CD itself runs in, where the Applications are created.
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
CREATE_NAMESPACE = "CreateNamespace=true"


def check_argocd(
    spec: FleetSpec, doc: Document, gitops: GitOpsSettings, problems: Problems
) -> None:
    """Report names, destinations and an AppProject that Argo CD could not have."""
    argocd = gitops.argocd
    check_layout(spec, doc, ARGOCD, argocd.name_prefix, problems)
    for cluster in spec.cluster_list():
        # An ApplicationSet addresses every cluster by its name.
        if argocd.application_set:
            break
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
    for name in argocd.clusters:
        path = (*GITOPS, "argocd", "clusters", name)
        report_unknown_cluster(spec, name, doc.location(path), path, problems)
    _check_create_namespace(spec, doc, argocd, problems)
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


def _check_create_namespace(
    spec: FleetSpec, doc: Document, argocd: ArgoCDSettings, problems: Problems
) -> None:
    """Warn where CreateNamespace=true is set: a cluster's Application has no namespace to create.

    Argo CD creates ``spec.destination.namespace`` with it, and the per-cluster
    Applications name none (each object carries its own namespace, and the cluster's
    Namespaces are rendered in ``_cluster/``), so the option does nothing.
    """
    where: list[DocPath] = []
    fleet_wide = list(argocd.sync_policy.get("syncOptions") or ())
    if CREATE_NAMESPACE in fleet_wide:
        where.append(
            (*GITOPS, "argocd", "syncPolicy", "syncOptions", fleet_wide.index(CREATE_NAMESPACE))
        )
    for name, settings in argocd.clusters.items():
        if name in spec.clusters and CREATE_NAMESPACE in settings.sync_options:
            index = settings.sync_options.index(CREATE_NAMESPACE)
            where.append((*GITOPS, "argocd", "clusters", name, "syncOptions", index))
    for path in where:
        problems.warning(
            doc.location(path),
            path,
            "CreateNamespace=true does nothing here: the clusters' Applications have no "
            "destination.namespace to create (their Namespaces are rendered in _cluster/)",
            "remove it; put a FederatedNamespace (or a Namespace) in the fleet instead",
        )


def argocd_files(
    spec: FleetSpec, gitops: GitOpsSettings, output_repo_path: str
) -> dict[str, bytes]:
    """``_argocd/``: the root Application, one per cluster, the AppProject, a kustomization."""
    argocd = gitops.argocd

    def build(name: str, path: str, cluster: Cluster | None) -> dict[str, Any]:
        if cluster is not None:
            app = application(name, gitops, path, _destination(cluster), argocd.project, True)
            return _for_cluster(app, argocd, cluster.name)
        # Deleting the root (to bootstrap again, say) must not cascade into every
        # cluster's workloads: the root orphans its Applications.
        in_cluster = {"server": IN_CLUSTER_SERVER, "namespace": argocd.namespace}
        return application(name, gitops, path, in_cluster, argocd.root_project, False)

    project = app_project(spec, gitops) if argocd.app_project else None
    if argocd.application_set:
        return _application_set_files(gitops, output_repo_path, project, build)
    return engine_files(
        spec,
        ARGOCD,
        name_prefix=argocd.name_prefix,
        output_repo_path=output_repo_path,
        first=project,
        build=build,
    )


def _application_set_files(
    gitops: GitOpsSettings,
    output_repo_path: str,
    project: dict[str, Any] | None,
    build: ObjectBuilder,
) -> dict[str, bytes]:
    """``_argocd/`` in ApplicationSet mode: the AppProject, the ApplicationSet, the root."""
    argocd = gitops.argocd
    template = application(
        f"{argocd.name_prefix}{CLUSTER}",
        gitops,
        PATH,
        {"name": CLUSTER},
        argocd.project,
        True,
    )
    _ignore_differences(template["spec"], argocd)
    objects: dict[str, dict[str, Any]] = {} if project is None else {ARGOCD.first: project}
    objects[STEM] = application_set(
        f"{argocd.name_prefix}clusters", gitops, output_repo_path, template
    )
    objects[ROOT] = build(
        f"{argocd.name_prefix}{ROOT}", repo_path(output_repo_path, ARGOCD.name), None
    )
    return directory_files(ARGOCD.name, objects, first=ARGOCD.first if project else STEM)


def application(
    name: str,
    gitops: GitOpsSettings,
    path: str,
    destination: dict[str, str],
    project: str,
    finalizer: bool,
) -> dict[str, Any]:
    """An Argo CD Application syncing ``path`` of the fleet's repository.

    ``finalizer``: deleting the Application deletes what it deployed.
    """
    argocd = gitops.argocd
    metadata: dict[str, Any] = {"name": name, "namespace": argocd.namespace}
    if finalizer:
        metadata["finalizers"] = [RESOURCES_FINALIZER]
    revision = gitops.target_revision
    app_spec: dict[str, Any] = {
        "project": project,
        "source": {
            "repoURL": gitops.source_url,
            "targetRevision": revision if revision is not None else "HEAD",
            "path": path,
        },
        "destination": destination,
    }
    if argocd.sync_policy:
        # A copy per object: shared dicts would become YAML aliases.
        app_spec["syncPolicy"] = copy.deepcopy(dict(argocd.sync_policy))
    if argocd.revision_history_limit is not None:
        app_spec["revisionHistoryLimit"] = argocd.revision_history_limit
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": metadata,
        "spec": app_spec,
    }


def _for_cluster(app: dict[str, Any], argocd: ArgoCDSettings, cluster: str) -> dict[str, Any]:
    """``app`` with what is particular to a cluster's Application: waves, options, diffs."""
    settings = argocd.clusters.get(cluster)
    if settings is not None and settings.sync_wave is not None:
        # Annotation values are strings; the root syncs its Applications wave by wave.
        app["metadata"]["annotations"] = {SYNC_WAVE: str(settings.sync_wave)}
    if settings is not None and settings.sync_options:
        app["spec"].setdefault("syncPolicy", {})["syncOptions"] = argocd.sync_options(cluster)
    _ignore_differences(app["spec"], argocd)
    return app


def _ignore_differences(app_spec: dict[str, Any], argocd: ArgoCDSettings) -> None:
    """Fields a cluster's Application does not compare (not the root, which syncs Applications)."""
    if argocd.ignore_differences:
        # A copy per object: shared lists would become YAML aliases.
        app_spec["ignoreDifferences"] = copy.deepcopy(list(argocd.ignore_differences))


def _destination(cluster: Cluster) -> dict[str, str]:
    if cluster.server is not None:
        return {"server": cluster.server}
    assert cluster.destination_name is not None  # noqa: S101 - check_gitops ensured it
    return {"name": cluster.destination_name}


def app_project(spec: FleetSpec, gitops: GitOpsSettings) -> dict[str, Any]:
    """An AppProject allowing exactly the inventory's destinations and the fleet's repository."""
    # The ApplicationSet's Applications name their cluster; the project admits that name.
    by_name = gitops.argocd.application_set
    destinations = [
        {**({"name": c.name} if by_name else _destination(c)), "namespace": "*"}
        for c in spec.cluster_list()
    ]
    return {
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": {"name": gitops.argocd.project, "namespace": gitops.argocd.namespace},
        "spec": {
            "description": f"Clusters of fleet {_fleet_name(spec)}, rendered by kfedgen",
            "sourceRepos": [gitops.source_url],
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
