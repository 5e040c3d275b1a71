"""Karmada's workload affinity and anti-affinity, for a first schedule of a whole fleet.

Ported from Karmada (commit f8fdd02df, v1.19 line; the ``WorkloadAffinity`` feature gate,
alpha, off by default):

- ``pkg/detector/detector.go`` ``getWorkloadAffinityGroups``: a binding's groups are
  ``<key>=<value>`` for each term whose ``groupByLabelKey`` is a label of the resource
  template (no label, no group; :func:`instantiate`);
- ``pkg/scheduler/framework/plugins/workloadaffinity`` ``FilterWithContext`` and
  ``obeyAffinityGroup``: a cluster passes when every other binding of the same namespace and
  affinity group that has clusters targets it (bindings without clusters do not count, so
  the first member of a group goes where its own placement says);
- ``pkg/scheduler/framework/plugins/workloadantiaffinity`` ``FilterWithContext`` and
  ``obeyAntiAffinityGroup``: a cluster passes when no other binding of the same namespace
  and anti-affinity group targets it.

Both plugins skip a binding with the scheduled binding's own name
(``names.GenerateBindingName``) and pass a cluster the binding already targets; a first
schedule targets none.  Which bindings are "already scheduled" depends, in Karmada, on the
order they reach the scheduler; :func:`schedule_order` is kfedgen's fixed order (README,
"Karmada policies").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kfedgen.karmada.policytypes import WorkloadAffinity

# Why Karmada's plugins filter a cluster out (their framework.Result reasons, verbatim).
AFFINITY_REASON = "ResourceBinding with the same affinity group does not target this cluster"
ANTI_AFFINITY_REASON = "cluster already has workload with the same anti-affinity group"


@dataclass(frozen=True)
class Groups:
    """A binding's ``spec.workloadAffinityGroups``: ``key=value`` group names, "" for none."""

    affinity: str = ""
    anti_affinity: str = ""


def instantiate(term: WorkloadAffinity | None, labels: Mapping[str, object]) -> Groups | None:
    """The groups of a template with ``labels`` under ``term`` (None: no group at all).

    ``getWorkloadAffinityGroups``: a label that is absent gives no group for its term.
    Labels that are not all strings read as none, as ``Unstructured.GetLabels`` does.
    """
    if term is None or not all(isinstance(v, str) for v in labels.values()):
        return None
    affinity = _group(term.affinity_key, labels)
    anti_affinity = _group(term.anti_affinity_key, labels)
    if not affinity and not anti_affinity:
        return None
    return Groups(affinity, anti_affinity)


def _group(key: str, labels: Mapping[str, object]) -> str:
    return f"{key}={labels[key]}" if key and key in labels else ""


def binding_name(kind: str, name: str) -> str:
    """``names.GenerateBindingName``: ``<name>-<kind>``, lower-case, ``:`` made ``.``."""
    return f"{name.replace(':', '.')}-{kind}".lower()


def schedule_order(api_version: str, kind: str, namespace: str, name: str) -> tuple[str, ...]:
    """The order kfedgen schedules grouped bindings in: the scheduler queue's key, then type.

    Karmada's queue is FIFO by arrival unless the alpha ``PriorityBasedScheduling`` gate is
    on (``internal/queue/types.go`` ``Less``); arrival is not in git, so kfedgen takes the
    queue's key (``namespace/bindingName``) as if every binding arrived at once, and the
    API version to part bindings of the same name.
    """
    return (namespace, binding_name(kind, name), api_version, kind)


@dataclass(frozen=True)
class Member:
    """A scheduled binding of some group: whose it is and the clusters it targets."""

    ref: str
    api_version: str
    namespace: str
    binding: str
    groups: Groups
    clusters: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    """What the two plugins say about one cluster, and which members decided it."""

    passes: bool
    reason: str
    members: tuple[str, ...] = ()


@dataclass
class Group:
    """The scheduled members of one group of one namespace, with how many target a cluster.

    The counts answer both plugins in constant time per cluster: every member targets a
    cluster when its count is the number of members, none when it is 0.
    """

    members: list[Member] = field(default_factory=list)
    targeting: Counter[str] = field(default_factory=Counter)
    bindings: set[str] = field(default_factory=set)

    def add(self, member: Member) -> None:
        """Count a scheduled member in."""
        self.members.append(member)
        self.targeting.update(member.clusters)
        self.bindings.add(member.binding)

    def without(self, binding: str) -> Group:
        """The group as a binding of that name sees it: the plugins skip its own name."""
        if binding not in self.bindings:
            return self
        rest = Group()
        for member in self.members:
            if member.binding != binding:
                rest.add(member)
        return rest

    def first(self, here: bool, cluster: str) -> list[str]:
        """Up to :data:`NAMED` members that target ``cluster`` (``here``) or do not."""
        found = []
        for member in self.members:
            if (cluster in member.clusters) == here:
                found.append(member.ref)
                if len(found) == NAMED:
                    break
        return found


# How many members a reason names before it counts the rest.
NAMED = 3


@dataclass
class GroupFilter:
    """Both plugins for one binding over the members scheduled before it.

    Called per cluster by the scheduler's filter step; remembers what it filtered out, for
    the warning when no cluster is left.
    """

    groups: Groups
    affine: Group
    apart: Group
    same_binding: tuple[str, ...] = ()  # other templates Karmada takes for this binding
    denied: dict[str, Verdict] = field(default_factory=dict)

    def __call__(self, cluster: str) -> Verdict | None:
        """The verdict for ``cluster`` (None: no member of any group constrains it)."""
        verdicts = [v for v in (self._affinity(cluster), self._anti_affinity(cluster)) if v]
        denials = [v for v in verdicts if not v.passes]
        if denials:
            # The first filter that fails names the cluster's reason; the note names all.
            members = tuple(ref for v in denials for ref in v.members)
            self.denied[cluster] = Verdict(False, denials[0].reason, members)
            return denials[0]
        if not verdicts:
            return None
        members = tuple(ref for v in verdicts for ref in v.members)
        return Verdict(True, "; ".join(v.reason for v in verdicts), members)

    def _affinity(self, cluster: str) -> Verdict | None:
        """``obeyAffinityGroup`` for every member: each must target the cluster."""
        group = self.affine
        total = len(group.members)
        names = ("workloadAffinity", "affinity", self.groups.affinity)
        away = total - group.targeting[cluster]
        if away:
            refs = group.first(False, cluster)
            return _verdict(False, refs, away, names, f"not here ({AFFINITY_REASON})")
        refs = [m.ref for m in group.members[:NAMED]]
        return _verdict(True, refs, total, names, "here")

    def _anti_affinity(self, cluster: str) -> Verdict | None:
        """``obeyAntiAffinityGroup`` for every member: none may target the cluster."""
        group = self.apart
        names = ("workloadAntiAffinity", "anti-affinity", self.groups.anti_affinity)
        here = group.targeting[cluster]
        if here:
            refs = group.first(True, cluster)
            return _verdict(False, refs, here, names, f"already here ({ANTI_AFFINITY_REASON})")
        refs = [m.ref for m in group.members[:NAMED]]
        return _verdict(True, refs, len(group.members), names, "elsewhere")

    def unschedulable_note(self) -> str:
        """Which members took away the clusters, when the binding found none ("": no say)."""
        if not self.denied:
            return ""
        by_member: dict[str, list[str]] = {}
        for cluster, verdict in sorted(self.denied.items()):
            for ref in verdict.members:
                by_member.setdefault(ref, []).append(cluster)
        taken = "; ".join(f"{ref} rules out {', '.join(c)}" for ref, c in sorted(by_member.items()))
        return f" (workload affinity groups: {taken})"


# How to read, and fix, a binding its groups leave without a cluster.
GROUP_HINT = (
    "kfedgen schedules a namespace's grouped objects in binding-name order (<name>-<kind>), "
    "a live Karmada as they arrive, so there another member may be the one left out; let "
    "the placements of an affinity group share a cluster, or give an anti-affinity group "
    "a cluster per member"
)


def _verdict(
    passes: bool, refs: list[str], count: int, group: tuple[str, str, str], where: str
) -> Verdict | None:
    """What a plugin says of ``count`` members of ``group`` (plugin, side, name), ``refs`` first."""
    if not count:
        return None
    plugin, side, name = group
    does = "keeps it" if passes else "filters it out"
    named = ", ".join(refs) + (f" and {count - len(refs)} more" if count > len(refs) else "")
    be = "is" if count == 1 else "are"
    return Verdict(
        passes, f"{plugin} {does}: {named} of {side} group {name} {be} {where}", tuple(refs)
    )


# The scheduler's hook: a cluster name -> what the workload affinity plugins say.
GroupCheck = Callable[[str], Verdict | None]


def no_groups(_cluster: str) -> Verdict | None:
    """The check of a binding without workload affinity groups: nothing to say."""
    return None


class Ledger:
    """The grouped bindings scheduled so far, by group (the scheduler's two indexers).

    ``pkg/scheduler/indexer.go`` indexes ResourceBindings by affinity and anti-affinity
    group across namespaces; the plugins then keep the binding's own namespace.
    """

    def __init__(self) -> None:
        self._affinity: dict[tuple[str, str], Group] = {}
        self._anti_affinity: dict[tuple[str, str], Group] = {}

    def filter_for(self, member: Member) -> GroupFilter:
        """The plugins' check for a binding about to be scheduled (its clusters unused)."""
        namespace, groups, binding = member.namespace, member.groups, member.binding
        affine = self._affinity.get((namespace, groups.affinity), _EMPTY)
        apart = self._anti_affinity.get((namespace, groups.anti_affinity), _EMPTY)
        shared = {
            f"{m.ref} ({m.api_version})"
            for group in (affine, apart)
            if binding in group.bindings
            for m in group.members
            if m.binding == binding and (m.ref, m.api_version) != (member.ref, member.api_version)
        }
        return GroupFilter(
            groups, affine.without(binding), apart.without(binding), tuple(sorted(shared))
        )

    def record(self, member: Member) -> None:
        """Add a scheduled binding; one without clusters constrains nobody, and is left out."""
        if not member.clusters:
            return
        if member.groups.affinity:
            key = (member.namespace, member.groups.affinity)
            self._affinity.setdefault(key, Group()).add(member)
        if member.groups.anti_affinity:
            key = (member.namespace, member.groups.anti_affinity)
            self._anti_affinity.setdefault(key, Group()).add(member)


# The group of a binding without one, or of a group nobody was scheduled in yet.
_EMPTY = Group()
