"""The pipeline's entry to the GitOps wiring: check the settings, then build the engines' files.

Being part of the output tree, the files are owned and pruned like every other: a disabled
engine or a cluster removed from the inventory loses its files on the next render.
"""

from __future__ import annotations

import posixpath

from kfedgen.errors import Problems
from kfedgen.gitops.applicationset import check_application_set
from kfedgen.gitops.argocd import argocd_files, check_argocd
from kfedgen.gitops.flux import check_flux, flux_files
from kfedgen.gitops.settings import GITOPS
from kfedgen.gitops.values import check_values
from kfedgen.model import FleetSpec

# The engines, in the order of their problems and files: (settings key, check, files).
ENGINES = (("argocd", check_argocd, argocd_files), ("flux", check_flux, flux_files))


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
    gitops = spec.gitops
    if gitops is None or len(problems.errors) > errors_before:
        return {}
    files: dict[str, bytes] = {}
    for engine, _, build in ENGINES:
        if engine in gitops.enabled:
            files.update(build(spec, gitops, output_repo_path))
    return files


def check_gitops(spec: FleetSpec, output_repo_path: str, problems: Problems) -> None:
    """Report what the schema cannot see: missing repoURL, destinations, names, refs."""
    doc, gitops = spec.fleet_doc, spec.gitops
    if doc is None or gitops is None or not gitops.enabled:
        return
    for enabled in gitops.enabled:
        if not gitops.repo_url:
            problems.error(
                doc.location((*GITOPS, enabled, "enabled")),
                (*GITOPS, "repoURL"),
                f"gitops.repoURL is required when {enabled} is enabled",
                "set it to the URL of the git repository that holds the rendered output",
            )
    if _outside_repository(output_repo_path):
        problems.warning(
            doc.location(GITOPS),
            GITOPS,
            f"the output directory {output_repo_path!r} is not inside a git repository; "
            "Argo CD and Flux paths use it as given",
            "render into a directory of the repository that repoURL points at",
        )
    check_values(spec, doc, gitops, problems)
    for engine, check, _ in ENGINES:
        if engine in gitops.enabled:
            check(spec, doc, gitops, problems)
    if "argocd" in gitops.enabled and gitops.argocd.application_set:
        check_application_set(spec, doc, gitops, output_repo_path, problems)


def _outside_repository(path: str) -> bool:
    return posixpath.isabs(path) or posixpath.normpath(path).split("/")[0] == ".."
