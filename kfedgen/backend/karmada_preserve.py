"""``preserveResourcesOnDeletion: true`` as the annotations the GitOps engines honour.

Karmada (``propagation_types.go`` ``PropagationSpec.PreserveResourcesOnDeletion``) keeps an
object in its member clusters when its resource template is deleted.  With kfedgen the
template is a file in git and the member clusters are reconciled by Argo CD or Flux, which
delete ("prune") what leaves a cluster's rendered tree unless the object says otherwise:

* Argo CD: ``argocd.argoproj.io/sync-options: Prune=false`` (sync options "No Prune
  Resources"; the annotation holds comma-separated options, so other options are kept);
* Flux: ``kustomize.toolkit.fluxcd.io/prune: disabled`` (Kustomization garbage collection).

The annotation of every engine the Fleet's ``gitops`` section enables is written; with no
engine enabled both are, since kfedgen cannot tell which engine reads the tree and each
ignores the other's annotation.  The engines cannot tell a deleted template from a cluster
the policy no longer selects, so the object is kept in both cases (Karmada deletes it in the
second); the README says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kfedgen.frontends.karmada.plain import KarmadaResolution
from kfedgen.gitops.settings import Engine, GitOpsSettings
from kfedgen.rendered import RenderedObject

ARGOCD_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune"
_ENGINES: tuple[Engine, ...] = ("argocd", "flux")


def preserve_on_deletion(
    karmada: Iterable[KarmadaResolution],
    objects: Sequence[RenderedObject],
    gitops: GitOpsSettings | None,
) -> list[RenderedObject]:
    """``objects`` with the no-prune annotations on those whose policy preserves them."""
    preserved = {r.ref for r in karmada if r.propagation is not None and r.propagation.preserved}
    if not preserved:
        return list(objects)
    engines = (gitops.enabled if gitops is not None else ()) or _ENGINES
    return [
        replace(obj, manifest=_annotated(obj.manifest, engines)) if obj.origin in preserved else obj
        for obj in objects
    ]


def _annotated(manifest: Mapping[str, Any], engines: Sequence[Engine]) -> dict[str, Any]:
    metadata = dict(manifest.get("metadata") or {})
    annotations = dict(metadata.get("annotations") or {})
    if "argocd" in engines:
        annotations[ARGOCD_SYNC_OPTIONS] = _without_prune(annotations.get(ARGOCD_SYNC_OPTIONS))
    if "flux" in engines:
        annotations[FLUX_PRUNE] = "disabled"
    metadata["annotations"] = annotations
    return {**manifest, "metadata": metadata}


def _without_prune(options: object) -> str:
    """Argo CD sync options with ``Prune=false`` in place of any Prune option given."""
    given = [o.strip() for o in str(options or "").split(",") if o.strip()]
    kept = [o for o in given if not o.startswith("Prune=")]
    return ",".join([*kept, "Prune=false"])
