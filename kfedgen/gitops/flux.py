"""Flux: the GitRepository and Kustomizations under ``_flux/`` and the checks only Flux needs.

``gitrepository.yaml`` is the source every Kustomization reads; ``<cluster>.yaml`` is one
Kustomization per cluster, applied to a remote cluster through the kubeconfig Secret
``kubeConfigSecretTemplate`` names (the ``localCluster`` Flux runs in needs none);
``root.yaml`` is a Kustomization syncing ``_flux/`` itself.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.references import report_unknown_cluster
from kfedgen.gitops.layout import EngineDirectory, check_layout, engine_files
from kfedgen.gitops.settings import GITOPS, FluxSettings, GitOpsSettings
from kfedgen.model import Cluster, FleetSpec
from kfedgen.selectors import is_dns1123_subdomain
from kfedgen.source.load import Document

FLUX = EngineDirectory("flux", "_flux", first="gitrepository")
SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def check_flux(spec: FleetSpec, doc: Document, gitops: GitOpsSettings, problems: Problems) -> None:
    """Report names, the local cluster, kubeconfig Secrets and a ref that Flux could not have."""
    flux = gitops.flux
    check_layout(spec, doc, FLUX, flux.name_prefix, problems)
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
    _check_depends_on(spec, doc, flux, problems)
    if flux.wait and flux.health_checks:
        path = (*GITOPS, "flux", "healthChecks")
        problems.warning(
            doc.location(path),
            path,
            "Flux ignores healthChecks when wait is true (it then checks every object it applied)",
            "remove healthChecks, or wait",
        )
    if flux.ref is None and _flux_ref(gitops.target_revision) is None:
        where: DocPath = (*GITOPS, "targetRevision")
        if gitops.target_revision is None:
            where = (*GITOPS, "flux", "enabled")
        shown = gitops.target_revision if gitops.target_revision is not None else "not set"
        problems.error(
            doc.location(where),
            (*GITOPS, "targetRevision"),
            f"Flux needs a branch, tag or commit to follow, and targetRevision is {shown!r}",
            "set gitops.targetRevision to a branch (e.g. main) or give flux.ref",
        )


def flux_files(spec: FleetSpec, gitops: GitOpsSettings, output_repo_path: str) -> dict[str, bytes]:
    """``_flux/``: the GitRepository, one Kustomization per cluster, the root, a kustomization."""
    flux = gitops.flux

    def build(name: str, path: str, cluster: Cluster | None) -> dict[str, Any]:
        if cluster is None:
            return flux_kustomization(name, flux, path, None)
        # The cluster Flux runs in is applied where Flux runs, like the root.
        local = cluster.name == flux.local_cluster
        kubeconfig = None if local else kubeconfig_secret(flux, cluster.name)
        return _for_cluster(flux_kustomization(name, flux, path, kubeconfig), flux, cluster.name)

    return engine_files(
        spec,
        FLUX,
        name_prefix=flux.name_prefix,
        output_repo_path=output_repo_path,
        first=git_repository(gitops),
        build=build,
    )


def git_repository(gitops: GitOpsSettings) -> dict[str, Any]:
    """The GitRepository every Kustomization of the fleet reads from."""
    flux = gitops.flux
    ref = dict(flux.ref) if flux.ref is not None else _flux_ref(gitops.target_revision)
    source_spec: dict[str, Any] = {
        "url": gitops.source_url,
        "interval": flux.source_interval,
        "ref": ref,
    }
    if flux.source_secret is not None:
        source_spec["secretRef"] = {"name": flux.source_secret}
    return {
        "apiVersion": SOURCE_API_VERSION,
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
        "apiVersion": KUSTOMIZE_API_VERSION,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": flux.namespace},
        "spec": kustomization_spec,
    }


def _for_cluster(kustomization: dict[str, Any], flux: FluxSettings, cluster: str) -> dict[str, Any]:
    """``kustomization`` with the settings of a cluster's Kustomization (not the root's)."""
    spec = kustomization["spec"]
    for key, value in (
        ("wait", flux.wait),
        ("timeout", flux.timeout),
        ("retryInterval", flux.retry_interval),
    ):
        if value is not None:
            spec[key] = value
    if flux.health_checks:
        spec["healthChecks"] = [dict(check) for check in flux.health_checks]
    depends_on = flux.depends_on.get(cluster, ())
    if depends_on:
        # Same namespace as this Kustomization: a name is enough.
        spec["dependsOn"] = [{"name": f"{flux.name_prefix}{other}"} for other in depends_on]
    return kustomization


def _check_depends_on(
    spec: FleetSpec, doc: Document, flux: FluxSettings, problems: Problems
) -> None:
    """Unknown clusters in ``flux.clusters``, and dependencies Flux could never satisfy."""
    for name, others in flux.depends_on.items():
        base = (*GITOPS, "flux", "clusters", name)
        if report_unknown_cluster(spec, name, doc.location(base), base, problems):
            continue
        for index, other in enumerate(others):
            path = (*base, "dependsOn", index)
            report_unknown_cluster(spec, other, doc.location(path), path, problems)
    cycle = _dependency_cycle(flux.depends_on)
    if cycle:
        path = (*GITOPS, "flux", "clusters", cycle[0], "dependsOn")
        problems.error(
            doc.location(path),
            path,
            "the clusters' Kustomizations wait for each other in a circle, so none is "
            "ever applied: " + " -> ".join(cycle),
            "remove one of these dependsOn entries",
        )


def _dependency_cycle(depends_on: Mapping[str, Sequence[str]]) -> list[str]:
    """One cycle of ``depends_on`` as ``[a, b, ..., a]`` (empty when there is none)."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        for other in depends_on.get(name, ()):
            found = visit(other, [*path, name])
            if found:
                return found
        done.add(name)
        return []

    for name in sorted(depends_on):
        found = visit(name, [])
        if found:
            return found
    return []


def kubeconfig_secret(flux: FluxSettings, cluster: str) -> str:
    """The name of the Secret holding ``cluster``'s kubeconfig."""
    return flux.kubeconfig_template.replace("{cluster}", cluster)
