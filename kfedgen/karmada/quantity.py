"""Kubernetes resource quantities: parsed, summed and written as ``resource.Quantity`` does.

Port of the behaviour of ``k8s.io/apimachinery/pkg/api/resource`` (``quantity.go``:
``ParseQuantity``, ``Quantity.Add``, ``CanonicalizeBytes``; ``amount.go``
``AsCanonicalBytes``/``AsCanonicalBase1024Bytes``), which Karmada's Lua ``kube`` library
uses (``luavm/kube.go`` ``resourceAdd``, ``getResourceQuantity``) and its resource
arithmetic (``pkg/util/resource.go``).  A quantity is an exact decimal here; the format
(binary, decimal SI, decimal exponent) is the one its text used, as in Kubernetes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext

BINARY_SI = "BinarySI"
DECIMAL_SI = "DecimalSI"
DECIMAL_EXPONENT = "DecimalExponent"

_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exponent: suffix for suffix, exponent in _DECIMAL.items()}
_BINARY_SUFFIX = {bits: suffix for suffix, bits in _BINARY.items()}
_PATTERN = re.compile(r"^([+-]?)(\d*)(?:\.(\d*))?((?:[eE][+-]?\d+)|[a-zA-Z]*)$")
_NANO = Decimal("1e-9")
# ``maxAllowed`` in quantity.go: the largest amount ``Value``/``MilliValue`` (int64) can hold,
# and the cap ``ParseQuantity`` puts on binary amounts.
MAX_ALLOWED = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ALLOWED))
_INT32 = 2**32


class QuantityError(ValueError):
    """Text that is not a Kubernetes quantity (``resource.ErrFormatWrong``)."""


@dataclass(frozen=True)
class Quantity:
    """An exact amount and the format Kubernetes writes it in."""

    value: Decimal
    format: str = DECIMAL_SI

    def __str__(self) -> str:
        return canonical(self)

    def milli_value(self) -> int:
        """``MilliValue``: the amount in thousandths, rounded up."""
        return _ceil(self.value * 1000)

    def int_value(self) -> int:
        """``Value``: the amount rounded up to an integer."""
        return _ceil(self.value)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def parse(text: str) -> Quantity:
    """``resource.ParseQuantity``: precision beyond nano units is rounded up, as there.

    Amounts above :data:`MAX_ALLOWED` are refused: Kubernetes keeps a decimal one exactly, but
    every reader of it (``Value``, ``MilliValue``, the scheduler's sums) overflows int64, so
    no cluster could honour it; binary ones are capped there, as Kubernetes caps them.
    """
    match = _PATTERN.match(text.strip()) if text else None
    if match is None or not (match.group(2) or match.group(3)):
        # resource.ErrFormatWrong's text, which names Kubernetes' own pattern.
        raise QuantityError(
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    sign, whole, fraction, suffix = match.groups()
    number = Decimal(f"{sign}{whole or '0'}.{fraction or '0'}")
    if suffix in _BINARY:
        fmt, exponent = BINARY_SI, 0
    elif suffix in _DECIMAL:
        fmt, exponent = DECIMAL_SI, _DECIMAL[suffix]
    elif suffix[:1] in ("e", "E"):
        fmt, exponent = DECIMAL_EXPONENT, _exponent(suffix)
    else:
        raise QuantityError(f"unable to parse quantity's suffix {suffix!r}")
    if not number:
        return Quantity(Decimal(0), fmt)
    if number.adjusted() + exponent > _MAX_DIGITS:
        raise QuantityError(_too_large(text))
    if number.adjusted() + exponent < -9:
        # Below one nano unit: rounded up to it (away from zero), as ParseQuantity does.
        return Quantity(_NANO.copy_sign(number), fmt)
    with localcontext() as context:
        context.prec = 80
        if fmt == BINARY_SI:
            value = number * (Decimal(2) ** _BINARY[suffix])
        else:
            value = number.scaleb(exponent)
        value = (value / _NANO).to_integral_value(rounding=ROUND_CEILING) * _NANO
    if abs(value) > MAX_ALLOWED:
        if fmt != BINARY_SI:
            raise QuantityError(_too_large(text))
        value = Decimal(MAX_ALLOWED).copy_sign(value)
    return Quantity(value.normalize() if value else Decimal(0), fmt)


def _exponent(suffix: str) -> int:
    """The exponent of an ``e``/``E`` suffix, read as ``suffixHandler.interpret`` does.

    Go parses it as an int64 (text that does not fit is a bad suffix) and keeps the low 32
    bits (``int32(parsed)``), so an exponent of 2**32 is an exponent of 0 there and here.
    """
    digits = suffix[1:].lstrip("+-").lstrip("0")
    if len(digits) > _MAX_DIGITS or abs(int(suffix[1:] if digits else "0")) > MAX_ALLOWED:
        raise QuantityError(f"unable to parse quantity's suffix {suffix!r}")
    return (int(suffix[1:]) + _INT32 // 2) % _INT32 - _INT32 // 2


def _too_large(text: str) -> str:
    return (
        f"quantity {text!r} is larger than {MAX_ALLOWED}, the largest amount Kubernetes can "
        "count in (an int64)"
    )


def from_number(number: float | int) -> Quantity:
    """A JSON number as a quantity (``Quantity.UnmarshalJSON`` reads its text)."""
    text = str(number) if isinstance(number, int) else repr(float(number))
    return parse(text)


def add(quantities: list[Quantity]) -> Quantity:
    """``Quantity.Add`` from zero: the sum, in the format of the first non-zero term."""
    total, fmt = Decimal(0), ""
    for quantity in quantities:
        if total == 0:
            fmt = quantity.format
        total += quantity.value
    return Quantity(total, fmt)


def canonical(quantity: Quantity) -> str:
    """``Quantity.String``: the canonical text Kubernetes writes for ``quantity``."""
    value = quantity.value
    if value == 0:
        return "0"
    fmt = quantity.format
    if fmt == BINARY_SI and (-1024 < value < 1024 or value != value.to_integral_value()):
        fmt = DECIMAL_SI  # CanonicalizeBytes: small or fractional binary amounts are decimal
    elif fmt not in (BINARY_SI, DECIMAL_SI):
        fmt = DECIMAL_EXPONENT
    if fmt == BINARY_SI:
        return _base1024(int(value))
    mantissa, exponent = _mantissa_exponent(value)
    if fmt == DECIMAL_SI and exponent in _DECIMAL_SUFFIX:
        return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


def _mantissa_exponent(value: Decimal) -> tuple[int, int]:
    """An integer mantissa and an exponent that is a multiple of 3 (``AsCanonicalBytes``)."""
    sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)  # noqa: S101 - finite by construction
    mantissa = int("".join(map(str, digits)))
    shift = exponent % 3  # Python's floor modulo: round the exponent down to a multiple of 3
    return (-1 if sign else 1) * mantissa * 10**shift, exponent - shift


def _base1024(value: int) -> str:
    """``AsCanonicalBase1024Bytes``: the largest binary suffix that divides the amount."""
    bits = 0
    while bits < 60 and value % 1024 == 0:
        value //= 1024
        bits += 10
    return f"{value}{_BINARY_SUFFIX.get(bits, '')}"
