"""``propagateDeps: true``: the objects a workload depends on follow it to its clusters.

Karmada's dependencies distributor (``pkg/dependenciesdistributor/dependencies_distributor.go``,
``Reconcile``, ``handleDependentResource``, ``buildAttachedBinding``) asks the resource
interpreter what a workload of a ``propagateDeps`` binding depends on
(:mod:`kfedgen.karmada.dependencies`) and records, on each dependency's binding, the
workload's scheduled clusters (``spec.requiredBy``); the binding controller then sends the
dependency to its own clusters plus every cluster some requiring workload is scheduled to
(``pkg/controllers/binding/common.go`` ``mergeTargetClusters``).  Here, for every workload:

* the dependency's clusters are the **union** of its own placement (when a policy selects it)
  and the scheduled clusters of every workload requiring it -- including clusters where the
  workload's own dispatching is suspended, since the binding still holds them and the
  attached binding carries no suspension;
* a dependency with a policy of its own keeps that policy's suspension, which stops the
  requiring clusters too (its binding's Works are suspended);
* no replicas are divided for dependencies; override policies apply to them as to any
  rendered object (the back-end does that);
* only objects of the workload's namespace are looked up (every interpreter names objects of
  the workload's namespace), matched by apiVersion, kind and name, or by label selector;
* a named dependency the fleet does not hold is a warning at the workload's reference: Karmada
  does nothing then (``handleDependentResource``: not found), and the pod would not start.  A
  KubeFed object of that kind and name placed in some of those clusters, or an object the
  cluster ``provides``, covers those clusters (the object is there), although Karmada would
  not move it;
* a reference with neither name nor selector (an Ingress ``tls`` entry without
  ``secretName``) is skipped, as the distributor's error leaves the others alone.

Every decision says which workloads pulled the object into which cluster
(``Propagation.required_by``), so ``explain`` and ``plan`` only read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kfedgen.decisions import ClusterDecision, Propagation, Resolution
from kfedgen.errors import Problems
from kfedgen.frontends.karmada.plain import KarmadaResolution, PlainObject, check_identity
from kfedgen.karmada.chain import DependentObject, Interpreter, ScriptFailed
from kfedgen.karmada.dependencies import Dependency, dependencies
from kfedgen.model import Cluster, FederatedObject
from kfedgen.placement.karmada_revise import report_failure
from kfedgen.source.load import Document

Key = tuple[str, str, str, str]  # apiVersion, kind, namespace, name

# What a missing dependency does to the workload, for the warning: by the workload's kind
# and the dependency's kind, else by the dependency's kind, else by the pod spec field
# that names it.
_CONSEQUENCES: Mapping[tuple[str, str], str] = {
    ("Ingress", "Secret"): "the Ingress would have no certificate of its own for those hosts there",
    ("ServiceImport", "Service"): (
        "Karmada's ServiceImport controller creates it in the control plane; without one "
        "kfedgen renders no derived Service there"
    ),
    ("", "volumes"): "its pods would stay in ContainerCreating there (the volume cannot mount)",
    ("", "env"): "its pods would fail there with CreateContainerConfigError",
    ("", "envFrom"): "its pods would fail there with CreateContainerConfigError",
    ("", "imagePullSecrets"): "its pods could not pull images from a private registry there",
    ("", "ServiceAccount"): "the API server would reject its pods there (no such service account)",
    ("", "PersistentVolumeClaim"): "its pods would stay Pending there (the claim does not exist)",
}
_UNKNOWN_CONSEQUENCE = "it would be missing there"


def _consequence(workload_kind: str, dependency: Dependency) -> str:
    for key in ((workload_kind, dependency.kind), ("", dependency.kind)):
        if key in _CONSEQUENCES:
            return _CONSEQUENCES[key]
    for step in dependency.path:
        if isinstance(step, str) and ("", step) in _CONSEQUENCES:
            return _CONSEQUENCES[("", step)]
    return _UNKNOWN_CONSEQUENCE


@dataclass
class _Pull:
    """What the workloads ask of one dependency: cluster -> requiring workloads, and deletion."""

    clusters: dict[str, list[str]] = field(default_factory=dict)
    preserve: bool = False


def follow_dependencies(
    karmada: Sequence[KarmadaResolution],
    unselected: Sequence[Document],
    kubefed: Sequence[Resolution[FederatedObject]],
    clusters: Sequence[Cluster],
    seen: dict[tuple[str, str, str], PlainObject],
    interpreter: Interpreter,
    problems: Problems,
) -> tuple[list[KarmadaResolution], list[Document]]:
    """The resolutions with every dependency placed, and the documents still unselected.

    ``seen`` is the identity index :func:`check_identity` keeps for the propagated objects;
    an unselected object that becomes a dependency is checked against it too.
    """
    if not any(_propagates_deps(r) for r in karmada):
        return list(karmada), list(unselected)  # no index of the plain objects to build
    waiting = [PlainObject.of(doc) for doc in unselected]
    known: dict[Key, PlainObject] = {_key(r.obj): r.obj for r in karmada}
    placed = set(known)
    for obj in waiting:
        known.setdefault(_key(obj), obj)
    pulls: dict[Key, _Pull] = {}
    workloads = [_pull(r, known, kubefed, clusters, pulls, interpreter, problems) for r in karmada]
    if not pulls:
        return workloads, list(unselected)
    result = [_attach(r, pulls[_key(r.obj)]) if _key(r.obj) in pulls else r for r in workloads]
    still = []
    for obj, doc in zip(waiting, unselected, strict=True):
        key = _key(obj)
        if key in pulls and key not in placed:
            # Only what is rendered needs a usable name; a second definition is reported.
            if check_identity(obj, seen, problems):
                result.append(_attached(obj, pulls[key], clusters))
            continue
        still.append(doc)
    return result, still


def _propagates_deps(resolution: KarmadaResolution) -> bool:
    propagation = resolution.propagation
    return bool(propagation and propagation.policy and propagation.policy.propagate_deps)


def _key(obj: PlainObject) -> Key:
    return (obj.api_version, obj.kind, obj.namespace, obj.name)


def _pull(
    resolution: KarmadaResolution,
    known: Mapping[Key, PlainObject],
    kubefed: Sequence[Resolution[FederatedObject]],
    clusters: Sequence[Cluster],
    pulls: dict[Key, _Pull],
    interpreter: Interpreter,
    problems: Problems,
) -> KarmadaResolution:
    """Record what one workload pulls where; warn about what the fleet lacks.

    Returns the workload's resolution with the objects it takes along recorded.
    """
    propagation = resolution.propagation
    if propagation is None or propagation.policy is None or not _propagates_deps(resolution):
        return resolution
    policy = propagation.policy
    scheduled = sorted({*resolution.clusters, *propagation.suspended})
    obj = resolution.obj
    found = _dependencies_of(obj, interpreter, problems)
    if not scheduled or not found:
        return resolution
    taken: list[str] = []
    for dependency in found:
        if dependency.match_labels is not None:
            keys = _selected(dependency, dependency.match_labels, known)
        elif dependency.name:
            key = (dependency.api_version, dependency.kind, dependency.namespace, dependency.name)
            keys = [key] if key in known else []
            if not keys:
                _missing(resolution, dependency, scheduled, kubefed, clusters, problems)
        else:
            continue
        for key in keys:
            taken.append(known[key].ref)
            pull = pulls.setdefault(key, _Pull())
            for cluster in scheduled:
                pull.clusters.setdefault(cluster, []).append(obj.ref)
            pull.preserve = pull.preserve or policy.preserve_on_deletion
    return replace(
        resolution, propagation=replace(propagation, dependencies=tuple(dict.fromkeys(taken)))
    )


def _dependencies_of(
    obj: PlainObject, interpreter: Interpreter, problems: Problems
) -> list[Dependency] | None:
    """``GetDependencies`` by Karmada's chain: a customization's script first, else native."""
    try:
        scripted = interpreter.dependencies(obj.api_version, obj.kind, obj.manifest)
    except ScriptFailed as failure:
        report_failure(obj, failure, problems)
        return None
    if scripted is None:
        return dependencies(obj.api_version, obj.kind, obj.manifest, obj.namespace)
    return [_scripted(reference, obj.namespace) for reference in scripted]


def _scripted(reference: DependentObject, namespace: str) -> Dependency:
    """A script's ``DependentObjectReference`` (its namespace defaults to the workload's)."""
    selector: Any = reference.get("labelSelector")
    labels = selector.get("matchLabels") if isinstance(selector, Mapping) else None
    return Dependency(
        str(reference.get("apiVersion", "")),
        str(reference.get("kind", "")),
        str(reference.get("namespace") or namespace),
        str(reference.get("name", "")),
        dict(labels) if isinstance(labels, Mapping) else None,
    )


def _selected(
    dependency: Dependency, labels: Mapping[str, str], known: Mapping[Key, PlainObject]
) -> list[Key]:
    """``FetchResourceTemplatesByLabelSelector``: the kind's objects of the namespace that match."""
    return sorted(
        key
        for key, obj in known.items()
        if key[:3] == (dependency.api_version, dependency.kind, dependency.namespace)
        and all(obj.ident.labels.get(k) == v for k, v in labels.items())
    )


def _missing(
    resolution: KarmadaResolution,
    dependency: Dependency,
    scheduled: Sequence[str],
    kubefed: Sequence[Resolution[FederatedObject]],
    clusters: Sequence[Cluster],
    problems: Problems,
) -> None:
    """Warn, at the workload's reference, for the clusters where the object will not be."""
    federated = [
        r
        for r in kubefed
        if (r.obj.target.kind, r.obj.namespace, r.obj.name)
        == (dependency.kind, dependency.namespace, dependency.name)
    ]
    there = {c for r in federated for c in r.clusters}
    there |= {c.name for c in clusters if _provides(c, dependency)}
    lacking = [c for c in scheduled if c not in there]
    if not lacking:
        return
    obj, policy = resolution.obj, resolution.propagation and resolution.propagation.policy
    target = f"{dependency.kind} {dependency.namespace}/{dependency.name}"
    consequence = _consequence(obj.kind, dependency)
    by = f" (propagateDeps of {policy.ref})" if policy else ""
    kubefed_note = (
        f"; {', '.join(sorted(r.ref for r in federated))} places it only in "
        f"{', '.join(sorted(there)) or 'no cluster'}, and Karmada propagates only plain objects"
        if federated
        else ""
    )
    problems.warning(
        obj.location(dependency.path),
        dependency.path,
        f"{obj.ref} needs {target} in {', '.join(lacking)}{by}, but the fleet does not "
        f"define it{kubefed_note}; {consequence}",
        f"add {target} to the fleet (it then follows the workload), or add it to the "
        "clusters' provides if the platform creates it",
    )


def _provides(cluster: Cluster, dependency: Dependency) -> bool:
    return any(
        (p.kind, p.namespace, p.name) == (dependency.kind, dependency.namespace, dependency.name)
        for p in cluster.provides or ()
    )


def _required_reasons(cluster: str, pull: _Pull) -> list[str]:
    return [
        f"required by {ref} (propagateDeps), which is scheduled here"
        for ref in sorted(set(pull.clusters[cluster]))
    ]


def _attach(resolution: KarmadaResolution, pull: _Pull) -> KarmadaResolution:
    """A dependency a policy places itself: its clusters merged with the requiring ones."""
    propagation = resolution.propagation or Propagation(None)
    policy = propagation.policy
    updates = {}
    for name in sorted(pull.clusters):
        decision = resolution.decisions[name]
        reasons = _required_reasons(name, pull)
        if decision.placed:
            updates[name] = decision.noting(*reasons)
        elif policy is not None and (
            policy.suspension.everywhere or name in policy.suspension.clusters
        ):
            # The dependency's own binding is suspended: its Works are, for every cluster.
            updates[name] = decision.noting(
                *reasons, "its own policy's suspension applies here too"
            )
        else:
            updates[name] = decision.placing(reasons[0]).noting(*reasons[1:])
    required = _frozen(pull, resolution.decisions)
    return replace(
        resolution.with_decisions(updates),
        propagation=replace(propagation, required_by=required),
    )


def _attached(obj: PlainObject, pull: _Pull, clusters: Iterable[Cluster]) -> KarmadaResolution:
    """A dependency no policy selects: placed only where the workloads requiring it are."""
    decisions = {}
    for cluster in clusters:
        if cluster.name in pull.clusters:
            reasons = _required_reasons(cluster.name, pull)
            decisions[cluster.name] = ClusterDecision(cluster.name, True, tuple(reasons))
        else:
            decisions[cluster.name] = ClusterDecision(
                cluster.name,
                reasons=("no policy selects it, and no workload requiring it is here",),
            )
    propagation = Propagation(
        None, required_by=_frozen(pull, decisions), preserve_for_workloads=pull.preserve
    )
    return KarmadaResolution(obj, decisions, propagation=propagation)


def _frozen(pull: _Pull, decisions: Mapping[str, ClusterDecision]) -> dict[str, tuple[str, ...]]:
    return {
        c: tuple(sorted(set(refs))) for c, refs in sorted(pull.clusters.items()) if c in decisions
    }
