"""Where each source object goes: the one result type every front-end produces.

A :class:`Resolution` holds, for one source object (a KubeFed federated object, a plain
object that Karmada propagates, a namespace Karmada's namespace sync creates) and every
inventory cluster, whether the object is placed there and why.  ``plan``, ``explain`` and
the renderers read these records whatever front-end wrote them; what only Karmada decides
(the policy, ReviseReplica values, division weights, the workload) is in the optional
:class:`Propagation` part.

This module sits below both front-ends: it imports only :mod:`kfedgen.errors` and the pure
Karmada types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from kfedgen.errors import DocPath, Location
from kfedgen.karmada.interpreter import Workload
from kfedgen.karmada.policytypes import PropagationPolicy


class SourceObject(Protocol):
    """What every placed object offers: its names and where it was written."""

    @property
    def kind(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def ref(self) -> str: ...
    def location(self, path: DocPath = ()) -> Location: ...


SourceT_co = TypeVar("SourceT_co", bound=SourceObject, covariant=True)


@dataclass
class ClusterDecision:
    """Whether an object goes to one cluster, and the reasons, in the order they were decided."""

    cluster: str
    placed: bool = False
    reasons: list[str] = field(default_factory=list)
    replicas: int | None = None

    def place(self, reason: str) -> None:
        self.placed = True
        self.reasons.append(reason)

    def drop(self, reason: str) -> None:
        self.placed = False
        self.reasons.append(reason)

    def note(self, reason: str) -> None:
        self.reasons.append(reason)


@dataclass
class Propagation:
    """What Karmada decided about an object beyond placement.

    ``policy`` is None for namespaces that Karmada's namespace sync propagates or creates.
    """

    policy: PropagationPolicy | None
    # cluster -> the spec fields ReviseReplica writes there (e.g. {"replicas": 4}).
    revisions: dict[str, dict[str, int]] = field(default_factory=dict)
    # cluster -> the weight it was divided by (static weight or declared capacity).
    weights: dict[str, int] = field(default_factory=dict)
    # The replicas Karmada's interpreter reads (None: not a workload).
    workload: Workload | None = None


@dataclass
class Resolution(Generic[SourceT_co]):
    """Where one source object goes: a decision for every inventory cluster."""

    obj: SourceT_co
    decisions: dict[str, ClusterDecision]
    # Replica-scheduling summary for `plan` (set by schedulers): cluster -> note.
    schedule_notes: dict[str, str] = field(default_factory=dict)
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


AnyResolution = Resolution[SourceObject]
