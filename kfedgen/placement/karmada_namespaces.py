"""Karmada's namespace sync, offline: which namespaces go where without a policy.

A plain ``Namespace`` goes to every cluster (unless reserved or labelled
``namespace.karmada.io/skip-auto-propagation``); a namespace that no document declares is
created in the clusters that receive its objects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kfedgen.decisions import ClusterDecision, Propagation, Resolution
from kfedgen.errors import Problems
from kfedgen.frontends.karmada.plain import KarmadaResolution, PlainObject
from kfedgen.karmada.policytypes import PropagationPolicy, ResourceRef
from kfedgen.model import Cluster, FederatedObject, FleetSpec

# The detector never propagates objects of these namespaces (names.IsReservedNamespace, and
# the default --skipped-propagating-namespaces=kube-.*); namespace sync also skips "default".
_RESERVED_NAMESPACES = frozenset({"karmada-system", "karmada-cluster"})
_EXECUTION_SPACE_PREFIX = "karmada-es-"
_SKIPPED_NAMESPACES = re.compile(r"kube-.*")
SKIP_AUTO_PROPAGATION_LABEL = "namespace.karmada.io/skip-auto-propagation"


def ignored_namespace(namespace: str) -> bool:
    """Whether Karmada's detector ignores objects of ``namespace``."""
    return (
        namespace in _RESERVED_NAMESPACES
        or namespace.startswith(_EXECUTION_SPACE_PREFIX)
        or _SKIPPED_NAMESPACES.fullmatch(namespace) is not None
    )


def _synced_namespace(name: str) -> bool:
    """``namespaceShouldBeSynced``: every namespace but reserved ones and ``default``."""
    return name != "default" and not ignored_namespace(name)


def synced_by_namespace_sync(obj: PlainObject) -> bool:
    """Whether namespace sync propagates this object: a Namespace that does not opt out."""
    if not obj.is_namespace or not _synced_namespace(obj.name):
        return False
    # Opted out: left to a ClusterPropagationPolicy.
    return str(obj.ident.labels.get(SKIP_AUTO_PROPAGATION_LABEL, "")).lower() != "true"


def namespace_sync(
    obj: PlainObject,
    policy: PropagationPolicy | None,
    clusters: Sequence[Cluster],
    problems: Problems,
) -> KarmadaResolution:
    """A declared Namespace goes to every cluster (Karmada's namespace sync controller)."""
    if policy is not None:
        problems.warning(
            obj.location(("kind",)),
            (),
            f"{obj.ref} goes to every cluster by Karmada's namespace sync; the placement of "
            f"{policy.ref} has no effect on it",
            f'label it {SKIP_AUTO_PROPAGATION_LABEL}: "true" to place it with the policy',
        )
    reason = "Karmada's namespace sync propagates every namespace to every cluster"
    decisions = {c.name: ClusterDecision(c.name).placing(reason) for c in clusters}
    return KarmadaResolution(obj, decisions, propagation=Propagation(None))


def implicit_namespaces(
    spec: FleetSpec,
    kubefed: Sequence[Resolution[FederatedObject]],
    karmada: Sequence[KarmadaResolution],
) -> list[KarmadaResolution]:
    """Namespaces that propagated objects need in their clusters.

    A namespace declared nowhere (no Namespace document, no FederatedNamespace) would exist in
    Karmada's control plane all the same, and namespace sync would create it in every member
    cluster; kfedgen creates it where objects of it land.  A declared namespace that is not
    rendered where an object of it lands is a warning: the object would not apply there.
    """
    present: set[tuple[str, str]] = set()  # (cluster, namespace) with a Namespace rendered
    declared = set(spec.namespaces)
    for resolution in kubefed:
        if resolution.obj.target.is_namespace:
            present.update((c, resolution.obj.namespace) for c in resolution.clusters)
    for item in karmada:
        if item.obj.is_namespace:
            present.update((c, item.obj.name) for c in item.clusters)
    declared.update(item.obj.name for item in karmada if item.obj.is_namespace)
    declared.update(
        obj.name for obj in map(PlainObject.of, spec.plain) if obj.is_namespace and obj.name
    )
    # namespace -> cluster -> the first object landing there
    needed: dict[str, dict[str, PlainObject]] = {}
    for item in karmada:
        namespace = item.obj.namespace
        if not namespace or not _synced_namespace(namespace):
            continue
        # A suspended cluster keeps the object's previous file (kfedgen.backend.karmada_freeze),
        # and so needs its namespace still.
        suspended = item.propagation.suspended if item.propagation is not None else ()
        for cluster in sorted({*item.clusters, *suspended}):
            # A declared namespace is not created here: kfedgen.identity reports the object.
            if (cluster, namespace) in present or namespace in declared:
                continue
            needed.setdefault(namespace, {}).setdefault(cluster, item.obj)
    result = []
    for namespace in sorted(needed):
        users = needed[namespace]
        first_user = next(iter(users.values()))
        manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        obj = PlainObject(manifest, ResourceRef.of(manifest), first_user.location())
        absent = f"no propagated object of namespace {namespace} lands here"
        decisions = {
            c.name: ClusterDecision(c.name).placing(
                f"{users[c.name].ref} lands here and no document declares namespace {namespace}; "
                "Karmada's namespace sync would create it (in every cluster)"
            )
            if c.name in users
            else ClusterDecision(c.name).dropping(absent)
            for c in spec.cluster_list()
        }
        result.append(KarmadaResolution(obj, decisions, propagation=Propagation(None)))
    return result
