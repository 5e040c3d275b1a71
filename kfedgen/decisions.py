"""Where each source object goes: the one result type every front-end produces.

A :class:`Resolution` holds, for one source object (a KubeFed federated object, a plain
object that Karmada propagates, a namespace Karmada's namespace sync creates) and every
inventory cluster, whether the object is placed there and why.  ``plan``, ``explain`` and
the renderers read these records whatever front-end wrote them; what only Karmada decides
(the policy, ReviseReplica values, division weights, the workload) is in the optional
:class:`Propagation` part.

Every record is an immutable value.  A stage that decides more (the replica scheduler,
materialize, the override policies) returns new records; nothing is changed after it is
made, so a view reads exactly what each stage decided and never recomputes a stage.  Where
a cluster's replica count came from (the template, override #n, a scheduler, an
OverridePolicy rule) is recorded as a :class:`ValueSource` by the stage that wrote it.

This module sits below both front-ends: it imports only :mod:`kfedgen.errors`, the patch
operation type and the pure Karmada types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from kfedgen.errors import DocPath, Location
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.policytypes import PropagationPolicy
from kfedgen.patch import PatchOp


class Named(Protocol):
    """An object's kind, namespace (empty: cluster-scoped) and name."""

    @property
    def kind(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def name(self) -> str: ...


class SourceObject(Named, Protocol):
    """What every placed object offers: its names and where it was written."""

    @property
    def key(self) -> str: ...
    @property
    def ref(self) -> str: ...
    def location(self, path: DocPath = ()) -> Location: ...


SourceT_co = TypeVar("SourceT_co", bound=SourceObject, covariant=True)
SourceT = TypeVar("SourceT", bound=SourceObject)


# What decided a value, as ``plan`` names it (its JSON ``source`` field).
TEMPLATE = "template"  # the source object's own value
OVERRIDE = "override"  # a KubeFed override entry or a Karmada OverridePolicy rule
SCHEDULER = "scheduler"  # a ReplicaSchedulingPreference or a Karmada division
RETAINED = "retained"  # retainReplicas: the cluster's autoscaler owns the value
UNSET = "unset"  # nothing sets it (Kubernetes defaults it)
DEPENDENCY = "dependency"  # no count: placed because propagateDeps workloads require it


@dataclass(frozen=True)
class ValueSource:
    """Where one per-cluster value came from: the stage (:data:`TEMPLATE`...) and by whom.

    ``by`` names the input that wrote it for people (``overrides[1]``, an RSP's or a
    policy's ref); ``location`` is that input's file:line when there is one.
    """

    stage: str
    by: str = ""
    location: Location | None = None


@dataclass(frozen=True)
class Preference:
    """The scheduling preference that produced a cluster's replicas.

    ``key`` is the entry that applied (a cluster name, ``"*"``...); ``text`` is how
    the scheduler describes it to people.
    """

    key: str
    weight: int | None
    min_replicas: int | None
    max_replicas: int | None
    text: str
    defaulted: bool = False


class ClusterPatch(NamedTuple):
    """One override operation a cluster's copy gets, tagged with the entry it came from."""

    entry: int  # the position in spec.overrides; -1 for the scheduler's own operation
    patch: PatchOp
    scheduled: bool = False  # the value is the scheduler's (in place of the entry's own)


@dataclass(frozen=True, init=False)
class ClusterDecision:
    """Whether an object goes to one cluster, and the reasons, in the order they were decided.

    ``replicas`` is what a scheduler planned (None: no scheduler), with the preference
    that applied, whether the cluster was drained and whether it got its maximum;
    ``replicas_from`` is where the rendered replica count came from.  ``operations`` is the
    cluster's KubeFed override list in application order (the scheduler's count already in
    it), decided once by placement and applied as-is by materialize.
    """

    cluster: str
    placed: bool = False
    reasons: tuple[str, ...] = ()
    replicas: int | None = None
    replicas_from: ValueSource | None = None
    preference: Preference | None = None
    drained: bool = False
    at_max: bool = False
    operations: tuple[ClusterPatch, ...] = ()

    def __init__(
        self,
        cluster: str,
        placed: bool = False,
        reasons: tuple[str, ...] = (),
        replicas: int | None = None,
        replicas_from: ValueSource | None = None,
        preference: Preference | None = None,
        drained: bool = False,
        at_max: bool = False,
        operations: tuple[ClusterPatch, ...] = (),
    ) -> None:
        # A render makes clusters x objects of these at every stage.  Filling the instance
        # dictionary directly costs a third of the frozen dataclass's generated __init__,
        # which sets each field through object.__setattr__; the instance stays as immutable
        # to its users (assigning an attribute still raises FrozenInstanceError).
        fields = self.__dict__
        fields["cluster"] = cluster
        fields["placed"] = placed
        fields["reasons"] = reasons
        fields["replicas"] = replicas
        fields["replicas_from"] = replicas_from
        fields["preference"] = preference
        fields["drained"] = drained
        fields["at_max"] = at_max
        fields["operations"] = operations

    def placing(self, reason: str) -> ClusterDecision:
        """This decision, placed there for ``reason``."""
        return self._evolve(True, (*self.reasons, reason), self.replicas_from)

    def dropping(self, reason: str) -> ClusterDecision:
        """This decision, left out for ``reason``."""
        return self._evolve(False, (*self.reasons, reason), self.replicas_from)

    def noting(self, *reasons: str) -> ClusterDecision:
        """This decision with ``reasons`` added, placement unchanged."""
        if not reasons:
            return self
        return self._evolve(self.placed, (*self.reasons, *reasons), self.replicas_from)

    def sourced(self, source: ValueSource, *reasons: str) -> ClusterDecision:
        """This decision with its replica count's source recorded (and ``reasons`` added)."""
        return self._evolve(self.placed, (*self.reasons, *reasons), source)

    def recorded(self, source: ValueSource, reasons: tuple[str, ...]) -> ClusterDecision:
        """:meth:`sourced` with the reasons as one tuple (materialize calls it per cluster)."""
        return self._evolve(self.placed, self.reasons + reasons, source)

    def _evolve(
        self, placed: bool, reasons: tuple[str, ...], source: ValueSource | None
    ) -> ClusterDecision:
        # A copy of this instance's fields with three replaced.  dataclasses.replace costs
        # several times more, and even a call of __init__ with every field costs more than
        # copying the instance dictionary (a render makes clusters x objects of these).
        decision = object.__new__(ClusterDecision)
        fields = decision.__dict__
        fields.update(self.__dict__)
        fields["placed"] = placed
        fields["reasons"] = reasons
        fields["replicas_from"] = source
        return decision


@dataclass(frozen=True)
class CapacityEstimate:
    """A cluster's available replicas for one workload, as the scheduler used them.

    ``replicas`` None: nothing declares them.  ``source`` names what did (see
    :mod:`kfedgen.placement.capacity`); ``detail`` says how the number came about.
    """

    replicas: int | None
    source: str
    detail: str


@dataclass(frozen=True)
class Propagation:
    """What Karmada decided about an object beyond placement.

    ``policy`` is None for namespaces that Karmada's namespace sync propagates or creates,
    and for dependencies that no policy selects but a workload's ``propagateDeps`` pulls.
    """

    policy: PropagationPolicy | None
    # cluster -> the spec fields ReviseReplica writes there (e.g. {"replicas": 4}).
    revisions: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # cluster -> the weight it was divided by (static weight or declared capacity).
    weights: Mapping[str, int] = field(default_factory=dict)
    # The replicas Karmada's interpreter reads (None: not a workload).
    workload: Workload | None = None
    # cluster -> the manifest a customization's ReviseReplica script wrote for it.
    revised: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Clusters the schedule chose whose dispatching the policy's suspension stops.
    suspended: tuple[str, ...] = ()
    # A propagateDeps workload: the objects (refs) it takes along, in interpreter order.
    dependencies: tuple[str, ...] = ()
    # A dependency: cluster -> the workloads (refs, sorted) whose propagateDeps pull it there.
    required_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # A dependency no policy selects keeps its objects on deletion when a workload that
    # requires it does (dependencies_distributor.go detectAndResolvePreserveOnDeletion).
    preserve_for_workloads: bool = False
    # cluster -> the available replicas the scheduler read, and where they came from
    # (only for objects whose scheduling reads capacity).
    capacity: Mapping[str, CapacityEstimate] = field(default_factory=dict)

    @property
    def preserved(self) -> bool:
        """Whether the object is kept in its clusters when its template goes.

        The object's own policy decides (a dependency with a policy of its own keeps its
        own setting, as Karmada's distributor leaves such a binding's value alone); a
        dependency without one inherits it from the workloads that require it.
        """
        if self.policy is not None:
            return self.policy.preserve_on_deletion
        return self.preserve_for_workloads

    @property
    def replica_field(self) -> str | None:
        """The spec field that holds the replica count (None: a Pod, which has none)."""
        return self.workload.field if self.workload is not None else "replicas"


@dataclass(frozen=True)
class Resolution(Generic[SourceT_co]):
    """Where one source object goes: a decision for every inventory cluster."""

    obj: SourceT_co
    decisions: Mapping[str, ClusterDecision]
    # Replica-scheduling summary for `plan` (set by schedulers): cluster -> note.
    schedule_notes: Mapping[str, str] = field(default_factory=dict)
    scheduled_by: str = ""
    # Set for the objects Karmada propagates, None for KubeFed's.
    propagation: Propagation | None = None

    @property
    def ref(self) -> str:
        """How users name the object: ``KIND/NAMESPACE/NAME`` (``KIND/NAME``)."""
        return self.obj.ref

    @property
    def clusters(self) -> list[str]:
        """The clusters the object is placed in, sorted."""
        return sorted(name for name, d in self.decisions.items() if d.placed)

    @property
    def replica_field(self) -> str | None:
        """The spec field that holds the object's replica count (None: it has none)."""
        return self.propagation.replica_field if self.propagation is not None else "replicas"

    def with_decisions(self, updates: Mapping[str, ClusterDecision]) -> Resolution[SourceT_co]:
        """A copy with the decisions of ``updates`` in place of the ones for those clusters."""
        if not updates:
            return self
        return replace(self, decisions={**self.decisions, **updates})


# The stages after placement say what they did per (origin ref, cluster): notes to add to
# the decision's reasons, and a new source of its replica count.
Notes = Mapping[tuple[str, str], Sequence[str]]
Sources = Mapping[tuple[str, str], ValueSource]


def annotate(
    resolutions: Sequence[Resolution[SourceT]], notes: Notes, sources: Sources | None = None
) -> list[Resolution[SourceT]]:
    """New resolutions with ``notes`` added and ``sources`` recorded, the rest unchanged."""
    sources = sources or {}
    # Notes name few objects; the rest are passed through without visiting every cluster.
    touched = {ref for ref, _ in notes}.union(ref for ref, _ in sources)
    result = []
    for resolution in resolutions:
        if resolution.ref not in touched:
            result.append(resolution)
            continue
        updates = {}
        for name, decision in resolution.decisions.items():
            key = (resolution.ref, name)
            updated = decision.noting(*notes.get(key, ()))
            if key in sources:
                updated = updated.sourced(sources[key])
            if updated is not decision:
                updates[name] = updated
        result.append(resolution.with_decisions(updates))
    return result


AnyResolution = Resolution[SourceObject]
