"""Argo CD's ApplicationSet mode: one generator over the output instead of a file per cluster.

With ``argocd.applicationSet: true``, ``_argocd/`` holds ``applicationset.yaml`` (beside the
root and the optional AppProject) instead of ``<cluster>.yaml``: a git directory generator
lists the cluster directories of the output in the fleet's repository, and one template makes
each cluster's Application, addressed to the Argo CD cluster of the directory's name.  A
cluster added to the inventory gets its Application as soon as its directory is in git.

One template serves every cluster, so nothing may differ per cluster (``argocd.clusters``),
and each cluster must be registered in Argo CD under its kfedgen name.
"""

from __future__ import annotations

from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.gitops.layout import repo_path
from kfedgen.gitops.settings import GITOPS, GitOpsSettings
from kfedgen.gitops.values import cluster_path
from kfedgen.model import FleetSpec
from kfedgen.source.load import Document

STEM = "applicationset"
# What the generator yields for each directory (goTemplate): its path and its last part.
PATH = "{{.path.path}}"
CLUSTER = "{{.path.basename}}"
# Directories of the output that are not clusters: the engines' own and kfedgen's.
NOT_CLUSTERS = ("_argocd", "_flux", ".kfedgen")
_MODE: DocPath = (*GITOPS, "argocd", "applicationSet")


def check_application_set(
    spec: FleetSpec,
    doc: Document,
    gitops: GitOpsSettings,
    output_repo_path: str,
    problems: Problems,
) -> None:
    """Report what one template for every cluster cannot express."""
    if gitops.argocd.clusters:
        path = (*GITOPS, "argocd", "clusters")
        problems.error(
            doc.location(path),
            path,
            "per-cluster Application settings cannot apply with applicationSet: true, where "
            "one template makes every cluster's Application",
            "remove argocd.clusters, or applicationSet",
        )
    if repo_path(output_repo_path, "*") == "*":
        problems.error(
            doc.location(_MODE),
            _MODE,
            "with the output at the root of the repository, the ApplicationSet's directory "
            "generator would make an Application of every top-level directory",
            "render into a directory of its own (-o rendered)",
        )
    for cluster in spec.cluster_list():
        name = cluster.destination_name
        if name is not None and name != cluster.name:
            where = cluster_path(spec, cluster)
            field_path = (*where, "destinationName") if where else where
            location = doc.location(field_path) if where else cluster.location
            problems.error(
                location,
                field_path,
                f"with applicationSet: true the Applications address each cluster by its "
                f"kfedgen name, and cluster {cluster.name!r} is {name!r} in Argo CD",
                f"register it in Argo CD as {cluster.name!r} and remove destinationName",
            )


def application_set(
    name: str, gitops: GitOpsSettings, output_repo_path: str, template: dict[str, Any]
) -> dict[str, Any]:
    """The ApplicationSet making ``template`` (with :data:`PATH`, :data:`CLUSTER`) per cluster."""
    revision = gitops.target_revision if gitops.target_revision is not None else "HEAD"
    directories: list[dict[str, Any]] = [{"path": repo_path(output_repo_path, "*")}]
    directories += [
        {"path": repo_path(output_repo_path, directory), "exclude": True}
        for directory in NOT_CLUSTERS
    ]
    return {
        "apiVersion": template["apiVersion"],
        "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": gitops.argocd.namespace},
        "spec": {
            "goTemplate": True,
            # A misspelt key fails the generation instead of rendering "<no value>".
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "git": {
                        "repoURL": gitops.source_url,
                        "revision": revision,
                        "directories": directories,
                    }
                }
            ],
            "template": {"metadata": template["metadata"], "spec": template["spec"]},
        },
    }
