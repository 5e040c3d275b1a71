"""The Karmada front-end's stage: where every plain object of the fleet goes.

For every plain object (``FleetSpec.plain``) this does what Karmada's detector and scheduler
would do on a fresh control plane (reference ``karmada-fleet-admiralty.md`` section 1):
choose the policy (:mod:`kfedgen.placement.karmada_choice`), schedule it
(:mod:`kfedgen.karmada.scheduler`: filter, spread selection, replica assignment), turn the
outcome into decisions and the replicas ``ReviseReplica`` writes, for Divided scheduling only
(:mod:`kfedgen.placement.karmada_outcomes`), and stop dispatching where ``suspension`` says.
Then the dependencies of ``propagateDeps`` workloads follow them
(:mod:`kfedgen.placement.karmada_dependencies`).

Live state does not exist here: no claim by an earlier policy, no preemption, no failover, no
previous assignment (so dynamic divisions run as a first schedule), no scheduler scores.

Namespaces follow Karmada's namespace sync where the fleet says enough
(:mod:`kfedgen.placement.karmada_namespaces`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from kfedgen.decisions import ClusterDecision, Propagation, Resolution
from kfedgen.errors import Problems
from kfedgen.frontends.karmada.plain import KarmadaResolution, PlainObject, check_identity
from kfedgen.karmada.chain import Interpreter, ScriptFailed
from kfedgen.karmada.interpreter import UnreadableReplicas
from kfedgen.karmada.policytypes import (
    IMPLICIT_PRIORITY_NAMES,
)
from kfedgen.karmada.scheduler import APICheck, NotEmulated, schedule
from kfedgen.karmada.workloadaffinity import GROUP_HINT, GroupFilter, no_groups
from kfedgen.model import Cluster, FederatedObject, FleetSpec
from kfedgen.placement.capacity import estimates, runtime_overheads
from kfedgen.placement.karmada_choice import Choice, choose_policy
from kfedgen.placement.karmada_dependencies import follow_dependencies
from kfedgen.placement.karmada_groups import Grouping
from kfedgen.placement.karmada_namespaces import (
    ignored_namespace,
    implicit_namespaces,
    namespace_sync,
    synced_by_namespace_sync,
)
from kfedgen.placement.karmada_outcomes import apply_outcome, apply_suspension
from kfedgen.placement.karmada_revise import describe_workload, report_failure, revise_by_script
from kfedgen.pods.requests import RuntimeOverheads
from kfedgen.servedapis import Enablement, crd_kinds, served
from kfedgen.source.load import Document


def propagate(
    spec: FleetSpec, resolutions: Sequence[Resolution[FederatedObject]], problems: Problems
) -> tuple[list[KarmadaResolution], list[Document]]:
    """Decide where every plain object goes; return the decisions and the unselected objects.

    ``resolutions`` (the KubeFed ones) tell which namespaces KubeFed already renders where.
    The policies' cluster names were checked by the validate step
    (:mod:`kfedgen.frontends.karmada.validate`).
    """
    karmada_mode = bool(spec.propagation_policies)
    clusters = spec.cluster_list()
    interpreter = Interpreter(spec.customizations)
    crds = _fleet_crds(spec)
    runtime = runtime_overheads(spec)
    result: list[KarmadaResolution] = []
    unselected: list[Document] = []
    seen: dict[tuple[str, str, str], PlainObject] = {}
    grouping = Grouping()  # workload affinity members: scheduled last, in order
    for doc in spec.plain:
        obj = PlainObject.of(doc)
        if not karmada_mode:
            unselected.append(doc)
            continue
        if obj.namespace and ignored_namespace(obj.namespace):
            problems.warning(
                obj.location(("metadata", "namespace")),
                ("metadata", "namespace"),
                f"{obj.ref} is in namespace {obj.namespace}, whose objects Karmada never "
                "propagates; it is not rendered",
            )
            continue
        synced = synced_by_namespace_sync(obj)
        choice = choose_policy(obj, spec.propagation_policies)
        if not synced and choice is None:
            unselected.append(doc)
            continue
        # Only what is rendered needs a usable name: it becomes a file name.
        if not check_identity(obj, seen, problems):
            continue
        if synced:
            result.append(namespace_sync(obj, choice[0] if choice else None, clusters, problems))
        elif choice is not None:
            if grouping.defer(len(result), obj, choice, problems):
                continue
            result.append(
                _propagate_object(obj, choice, clusters, interpreter, crds, runtime, problems)
            )
    result = grouping.schedule(
        result,
        lambda o, c, g: _propagate_object(o, c, clusters, interpreter, crds, runtime, problems, g),
        problems,
    )
    if karmada_mode:
        result, unselected = follow_dependencies(
            result, unselected, resolutions, clusters, seen, interpreter, problems
        )
        result.extend(implicit_namespaces(spec, resolutions, result))
    return result, unselected


def _propagate_object(
    obj: PlainObject,
    choice: Choice,
    clusters: Sequence[Cluster],
    interpreter: Interpreter,
    crds: frozenset[tuple[str, str]],
    runtime: RuntimeOverheads,
    problems: Problems,
    groups: GroupFilter | None = None,
) -> KarmadaResolution:
    policy, implicit, losers = choice
    selected = (
        f"selected by {policy.ref} (priority {policy.priority}, "
        f"{IMPLICIT_PRIORITY_NAMES[implicit]})"
    )
    decisions = {c.name: ClusterDecision(c.name, reasons=(selected, *losers)) for c in clusters}
    resolution = KarmadaResolution(obj, decisions, propagation=Propagation(policy))
    try:
        workload = interpreter.workload(obj.api_version, obj.kind, obj.manifest)
    except UnreadableReplicas as exc:
        problems.error(obj.location(exc.path), exc.path, exc.message)
        return resolution
    except ScriptFailed as failure:
        report_failure(obj, failure, problems)
        return resolution
    if workload is not None and workload.interpreted_by is not None:
        read = describe_workload(workload)
        resolution = resolution.with_decisions({n: d.noting(read) for n, d in decisions.items()})
    # The available replicas the estimators would answer (kfedgen.placement.capacity).
    capacity = estimates(policy.placement, clusters, obj, workload, runtime)
    propagation = Propagation(policy, workload=workload, capacity=capacity)
    resolution = replace(resolution, propagation=propagation)
    declared = {name: found.replicas for name, found in capacity.items()} or None
    try:
        outcome = schedule(
            policy.placement,
            clusters,
            workload,
            _missing_api(obj, clusters, crds),
            groups or no_groups,
            declared,
        )
    except NotEmulated as exc:
        problems.error(policy.location(exc.path), exc.path, exc.message, exc.hint)
        return resolution
    if outcome.error:
        note = groups.unschedulable_note() if groups is not None else ""
        problems.warning(
            obj.location(("kind",)),
            (),
            f"{obj.ref} is not scheduled by {policy.ref}: {outcome.error}{note}; "
            "it is not rendered",
            GROUP_HINT if note else "",
        )
        unscheduled = f"not scheduled: {outcome.error}"
        return resolution.with_decisions(
            {
                name: decision.noting(*outcome.reasons[name]).dropping(unscheduled)
                for name, decision in decisions.items()
            }
        )
    if capacity and outcome.candidates:
        # calAvailableReplicas estimates the clusters that passed the filters only.
        kept = {n: capacity[n] for n in outcome.candidates}
        resolution = replace(resolution, propagation=replace(propagation, capacity=kept))
    resolution = apply_outcome(resolution, policy, outcome)
    divided = policy.placement.replica_scheduling.type == "Divided"
    if divided and workload is not None and workload.interpreted_by is not None:
        resolution = revise_by_script(resolution, interpreter, problems)
    return apply_suspension(resolution, policy)


def _fleet_crds(spec: FleetSpec) -> frozenset[tuple[str, str]]:
    """The kinds that some CustomResourceDefinition of the fleet serves.

    Which clusters a CRD goes to is decided in this same pass, so the filter counts a kind
    whose CRD the fleet holds as served everywhere; the render-time check
    (:mod:`kfedgen.feasibility.apiversions`) reports a cluster that did not get the CRD.
    """
    manifests: list[Mapping[str, Any]] = [doc.data for doc in spec.plain]
    manifests.extend({**f.template, "kind": f.target.kind} for f in spec.federated)
    return crd_kinds(manifests)


def _missing_api(
    obj: PlainObject, clusters: Sequence[Cluster], crds: frozenset[tuple[str, str]]
) -> APICheck:
    """The APIEnablement filter for ``obj``: why a cluster does not serve its API.

    Karmada's filter passes only ``APIEnabled`` (``api_enablement.go`` ``Filter``); kfedgen
    drops a cluster only when its inventory says the API is not served (``APIDisabled``):
    a cluster whose inventory declares nothing about its APIs is kept (README, "Karmada
    policies").
    """

    by_name = {c.name: c for c in clusters}

    def missing(name: str) -> str | None:
        answer = served(by_name[name], obj.api_version, obj.kind, crds)
        if answer.enablement is not Enablement.DISABLED:
            return None
        return f"{answer.reason} ({answer.fix})"

    return missing
