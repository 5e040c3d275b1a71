"""The KubeFed ReplicaSchedulingPreference planner, reproduced exactly.

KubeFed v0.10.0 splits an RSP's ``totalReplicas`` over the ready member clusters in
``pkg/controller/util/planner/planner.go`` (``Planner.Plan``).  This module reimplements
that algorithm so a compiled fleet gets the very numbers a live KubeFed control plane
would have written.  Every step below names the part of ``Plan`` it mirrors; see
``/work/shared/reference/kubefed.md`` section 3.3 for the prose specification.

Go does the arithmetic in ``int64``.  Python integers never overflow, so the few places
where Go's arithmetic can wrap (a weight times the replicas still to place, the sum of
the weights) are wrapped explicitly with :func:`_int64`, and Go's truncating division is
reproduced by :func:`_go_quotient`.  For ordinary specs (weights below about 2**32) the
wrapping never happens and the arithmetic is plain integer arithmetic;
:func:`may_overflow_int64` tells the two apart so callers can reject absurd weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from kfedgen.model import WILDCARD_CLUSTER, ClusterPreferences

_FNV1_32_OFFSET_BASIS = 0x811C9DC5
_FNV1_32_PRIME = 0x01000193
_UINT32_MASK = 0xFFFFFFFF
_UINT64_MODULUS = 1 << 64
_INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True)
class PlanResult:
    """What the planner decided.

    ``plan`` has an entry for every available cluster, zeros included, because KubeFed
    places the federated object in clusters planned 0 replicas too.  ``overflow`` holds
    the replicas a cluster was due but could not take because of its estimated capacity;
    KubeFed adds them to that cluster's request anyway.  Both are ordered by cluster name
    so that callers iterating them produce deterministic output.
    """

    plan: dict[str, int]
    overflow: dict[str, int]


DEFAULT_PREFERENCES: Mapping[str, ClusterPreferences] = {
    WILDCARD_CLUSTER: ClusterPreferences(weight=1)
}
"""What an RSP with an empty or absent ``spec.clusters`` map is planned with.

KubeFed substitutes this in ``GetSchedulingResult``
(``pkg/schedulingtypes/replicascheduler.go``), not in API defaulting, so it never shows
up in the stored object.
"""


def fnv1_32(data: bytes) -> int:
    """Return the 32-bit FNV-1 hash of ``data``, as Go's ``hash/fnv.New32`` computes it.

    This is FNV-1 (multiply by the prime, then xor the byte), not FNV-1a: the planner's
    tie-break order, and therefore which cluster gets a leftover replica, depends on it.
    """
    return _fnv1_32_from(_FNV1_32_OFFSET_BASIS, data)


def _fnv1_32_from(digest: int, data: bytes) -> int:
    """FNV-1 of ``data`` continued from the state ``digest``."""
    for byte in data:
        digest = ((digest * _FNV1_32_PRIME) & _UINT32_MASK) ^ byte
    return digest


def salted_fnv1_32(prefixes: Sequence[bytes], suffix: bytes) -> list[int]:
    """``[fnv1_32(prefix + suffix) for prefix in prefixes]``, hashing ``suffix`` at most
    256 times however many prefixes there are.

    The planner hashes every cluster's name followed by one key.  Each FNV-1 step is
    ``h * prime`` then an xor of a byte, which changes only the low 8 bits: it adds a
    value that depends on those bits alone, and the low 8 bits of a product depend only
    on the factors' low 8 bits.  So hashing ``suffix`` from any state ``h`` gives
    ``h * prime**len(suffix) + tail(h & 0xFF)`` (mod 2**32), where ``tail`` depends on
    the suffix and the low byte only: it is computed once per low byte that occurs.
    ``tests/placement/test_kubefed_planner.py`` checks this against :func:`fnv1_32`.
    """
    factor = pow(_FNV1_32_PRIME, len(suffix), _UINT32_MASK + 1)
    tails: dict[int, int] = {}
    hashes = []
    for prefix in prefixes:
        head = fnv1_32(prefix)
        low = head & 0xFF
        tail = tails.get(low)
        if tail is None:
            tail = tails[low] = (_fnv1_32_from(low, suffix) - low * factor) & _UINT32_MASK
        hashes.append((head * factor + tail) & _UINT32_MASK)
    return hashes


def effective_preferences(
    preferences: Mapping[str, ClusterPreferences],
) -> Mapping[str, ClusterPreferences]:
    """Return ``preferences``, or :data:`DEFAULT_PREFERENCES` when the map is empty.

    This is KubeFed's ``GetSchedulingResult`` behaviour: an RSP that names no cluster
    spreads its replicas evenly (weight 1) over every available cluster.
    """
    return preferences if preferences else DEFAULT_PREFERENCES


def preference_for(
    cluster: str, preferences: Mapping[str, ClusterPreferences]
) -> ClusterPreferences | None:
    """Return the preference the planner uses for ``cluster``, or ``None`` if there is none.

    A cluster's own entry wins over the ``"*"`` entry (``Planner.Plan``).  An empty
    ``preferences`` map is first replaced by ``{"*": weight 1}``, as KubeFed's
    ``GetSchedulingResult`` does, so this answers exactly what :func:`plan_replicas` used.
    ``None`` means the cluster is planned 0 replicas and takes no part in the split.
    """
    effective = effective_preferences(preferences)
    own = effective.get(cluster)
    if own is not None:
        return own
    return effective.get(WILDCARD_CLUSTER)


def plan_replicas(
    total_replicas: int,
    available_clusters: Sequence[str],
    preferences: Mapping[str, ClusterPreferences],
    key: str,
    *,
    rebalance: bool = True,
    current_replicas: Mapping[str, int] | None = None,
    estimated_capacity: Mapping[str, int] | None = None,
) -> PlanResult:
    """Split ``total_replicas`` over ``available_clusters`` exactly as KubeFed v0.10.0 does.

    ``preferences`` is the RSP's ``spec.clusters`` map, keyed by cluster name and/or
    ``"*"``.  An empty map means ``{"*": weight 1}`` (KubeFed's ``GetSchedulingResult``).
    ``key`` is the RSP's ``"namespace/name"`` (just ``"name"`` when cluster-scoped); it
    salts the hash that orders clusters of equal weight.

    ``current_replicas`` and ``estimated_capacity`` are the live observations KubeFed
    feeds the planner; an offline compile has neither.  Current replicas only matter
    when ``rebalance`` is false, where they are kept in place first.

    The steps follow ``Planner.Plan``: minimums, then (without rebalance) keeping current
    replicas, then weighted rounds honouring ``maxReplicas`` and capacity.  Replicas that
    fit nowhere are left out of ``plan``.  A name repeated in ``available_clusters`` is
    planned once (KubeFed's list of ready clusters never repeats a name).
    """
    effective = effective_preferences(preferences)
    capacity = estimated_capacity or {}
    state = _PlanState(remaining=total_replicas)

    preferred: list[tuple[str, ClusterPreferences]] = []
    for cluster in dict.fromkeys(available_clusters):
        preference = preference_for(cluster, effective)
        if preference is None:
            state.plan[cluster] = 0
        else:
            preferred.append((cluster, preference))
    # Upstream hashes the cluster name followed by the replica-set key, so that single
    # replicas of different workloads do not all land on the same cluster.
    hashes = salted_fnv1_32([name.encode() for name, _ in preferred], key.encode())
    candidates = [
        _Candidate(name, digest, preference)
        for (name, preference), digest in zip(preferred, hashes, strict=True)
    ]
    candidates.sort(key=_Candidate.sort_key)

    _assign_minimums(state, candidates, capacity)
    if not rebalance:
        _keep_current_replicas(state, candidates, current_replicas or {}, capacity)
    _distribute_by_weight(state, candidates, capacity)

    overflow = state.overflow if rebalance else _trim_overflow(state.overflow, state.remaining)
    return PlanResult(plan=_sorted_by_name(state.plan), overflow=_sorted_by_name(overflow))


def may_overflow_int64(
    total_replicas: int,
    available_clusters: Sequence[str],
    preferences: Mapping[str, ClusterPreferences],
) -> bool:
    """Tell whether KubeFed's int64 arithmetic could wrap while planning these inputs.

    The planner multiplies the replicas still to place by a cluster's weight and adds up
    the weights; with weights beyond about ``2**63 / totalReplicas`` Go silently wraps,
    the split stops making sense, and the rounds can take about ``totalReplicas``
    iterations.  :func:`plan_replicas` reproduces that faithfully, so callers should
    reject such specs before planning.  The check is conservative: ``False`` guarantees
    no wrap for non-negative inputs.
    """
    # Each cluster weighs its own entry's weight, or the wildcard's: counting the clusters
    # without an entry of their own gives what preference_for of every cluster gives, in
    # a pass over the entries (an RSP has few, the fleet may have thousands of clusters).
    clusters = dict.fromkeys(available_clusters)
    effective = effective_preferences(preferences)
    weights = [abs(p.weight) for name, p in effective.items() if name in clusters]
    others = len(clusters) - len(weights)
    wildcard = effective.get(WILDCARD_CLUSTER)
    weight_sum = sum(weights)
    if wildcard is not None and others:
        weights.append(abs(wildcard.weight))
        weight_sum += abs(wildcard.weight) * others
    # The largest value upstream computes is the rounded-up share's numerator,
    # replicas * weight + weightSum - 1; the weight sum itself must fit as well.
    largest_numerator = abs(total_replicas) * max(weights, default=0) + weight_sum - 1
    return weight_sum > _INT64_MAX or largest_numerator > _INT64_MAX


class _Candidate(NamedTuple):
    """A cluster that has a preference (upstream's ``namedClusterPreferences``).

    A named tuple: the planner makes one per cluster and RSP, and a frozen dataclass
    costs twice as much to build.
    """

    name: str
    hash: int
    preference: ClusterPreferences

    def sort_key(self) -> tuple[int, int, str]:
        """Weight descending, then hash ascending (upstream ``byWeight.Less``).

        The name only separates clusters whose hashes collide, where Go's unstable
        ``sort.Sort`` leaves the order unspecified; it keeps the result independent of
        the input order.
        """
        return (-self.preference.weight, self.hash, self.name)


@dataclass
class _PlanState:
    """The planner's working values: replicas not yet placed, and the maps being built."""

    remaining: int
    plan: dict[str, int] = field(default_factory=dict)
    overflow: dict[str, int] = field(default_factory=dict)
    preallocated: dict[str, int] = field(default_factory=dict)

    def set_planned(self, cluster: str, replicas: int) -> None:
        """Plan ``replicas`` for ``cluster``, taking the difference from (or giving it
        back to) the replicas not yet placed."""
        previous = self.plan.get(cluster, 0)
        self.remaining = _int64(self.remaining - (replicas - previous))
        self.plan[cluster] = replicas


def _assign_minimums(
    state: _PlanState, candidates: Sequence[_Candidate], capacity: Mapping[str, int]
) -> None:
    """Give each cluster its ``minReplicas`` first, in sorted order.

    When the minimums add up to more than the total, the clusters sorted first
    (higher weight, then lower hash) get theirs and the rest get what is left.
    """
    for candidate in candidates:
        minimum = min(candidate.preference.min_replicas, state.remaining)
        if candidate.name in capacity:
            minimum = min(minimum, capacity[candidate.name])
        state.set_planned(candidate.name, minimum)


def _keep_current_replicas(
    state: _PlanState,
    candidates: Sequence[_Candidate],
    current_replicas: Mapping[str, int],
    capacity: Mapping[str, int],
) -> None:
    """Without rebalance, let each cluster keep the replicas it already runs.

    Upstream calls this preallocation: the kept replicas are placed now and recorded,
    and the weighted rounds later count them against the cluster's share instead of
    adding to it.  A cluster keeps at most its ``maxReplicas`` and its capacity.
    """
    for candidate in candidates:
        planned = state.plan[candidate.name]
        current = current_replicas.get(candidate.name)
        if current is None or current <= planned:
            continue
        target = current
        if candidate.preference.max_replicas is not None:
            target = min(candidate.preference.max_replicas, target)
        if candidate.name in capacity:
            target = min(capacity[candidate.name], target)
        kept = max(0, min(target - planned, state.remaining))
        state.preallocated[candidate.name] = kept
        state.set_planned(candidate.name, planned + kept)


def _distribute_by_weight(
    state: _PlanState, candidates: Sequence[_Candidate], capacity: Mapping[str, int]
) -> None:
    """Share out the remaining replicas by weight, round after round.

    One round is rarely enough: shares are rounded up, and clusters that hit their
    ``maxReplicas`` or capacity drop out, leaving replicas for the next round.  Rounds
    stop when everything is placed or a round changes nothing.
    """
    active = list(candidates)
    changed = True
    while changed and state.remaining > 0:
        weight_sum = _int64(sum(candidate.preference.weight for candidate in active))
        if weight_sum <= 0:
            # Upstream leaves its inner loop before touching any cluster and no cluster
            # survives into the next round, so nothing more is ever placed.
            return
        replicas_this_round = state.remaining
        changed = False
        still_active: list[_Candidate] = []
        for candidate in active:
            progressed, full = _give_share(
                state, candidate, replicas_this_round, weight_sum, capacity
            )
            changed = changed or progressed
            if not full:
                still_active.append(candidate)
        active = still_active


def _give_share(
    state: _PlanState,
    candidate: _Candidate,
    replicas_this_round: int,
    weight_sum: int,
    capacity: Mapping[str, int],
) -> tuple[bool, bool]:
    """Give one cluster its weighted share of this round; return (progressed, full).

    The share is rounded up but capped by the replicas still unplaced at this moment,
    so the clusters sorted last absorb the rounding.  Replicas kept in place earlier
    (preallocated) are used up before the cluster grows.
    """
    name = candidate.name
    preference = candidate.preference
    start = state.plan[name]

    share = _go_quotient(
        _int64(_int64(replicas_this_round * preference.weight) + weight_sum - 1), weight_sum
    )
    share = min(share, state.remaining)
    preallocated = state.preallocated.get(name, 0)
    used_preallocation = 0
    # Without preallocation (always, with rebalance) and a share of at least 0, the steps
    # below change nothing: 0 is used, 0 stays (an absent entry reads as 0), and the share
    # is already an int64.  Skipping them saves most of the planner's per-cluster work.
    if preallocated or share < 0:
        used_preallocation = min(share, preallocated)
        state.preallocated[name] = _int64(preallocated - used_preallocation)
        share = _int64(share - used_preallocation)

    total = _int64(start + share)
    full = False
    if preference.max_replicas is not None and total > preference.max_replicas:
        total = preference.max_replicas
        full = True
    cluster_capacity = capacity.get(name)
    if cluster_capacity is not None and total > cluster_capacity:
        state.overflow[name] = _int64(total - cluster_capacity)
        total = cluster_capacity
        full = True

    state.set_planned(name, total)
    return used_preallocation > 0 or total > start, full


def _trim_overflow(overflow: Mapping[str, int], remaining: int) -> dict[str, int]:
    """Without rebalance, overflow is limited to the replicas that found no place at all."""
    trimmed = {cluster: min(value, remaining) for cluster, value in overflow.items()}
    return {cluster: value for cluster, value in trimmed.items() if value > 0}


def _sorted_by_name(replicas: Mapping[str, int]) -> dict[str, int]:
    return {cluster: replicas[cluster] for cluster in sorted(replicas)}


def _int64(value: int) -> int:
    """Wrap ``value`` to a signed 64-bit integer, as Go's int64 arithmetic does."""
    wrapped = value % _UINT64_MODULUS
    return wrapped - _UINT64_MODULUS if wrapped > _INT64_MAX else wrapped


def _go_quotient(numerator: int, denominator: int) -> int:
    """Integer division truncating toward zero, like Go's ``/`` (Python's ``//`` floors)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator < 0) == (denominator < 0) else -quotient
