"""Integer weights proportional to replica counts: the largest-remainder (Hamilton) method.

Each cluster gets the floor of its exact quota ``total * share / sum(shares)``; the units
left over go one each to the largest remainders, ties broken by cluster name (ascending),
so the result is deterministic and independent of input order.  It sums to ``total``
exactly (unless every share is 0, when every weight is 0), no weight is more than one unit
away from its exact quota, and a cluster with share 0 (a drained cluster) always gets 0:
its remainder is 0, and the leftover units never reach it because the positive remainders
add up to the number of leftover units, each less than one.
"""

from __future__ import annotations

from collections.abc import Mapping


def apportion(total: int, shares: Mapping[str, int]) -> dict[str, int]:
    """``total`` divided between the keys of ``shares`` in proportion to their values.

    ``total`` and every share must be non-negative.  Returns every key of ``shares``.
    """
    whole = sum(shares.values())
    if whole == 0:
        return dict.fromkeys(shares, 0)
    weights = {name: total * share // whole for name, share in shares.items()}
    # The remainders as integers (total * share mod whole), so no float rounding decides.
    remainders = {name: total * share % whole for name, share in shares.items()}
    left = total - sum(weights.values())
    ranked = sorted(shares, key=lambda name: (-remainders[name], name))
    for name in ranked[:left]:
        weights[name] += 1
    return weights
