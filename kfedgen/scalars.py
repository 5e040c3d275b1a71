"""What the YAML readers of Kubernetes tools make of a plain (unquoted) scalar.

kfedgen's output is read by kubectl (``sigs.k8s.io/yaml``, go-yaml v2 underneath,
then JSON), by kustomize (kyaml, go-yaml v3, then JSON), which is what Argo CD
and Flux run, and by anything that follows YAML 1.1 or the YAML 1.2 core schema.
They disagree about plain scalars: go-yaml v2 reads ``y`` and ``on`` as booleans
where v3 reads strings, v3 builds timestamps that kustomize then rewrites, PyYAML
(YAML 1.1) reads ``12:30`` as 750 where neither Go reader does.

This module models those readers, so that

* the emitter writes a string bare only when *every* reader resolves it as a
  string (:func:`plain_is_string`), and
* the loader gives a plain scalar the meaning ``kubectl apply`` gives it, or
  reports where kubectl and kustomize disagree (:func:`kubernetes_reading`).

The go-yaml model follows ``resolve.go`` of go-yaml v2 and v3 (as forked in
``sigs.k8s.io/yaml`` v1.4.0, which kubectl 1.32 uses) and Go's ``strconv`` and
``time.Parse``; ``tests/test_consumer_fidelity.py`` checks it against the real
kubectl and kustomize.
"""

from __future__ import annotations

import calendar
import enum
import functools
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml


class Kind(enum.Enum):
    """The type a reader resolves a plain scalar to."""

    STR = "string"
    BOOL = "boolean"
    NULL = "null"
    INT = "integer"
    FLOAT = "number"
    TIMESTAMP = "timestamp"
    MERGE = "merge key"


@dataclass(frozen=True)
class Resolved:
    kind: Kind
    value: Any


# go-yaml's resolveMap: exact spellings, looked up before any number parsing.
_GO_COMMON: dict[str, Resolved] = {
    **{s: Resolved(Kind.BOOL, True) for s in ("true", "True", "TRUE")},
    **{s: Resolved(Kind.BOOL, False) for s in ("false", "False", "FALSE")},
    **{s: Resolved(Kind.NULL, None) for s in ("", "~", "null", "Null", "NULL")},
    **{s: Resolved(Kind.FLOAT, float("nan")) for s in (".nan", ".NaN", ".NAN")},
    **{s: Resolved(Kind.FLOAT, float("inf")) for s in (".inf", ".Inf", ".INF")},
    **{s: Resolved(Kind.FLOAT, float("inf")) for s in ("+.inf", "+.Inf", "+.INF")},
    **{s: Resolved(Kind.FLOAT, float("-inf")) for s in ("-.inf", "-.Inf", "-.INF")},
    "<<": Resolved(Kind.MERGE, "<<"),
}
# go-yaml v2 keeps YAML 1.1's other booleans; v3 dropped them.
_GO_V2_ONLY: dict[str, Resolved] = {
    **{s: Resolved(Kind.BOOL, True) for s in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")},
    **{s: Resolved(Kind.BOOL, False) for s in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")},
}
_GO_V2_MAP = {**_GO_COMMON, **_GO_V2_ONLY}
# go-yaml only tries numbers and timestamps for these first characters.
_GO_NUMBER_START = frozenset("+-0123456789")
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_DOT_FLOAT = re.compile(r"\.[0-9_]+([eE][-+]?[0-9][0-9_]*)?")
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_STR = Resolved(Kind.STR, None)


def go_resolve(text: str, *, v2: bool) -> Resolved:
    """go-yaml's ``resolve`` of an untagged plain scalar (v2 when ``v2``, else v3)."""
    item = (_GO_V2_MAP if v2 else _GO_COMMON).get(text)
    if item is not None:
        return item
    first = text[0]
    if first == ".":
        # Not in the map, so maybe a float: strconv.ParseFloat of the raw text.
        if _GO_DOT_FLOAT.fullmatch(text) and _underscore_ok(text):
            number = float(text.replace("_", ""))
            if number != float("inf"):  # ParseFloat's range error: a string
                return Resolved(Kind.FLOAT, number)
        return _STR
    if first not in _GO_NUMBER_START:
        return _STR
    if go_timestamp(text) is not None:
        return Resolved(Kind.TIMESTAMP, text)
    plain = text.replace("_", "")
    integer = _go_parse_int(plain, 0, signed=True)
    if integer is None:
        integer = _go_parse_int(plain, 0, signed=False)
    if integer is not None:
        return Resolved(Kind.INT, integer)
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        real = float(plain)
        if abs(real) != float("inf"):
            return Resolved(Kind.FLOAT, real)
    binary = None
    if plain.startswith("0b"):
        binary = _go_parse_int(plain[2:], 2, signed=True)
        if binary is None:
            binary = _go_parse_int(plain[2:], 2, signed=False)
    elif plain.startswith("-0b"):
        binary = _go_parse_int("-" + plain[3:], 2, signed=True)
    # v3's extra "0o" branch only repeats what ParseInt's base prefix already did.
    return _STR if binary is None else Resolved(Kind.INT, binary)


def _go_parse_int(text: str, base: int, *, signed: bool) -> int | None:
    """strconv.ParseInt(text, base, 64) (or ParseUint): the value, or None on any error."""
    value = _go_integer_syntax(text, base, signed=signed)
    if value is None:
        return None
    low, high = (_INT64_MIN, _INT64_MAX) if signed else (0, _UINT64_MAX)
    return value if low <= value <= high else None


def _go_integer_syntax(text: str, base: int, *, signed: bool) -> int | None:
    """The value of ``text`` in ParseInt's syntax, of any size; None when it is not one."""
    negative = False
    if signed and text[:1] in ("+", "-"):
        negative = text[0] == "-"
        text = text[1:]
    if not text:
        return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefix = text[1:2].lower()
            if len(text) >= 3 and prefix in ("b", "o", "x"):
                base = {"b": 2, "o": 8, "x": 16}[prefix]
                text = text[2:]
            else:
                base = 8
                text = text[1:]
    value = 0
    for char in text:
        digit = _digit(char)
        if digit >= base:
            return None
        value = value * base + digit
    return -value if negative else value


def _out_of_range(text: str) -> bool:
    """Whether ``text`` is written like a number too large for go-yaml, which reads a string."""
    if text[0] == ".":
        return bool(_GO_DOT_FLOAT.fullmatch(text)) and _underscore_ok(text)
    plain = text.replace("_", "")
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        return True  # a float only fails by overflowing
    return _go_integer_syntax(plain, 0, signed=True) is not None


def _digit(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "a" <= char.lower() <= "z":
        return ord(char.lower()) - ord("a") + 10
    return 99  # not a digit in any base


def _underscore_ok(text: str) -> bool:
    """Go's rule: an underscore stands only between digits (or after a base prefix)."""
    text = text[1:] if text[:1] in ("+", "-") else text
    saw = "^"
    for char in text:
        if "0" <= char <= "9":
            saw = "0"
        elif char == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


# go-yaml's allowedTimestampFormats as time.Parse reads them: one- or two-digit
# month, day, hour, minute and second; a fraction after "." or ","; "T" and "t"
# take a "Z" or "+hh:mm" zone, one or more spaces take none; or a date alone.
_GO_TIMESTAMP = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?:[Tt](?P<clock>[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})(?:[.,](?P<frac>[0-9]+))?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2}))"
    r"|(?: +(?P<clock2>[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})(?:[.,](?P<frac2>[0-9]+))?))?"
)


@dataclass(frozen=True)
class Timestamp:
    """A plain scalar go-yaml reads as a timestamp, and how kustomize writes it back."""

    rewritten: str | None  # None: Go's Time.MarshalJSON refuses it (zone offset >= 24 h)


@functools.lru_cache(maxsize=4096)
def go_timestamp(text: str) -> Timestamp | None:
    """go-yaml's parseTimestamp (Go's time.Parse), or None when ``text`` is not one."""
    match = _GO_TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        return None
    clock = match["clock"] or match["clock2"] or "0:0:0"
    hour, minute, second = (int(part) for part in clock.split(":"))
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    zone = match["zone"]
    if zone and zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 24 or zone_minutes > 60:
            return None
        offset = zone_hours * 60 + zone_minutes
        if offset >= 24 * 60:
            return Timestamp(None)
        offset = -offset if zone[0] == "-" else offset
    # Time.MarshalJSON writes RFC 3339 with nanoseconds, trailing zeros trimmed.
    fraction = (match["frac"] or match["frac2"] or "")[:9].rstrip("0")
    written = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    written += f".{fraction}" if fraction else ""
    if offset == 0:
        written += "Z"
    else:
        sign = "-" if offset < 0 else "+"
        written += f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return Timestamp(written)


# YAML 1.2 core schema (spec 1.2.2, 10.3.2), for readers that follow it.
_CORE_12 = re.compile(
    r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
# YAML 1.1's booleans include these four, which PyYAML leaves out.
_YAML_11_SHORT_BOOLS = frozenset(("y", "Y", "n", "N"))
_STR_TAG = "tag:yaml.org,2002:str"
_YAML_11 = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=65536)
def plain_is_string(text: str) -> bool:
    """Whether every reader resolves the plain scalar ``text`` as a string.

    The readers: go-yaml v2 and v3 (:func:`go_resolve`), YAML 1.2's core schema
    and YAML 1.1 (PyYAML's implementation of its type regexps, which include
    sexagesimal numbers, ``=`` and ``<<``, plus the spec's ``y``/``n``).  The
    empty string is null to all of them.
    """
    if not text:
        return False
    if _YAML_11.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG:  # type: ignore[no-untyped-call]
        return False
    if text in _YAML_11_SHORT_BOOLS or _CORE_12.fullmatch(text):
        return False
    return (
        go_resolve(text, v2=True).kind is Kind.STR and go_resolve(text, v2=False).kind is Kind.STR
    )


@dataclass(frozen=True)
class Reading:
    """What ``kubectl apply`` makes of a plain scalar, or why it cannot be used as is."""

    value: Any  # kubectl's value (JSON-normalised)
    problem: str = ""  # non-empty when the value must be quoted (or rewritten)
    hint: str = ""
    readers_differ: bool = False  # kubectl and kustomize mean different things


_FIRST_UNSURE = frozenset("+-.0123456789yYnNtTfFoO~<")


@functools.lru_cache(maxsize=65536)
def kubernetes_reading(text: str) -> Reading:
    """The meaning of the plain value ``text`` to kubectl, checked against kustomize.

    kubectl's meaning is go-yaml v2's type, then JSON: a float that JSON writes
    as an integer (``1e3``, ``08``, ``1.``) is that integer; timestamps stay the
    text.  kustomize reads with go-yaml v3 and writes timestamps in RFC 3339.
    Where the two differ the reading carries a problem: quoting is the fix.
    """
    if text and text[0] not in _FIRST_UNSURE:
        return Reading(text)  # go-yaml tries no other type for these
    v2 = go_resolve(text, v2=True)
    v3 = go_resolve(text, v2=False)
    kubectl = _kubectl_value(text, v2)
    if v3.kind is Kind.TIMESTAMP:
        stamp = go_timestamp(text)
        # (stamp is never None here: go-yaml v3 found a timestamp)
        if stamp is None or stamp.rewritten == text:
            return Reading(text)
        written = (
            f"writes as {stamp.rewritten}"
            if stamp.rewritten
            else "cannot write (its zone offset is 24 hours or more)"
        )
        return Reading(
            kubectl,
            f"plain value {text} means different things to Kubernetes tools: kubectl reads "
            f"the string {json.dumps(text, ensure_ascii=False)}, kustomize (and so Argo CD "
            f"and Flux) a timestamp it {written}",
            f'quote it: "{text}"',
            readers_differ=True,
        )
    if v2.kind is Kind.STR and _out_of_range(text):
        return Reading(
            text,
            f"plain value {text} is a number too large for Kubernetes tools: kubectl and "
            "kustomize read it as a string, other YAML readers as a number or infinity",
            f'write a smaller number, or quote it ("{text}") if you mean the string',
        )
    if v2.kind is not v3.kind:
        return Reading(
            kubectl,
            f"plain value {text} means different things to Kubernetes tools: kubectl reads "
            f"{describe(v2.kind, kubectl)}, kustomize (and so Argo CD and Flux) "
            f"{describe(v3.kind, text)}",
            f'quote it ("{text}") for the string, '
            f"or write {_json(kubectl)} for the {v2.kind.value}",
            readers_differ=True,
        )
    return Reading(kubectl)


@functools.lru_cache(maxsize=65536)
def key_problem(text: str) -> str:
    """Why the plain mapping key ``text`` cannot be used ("" when it is a string to all)."""
    if text and text[0] not in _FIRST_UNSURE:
        return ""
    v2 = go_resolve(text, v2=True)
    v3 = go_resolve(text, v2=False)
    if v2.kind in (Kind.STR, Kind.MERGE) and v3.kind is v2.kind:
        return ""
    # kubectl turns numbers and booleans into key strings, kustomize fails on any.
    reader = "kubectl" if v3.kind is Kind.STR else "kubectl and kustomize"
    kind = v2.kind if v3.kind is Kind.STR else v3.kind
    verb = "reads" if v3.kind is Kind.STR else "read"
    shown = text or "''"
    return (
        f"mapping key {shown} is not a string: {reader} {verb} "
        f"{describe(kind, _kubectl_value(text, v2))}"
    )


def describe(kind: Kind, value: Any) -> str:
    """``the boolean true``, ``the string 'y'``, ``null``, ``a timestamp``."""
    if kind is Kind.NULL:
        return "null"
    if kind is Kind.TIMESTAMP:
        return "a timestamp"
    if kind is Kind.STR or kind is Kind.MERGE:
        return f"the string {json.dumps(value, ensure_ascii=False)}"
    return f"the {kind.value} {_json(value)}"


def _json(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def _kubectl_value(text: str, resolved: Resolved) -> Any:
    kind = resolved.kind
    if kind is Kind.STR or kind is Kind.TIMESTAMP or kind is Kind.MERGE:
        # go-yaml v2 decodes timestamps into interface{} as their text.
        return text
    if kind is Kind.FLOAT:
        return json_number(resolved.value)
    return resolved.value


def json_number(number: float) -> float | int:
    """A float as kubectl sends it: Go's JSON writes integral values below 1e21 as integers."""
    if not math.isfinite(number) or not number.is_integer():
        return number
    if abs(number) >= 1e21:
        return number
    # Go writes the shortest digits that round-trip, as Python's repr does.
    return int(Decimal(repr(number)))
