"""Kubernetes resource quantities (``500m``, ``128Gi``, ``1e3``), parsed exactly.

Shared vocabulary: the feasibility checks and a capacity estimate both count resources
the way the scheduler does.  The grammar is apimachinery's ``ParseQuantity``
(``k8s.io/apimachinery/pkg/api/resource/quantity.go``): a signed decimal number and one
suffix, binary (``Ki`` .. ``Ei``), decimal (``n``, ``u``, ``m``, none, ``k`` .. ``E``) or a
decimal exponent (``e3``).  Values are :class:`fractions.Fraction`, so ``0.1`` + ``0.2`` is
``0.3`` and nothing is lost to floating point.

The scheduler compares integers: CPU in thousandths of a core (``Quantity.MilliValue``),
everything else in whole units (``Quantity.Value``), both rounded up
(``k8s.io/kubernetes/pkg/scheduler/framework/types.go``, ``Resource.Add``);
:func:`scheduler_units` does the same.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction
from typing import Any

CPU = "cpu"
PODS = "pods"

_NUMBER = re.compile(
    r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?"
)
_MAX_EXPONENT = 64
_SUFFIXES: dict[str, Fraction] = {
    **{s: Fraction(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    **{s: Fraction(1000) ** (i + 1) for i, s in enumerate(("k", "M", "G", "T", "P", "E"))},
}


def parse_quantity(value: Any) -> Fraction | None:
    """The exact value of a quantity (a string, or a YAML number), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        # The JSON number a YAML float becomes, read back as its shortest decimal.
        return Fraction(repr(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> Fraction | None:
    # Cached: a fleet writes the same few quantities ("500m", "2Gi") in thousands of pods.
    match = _NUMBER.fullmatch(value)
    if match is None:
        return None
    number, suffix, exponent = Fraction(match.group(1)), match.group(2), match.group(3)
    if exponent is not None:
        # A bound of kfedgen's, so that "1e999999999" cannot make it compute for ever;
        # Kubernetes' int64 counts end at about 9.2e18 anyway.
        power = int(exponent)
        return number * Fraction(10) ** power if abs(power) <= _MAX_EXPONENT else None
    return number * _SUFFIXES[suffix or ""]


def scheduler_units(resource: str, amount: Fraction) -> int:
    """``amount`` of ``resource`` as the scheduler counts it: milli-CPU, else units, rounded up."""
    return math.ceil(amount * 1000) if resource == CPU else math.ceil(amount)


def format_units(resource: str, units: int) -> str:
    """A scheduler count back as a quantity a user writes: ``500m``, ``2``, ``128Gi``."""
    if resource == CPU:
        return str(units // 1000) if units % 1000 == 0 else f"{units}m"
    if resource == PODS or units == 0:
        return str(units)
    for power, suffix in ((5, "Pi"), (4, "Ti"), (3, "Gi"), (2, "Mi"), (1, "Ki")):
        if units % 1024**power == 0:
            return f"{units // 1024**power}{suffix}"
    for power, suffix in ((4, "T"), (3, "G"), (2, "M"), (1, "k")):
        if units % 1000**power == 0:
            return f"{units // 1000**power}{suffix}"
    return str(units)
