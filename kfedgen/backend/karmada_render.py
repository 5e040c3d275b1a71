"""The manifests of the objects Karmada propagates, per cluster (replicas revised)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kfedgen.frontends.karmada.plain import KarmadaResolution
from kfedgen.identity import Identity, Trail
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps


def render_propagated(karmada: Iterable[KarmadaResolution]) -> list[RenderedObject]:
    """Each propagated object as each of its clusters receives it (replicas revised)."""
    rendered = []
    for resolution in karmada:
        obj = resolution.obj
        base = drop_empty_metadata_maps(dict(obj.manifest))
        trail = Trail.start(base, Identity.of(base).as_source(), obj, (), "the resource template")
        revisions = resolution.propagation.revisions if resolution.propagation else {}
        # A customization's ReviseReplica wrote these clusters' manifests (karmada_revise).
        revised = resolution.propagation.revised if resolution.propagation else {}
        by_revision: dict[tuple[tuple[str, int], ...], Mapping[str, Any]] = {}
        for cluster in resolution.clusters:
            if cluster in revised:
                rendered.append(
                    RenderedObject(
                        cluster,
                        drop_empty_metadata_maps(dict(revised[cluster])),
                        obj.ref,
                        obj.location(),
                        trail,
                    )
                )
                continue
            revision = tuple(sorted(revisions.get(cluster, {}).items()))
            manifest = by_revision.get(revision)
            if manifest is None:
                # Clusters with the same replicas share one manifest (copy-on-write).
                manifest = _with_spec_fields(base, dict(revision)) if revision else base
                by_revision[revision] = manifest
            rendered.append(RenderedObject(cluster, manifest, obj.ref, obj.location(), trail))
    return rendered


def _with_spec_fields(manifest: Mapping[str, Any], values: Mapping[str, int]) -> dict[str, Any]:
    """A copy of ``manifest`` with ``spec.<field>`` set (``helper.ApplyReplica``)."""
    copy = dict(manifest)
    spec = copy.get("spec")
    copy["spec"] = {**(spec if isinstance(spec, Mapping) else {}), **values}
    return copy
