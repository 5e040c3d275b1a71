"""Recognise an ``apiVersion`` that was meant to be one kfedgen reads.

A document whose ``apiVersion`` is not one of kfedgen's is a plain object, rendered only when
a Karmada policy selects it.  A typo there (``types.kubefed.i/v1beta1``, ``karmada.io/v1alpha1``
for a PropagationPolicy) would then silently turn a federated resource or a policy into an
object nothing renders; these are reported with the apiVersion that was meant instead.

Two rules, both narrow enough that real API groups are not caught:

* the group is within two edits of a group kfedgen reads (``scheduling.k8s.io``,
  ``cluster.x-k8s.io`` and Karmada's other groups such as ``work.karmada.io`` are farther);
* the kind is one only kfedgen's groups define (``PropagationPolicy``,
  ``FederatedDeployment``, ...); ``Cluster`` and ``Fleet`` are excluded, since Cluster API,
  CloudNativePG, Agones and others have kinds of those names, and so is
  ``MultiClusterService``, which GKE's ``networking.gke.io`` defines too.
"""

from __future__ import annotations

from collections.abc import Iterable

# Kind names that other projects' API groups define too.
SHARED_KIND_NAMES = frozenset({"Cluster", "Fleet", "MultiClusterService"})
MAX_GROUP_EDITS = 2


def meant_api_version(
    api_version: str, kind: str, known: Iterable[tuple[str, str]], groups: Iterable[str]
) -> str | None:
    """The apiVersion ``api_version``/``kind`` was probably meant to be, or None.

    ``known`` are the (apiVersion, kind) pairs kfedgen reads; ``groups`` the API groups whose
    kinds it must all understand.  Call it only for documents that are none of ``known``.
    """
    group, _, version = api_version.rpartition("/")
    known = list(known)
    versions_of_kind = sorted({v for v, k in known if k == kind})
    close = [g for g in groups if g != group and _edits(group.lower(), g) <= MAX_GROUP_EDITS]
    if close:
        target = min(close, key=lambda g: (_edits(group.lower(), g), g))
        same_group = [v for v in versions_of_kind if v.startswith(target + "/")]
        return same_group[0] if same_group else f"{target}/{version}"
    if kind in SHARED_KIND_NAMES or len(versions_of_kind) != 1:
        return None
    return versions_of_kind[0]


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]
