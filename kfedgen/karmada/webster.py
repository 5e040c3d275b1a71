"""Static-weight replica division the way Karmada >= v1.16 does it.

Karmada replaced its floor-plus-remainder division (with a crypto-random tie-break) by the
Webster / Sainte-Lague highest-averages method in v1.16 (PRs #6772, #6793, #6837): seats are
handed out one at a time to the party with the largest ``votes / (2 * seats + 1)``.  Because no
seat is ever taken back, raising the replica count never lowers any cluster's share (issue #6735).

Sources: ``pkg/util/helper/webstermethod.go`` (``AllocateWebsterSeats``),
``pkg/util/helper/binding.go`` (``tieBreakerByUID``, ``Dispenser.AllocateByWeight``) and
``pkg/scheduler/core/division_algorithm.go`` (``getStaticWeightInfoList``).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, TypeVar

__all__ = [
    "Party",
    "TieBreaker",
    "allocate_webster_seats",
    "divide_by_static_weights",
    "fnv32a",
    "names_descending",
    "resolve_static_weights",
]


class Party(NamedTuple):
    """One party (cluster) as Karmada's ``helper.Party``: name, votes (weight), seats (replicas)."""

    name: str
    votes: int
    seats: int


_Target = TypeVar("_Target")

# ``func(a, b Party) bool``: True when ``a`` gets the next seat before ``b`` on a priority tie.
TieBreaker = Callable[[Party, Party], bool]

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def fnv32a(text: str) -> int:
    """Return the 32-bit FNV-1a hash of ``text`` (UTF-8), as Go's ``hash/fnv.New32a``."""
    value = _FNV32_OFFSET
    for byte in text.encode():
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def names_descending(uid: str) -> bool:
    """Tell whether Karmada breaks name ties in descending order for this resource UID.

    ``tieBreakerByUID``: an empty UID or an even FNV-32a hash keeps ascending names; an odd hash
    reverses them, so that equal-weight workloads do not all pile their remainder on the same
    cluster.  An offline compiler has no UID, which means ascending names.
    """
    return uid != "" and fnv32a(uid) & 1 == 1


class _Entry:
    """A heap entry ordered exactly like ``WebsterPriorityQueue.Less`` (smallest = next seat)."""

    __slots__ = ("descending", "name", "priority", "seats", "tie_breaker", "votes")

    def __init__(
        self, name: str, votes: int, seats: int, descending: bool, tie_breaker: TieBreaker | None
    ) -> None:
        self.name = name
        self.votes = votes
        self.seats = seats
        self.descending = descending
        self.tie_breaker = tie_breaker
        # Go compares float64 quotients of float64 operands; Python floats are the same IEEE type.
        self.priority = float(votes) / float(2 * seats + 1)

    def __lt__(self, other: _Entry) -> bool:
        if self.priority != other.priority:
            return self.priority > other.priority
        if self.tie_breaker is not None:
            # A custom tie-breaker replaces both default rules (webstermethod.go).
            return self.tie_breaker(self.party(), other.party())
        if self.seats != other.seats:
            # Fewer seats first: favours small clusters, which helps HA (webstermethod.go).
            return self.seats < other.seats
        if self.descending:
            return self.name > other.name
        return self.name < other.name

    def party(self) -> Party:
        return Party(self.name, self.votes, self.seats)


def allocate_webster_seats(
    seats_to_add: int,
    votes: Mapping[str, int],
    initial: Mapping[str, int] | None = None,
    uid: str = "",
    *,
    tie_breaker: TieBreaker | None = None,
) -> dict[str, int]:
    """Hand out ``seats_to_add`` seats one at a time by the Webster method.

    Mirrors ``AllocateWebsterSeats``: parties present only in ``initial`` take part with zero
    votes (so they keep their seats but never win one); ties on priority go to the party with
    fewer seats, then to the smaller name (larger name when ``uid`` has an odd FNV-32a hash).
    ``tie_breaker`` replaces both tie rules, as the Go function's optional argument does.

    Returns every party's final seats, sorted by name; an empty dict when there are no parties
    (Go returns nil).  A non-positive ``seats_to_add`` hands out nothing.
    """
    seats = dict(initial or {})
    parties = {name: (0, count) for name, count in seats.items()}
    for name, vote in votes.items():
        parties[name] = (vote, parties.get(name, (0, 0))[1])
    if not parties:
        return {}
    descending = names_descending(uid)
    heap = [
        _Entry(name, vote, count, descending, tie_breaker)
        for name, (vote, count) in parties.items()
    ]
    heapq.heapify(heap)
    for _ in range(max(seats_to_add, 0)):
        best = heap[0]
        heapq.heapreplace(
            heap, _Entry(best.name, best.votes, best.seats + 1, descending, tie_breaker)
        )
    return {entry.name: entry.seats for entry in sorted(heap, key=lambda e: e.name)}


def resolve_static_weights(
    candidates: Iterable[str],
    rules: Iterable[tuple[_Target, int]],
    matches: Callable[[str, _Target], bool],
) -> dict[str, int]:
    """Resolve each candidate's static weight: the maximum over the matching rules, else 0.

    ``rules`` are ``(targetCluster, weight)`` pairs from ``staticWeightList``; ``matches`` decides
    whether a cluster matches a ``targetCluster`` (Karmada's ``util.ClusterMatches``).  Karmada
    takes the max, not the sum, since PR #2845 (``getStaticWeightInfoList``).
    """
    rule_list = list(rules)
    return {
        cluster: max((w for target, w in rule_list if matches(cluster, target)), default=0)
        for cluster in candidates
    }


def divide_by_static_weights(
    replicas: int, weights: Mapping[str, int], uid: str = ""
) -> dict[str, int]:
    """Divide ``replicas`` over candidate clusters with already-resolved static weights.

    Follows ``assignByStaticWeightStrategy``: candidates with weight 0 (no rule matched) are left
    out; if that leaves none, every candidate gets weight 1 (``getStaticWeightInfoList``); the
    previous assignment is ignored; clusters that end with 0 replicas are dropped
    (``removeZeroReplicasCluster``).  Returns ``{cluster: replicas}`` sorted by cluster name.
    """
    if replicas < 0:
        raise ValueError(f"replicas must not be negative, got {replicas}")
    votes = {name: weight for name, weight in weights.items() if weight > 0}
    if not votes:
        votes = dict.fromkeys(weights, 1)
    seats = allocate_webster_seats(replicas, votes, None, uid)
    return {name: count for name, count in seats.items() if count > 0}
