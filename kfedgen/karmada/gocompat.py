"""Go serialisation details that show up in Karmada's ``fieldOverrider`` output.

A JSON field is patched by ``evanphx/json-patch/v5`` and re-marshalled compactly by its fork of
``encoding/json``: member order kept, new members appended, numbers that the patch did not
touch kept as written, ``<``, ``>``, ``&`` escaped.  A YAML field goes through
``sigs.k8s.io/yaml``: ``YAMLToJSON`` (go-yaml v2 scalar resolution, non-string keys turned into
strings), the JSON patch, then ``JSONToYAML`` (go-yaml v2 ``Marshal``: keys sorted with go-yaml's
"natural" order, comments and layout lost, floats written with ``strconv.FormatFloat(f, 'g',
-1, 64)``).  This module reproduces those steps on plain Python data.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
import struct
from decimal import Decimal
from typing import Any

import yaml

__all__ = [
    "RawFloat",
    "go_format_float",
    "go_json_dumps",
    "go_json_loads",
    "go_resolve",
    "go_yaml_dump",
    "go_yaml_to_json_value",
]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1


class RawFloat(float):
    """A JSON number kept with its original text, as json-patch v5 keeps untouched values."""

    __slots__ = ("raw",)
    raw: str


# -- Go float formatting -----------------------------------------------------------------


def _shortest_digits(value: float, bits: int) -> tuple[str, int]:
    """Shortest round-trip digits of ``abs(value)`` (non-zero, finite) and the point position.

    The value equals ``0.<digits> * 10**point``, as strconv's ``decimalSlice``.
    """
    text = repr(abs(value))
    if bits == 32:
        target = _to_float32(abs(value))
        for precision in range(1, 10):
            candidate = f"{target:.{precision - 1}e}"
            if _to_float32(float(candidate)) == target:
                text = candidate
                break
    _, digit_tuple, exponent = Decimal(text).as_tuple()
    if not isinstance(exponent, int):  # pragma: no cover - finite values only
        raise ValueError(f"not a finite number: {value!r}")
    digits = "".join(map(str, digit_tuple))
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    return stripped, len(stripped) + exponent


def _to_float32(value: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def _fmt_e(digits: str, point: int, negative: bool) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exponent = point - 1
    sign = "-" if exponent < 0 else "+"
    return ("-" if negative else "") + f"{mantissa}e{sign}{abs(exponent):02d}"


def _fmt_f(digits: str, point: int, negative: bool) -> str:
    decimals = max(len(digits) - point, 0)
    integer = digits[:point].ljust(point, "0") if point > 0 else "0"
    fraction = "".join(
        digits[point + i] if 0 <= point + i < len(digits) else "0" for i in range(decimals)
    )
    return ("-" if negative else "") + integer + ("." + fraction if fraction else "")


def go_format_float(value: float, style: str = "g", bits: int = 64) -> str:
    """Format a float like Go.

    ``style="g"``: ``strconv.FormatFloat(v, 'g', -1, bits)`` (go-yaml's float output: exponent
    form when the exponent is < -4 or >= 6).  ``style="json"``: ``encoding/json`` (plain unless
    ``abs < 1e-6`` or ``>= 1e21``, exponent written ``e-7`` / ``e+21``).
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    negative = math.copysign(1.0, value) < 0
    if value == 0:
        return "-0" if negative else "0"
    digits, point = _shortest_digits(value, bits)
    if style == "json":
        magnitude = abs(value)
        if magnitude < 1e-6 or magnitude >= 1e21:
            text = _fmt_e(digits, point, negative)
            return re.sub(r"e-0(\d)$", r"e-\1", text)
        return _fmt_f(digits, point, negative)
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        return _fmt_e(digits, point, negative)
    return _fmt_f(digits, point, negative)


# -- JSON like json-patch v5 ---------------------------------------------------------------


def _raw_float(text: str) -> RawFloat:
    number = RawFloat(text)
    number.raw = text
    return number


def _reject_constant(text: str) -> Any:
    raise ValueError(f"invalid JSON: {text} is not a JSON value")


def go_json_loads(text: str) -> Any:
    """Parse JSON keeping member order and the text of non-integer numbers."""
    return json.loads(text, parse_float=_raw_float, parse_constant=_reject_constant)


_STRING_FIXES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "\\b": "\\u0008",
    "\\f": "\\u000c",
}
_STRING_FIX_RE = re.compile(r"\\.|[<>&\u2028\u2029\ud800-\udfff]")


def _fix_string_escape(match: re.Match[str]) -> str:
    text = match.group(0)
    if "\ud800" <= text <= "\udfff":
        return "\\ufffd"
    return _STRING_FIXES.get(text, text)


def _go_json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    return _STRING_FIX_RE.sub(_fix_string_escape, encoded)


def go_json_dumps(value: Any) -> str:
    """Serialise compactly like Go's ``encoding/json`` with HTML escaping (json-patch output)."""
    if isinstance(value, str):
        return _go_json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, RawFloat):
        return value.raw
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"json: unsupported value: {go_format_float(value)}")
        return go_format_float(value, "json")
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{_go_json_string(str(k))}:{go_json_dumps(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(go_json_dumps(v) for v in value) + "]"
    raise ValueError(f"json: unsupported type: {type(value).__name__}")


# -- go-yaml v2 scalar resolution ----------------------------------------------------------

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), (_NULL, None)),
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), (_BOOL, True)
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), (_BOOL, False)
    ),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), (_FLOAT, math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (_FLOAT, math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), (_FLOAT, -math.inf)),
    "<<": (_MERGE, "<<"),
}
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_TIMESTAMP_RES = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(
        r"(\d{4})-(\d{1,2})-(\d{1,2})[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"
    ),
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?"),
)
_GO_FLOAT = re.compile(
    r"[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|inf(inity)?|nan)", re.IGNORECASE | re.ASCII
)
_BASE_PREFIXES = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


_DIGITS_BY_BASE = {
    2: re.compile(r"[01]+"),
    8: re.compile(r"[0-7]+"),
    10: re.compile(r"[0-9]+"),
    16: re.compile(r"[0-9a-fA-F]+"),
}


def _go_parse_int(text: str, signed: bool) -> int | None:
    """``strconv.ParseInt(text, 0, 64)`` / ``ParseUint`` (text already without underscores)."""
    body, negative = text, False
    if signed and body[:1] in ("+", "-"):
        negative, body = body[0] == "-", body[1:]
    base = _BASE_PREFIXES.get(body[:2], 0)
    if base:
        body = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    else:
        base = 10
    if not _DIGITS_BY_BASE[base].fullmatch(body):
        return None
    value = -int(body, base) if negative else int(body, base)
    lower, upper = (_INT64_MIN, _INT64_MAX) if signed else (0, _UINT64_MAX)
    return value if lower <= value <= upper else None


def _looks_like_timestamp(text: str) -> bool:
    for pattern in _TIMESTAMP_RES:
        match = pattern.fullmatch(text)
        if match and 1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31:
            return True
    return False


def go_resolve(text: str) -> tuple[str, Any]:
    """Resolve a plain YAML scalar as go-yaml v2's ``resolve("", text)``: (tag, value)."""
    if text in _RESOLVE_MAP:
        return _RESOLVE_MAP[text]
    first = text[:1]
    if first == ".":
        if _GO_FLOAT.fullmatch(text):
            return _FLOAT, float(text)
        return _STR, text
    if not (first.isascii() and (first.isdigit() or first in "+-")):
        return _STR, text
    if _looks_like_timestamp(text):
        return _TIMESTAMP, text
    plain = text.replace("_", "")
    for signed in (True, False):
        number = _go_parse_int(plain, signed)
        if number is not None:
            return _INT, number
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        return _FLOAT, float(plain)
    return _STR, text


class _GoYAMLLoader(yaml.SafeLoader):
    """A SafeLoader resolving plain scalars like go-yaml v2 (no base-60, ``1e3`` is a float)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return go_resolve(value)[0]
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


def _construct_resolved(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return go_resolve(str(value))[1]


def _construct_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # go-yaml v2 leaves timestamps decoded into interface{} as strings.
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag in (_INT, _FLOAT, _BOOL, _NULL):
    _GoYAMLLoader.add_constructor(_tag, _construct_resolved)
_GoYAMLLoader.add_constructor(_TIMESTAMP, _construct_text)


def _json_key(key: Any) -> str:
    """Turn a YAML map key into a JSON key as ``sigs.k8s.io/yaml`` does."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        # Stolen from go-yaml by sigs.k8s.io/yaml, with 32-bit precision (a quirk kept here).
        text = go_format_float(key, "g", bits=32)
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    raise ValueError(f"unsupported map key of type: {type(key).__name__}, key: {key!r}")


def go_yaml_to_json_value(text: str) -> Any:
    """Load the first YAML document like ``sigs.k8s.io/yaml.YAMLToJSON`` and return its data.

    Raises ``ValueError`` where Go fails: unsupported keys, NaN or infinite numbers.
    """
    try:
        document = next(iter(yaml.load_all(text, Loader=_GoYAMLLoader)), None)
    except yaml.YAMLError as exc:
        raise ValueError(f"error converting YAML to JSON: {exc}") from None
    return _jsonable(document)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {_json_key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_json_key(k): None for k in value}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise ValueError(f"json: unsupported value: {go_format_float(value)}")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# -- go-yaml v2 Marshal -------------------------------------------------------------------


def _go_key_less(a: str, b: str) -> bool:
    """go-yaml v2 ``keyList.Less`` for string keys: letters by code point, digit runs by value."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        a_letter, b_letter = a[i].isalpha(), b[i].isalpha()
        if a_letter and b_letter:
            return a[i] < b[i]
        if a_letter or b_letter:
            return b_letter
        a_num = b_num = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    a_num = b_num = 1
                    break
                j -= 1
        a_end = i
        while a_end < len(a) and a[a_end].isdecimal():
            a_num = a_num * 10 + ord(a[a_end]) - 48
            a_end += 1
        b_end = i
        while b_end < len(b) and b[b_end].isdecimal():
            b_num = b_num * 10 + ord(b[b_end]) - 48
            b_end += 1
        if a_num != b_num:
            return a_num < b_num
        if a_end != b_end:
            return a_end < b_end
        return a[i] < b[i]
    return len(a) < len(b)


def _go_key_compare(a: str, b: str) -> int:
    if _go_key_less(a, b):
        return -1
    return 1 if _go_key_less(b, a) else 0


class _GoYAMLDumper(yaml.SafeDumper):
    """A SafeDumper writing like go-yaml v2 ``Marshal`` of ``interface{}`` data."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return go_resolve(value)[0]
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style: str | None = None
    if "\n" in data:
        style = "|"
    elif go_resolve(data)[0] not in (_STR, _MERGE) or _BASE60_FLOAT.fullmatch(data):
        style = '"'
    return dumper.represent_scalar(_STR, data, style=style)


def _represent_float(dumper: yaml.SafeDumper, data: float) -> yaml.Node:
    text = go_format_float(data)
    text = {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    return dumper.represent_scalar(_FLOAT, text)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.Node:
    order = functools.cmp_to_key(_go_key_compare)
    items = sorted(data.items(), key=lambda item: order(item[0]))
    return dumper.represent_mapping("tag:yaml.org,2002:map", items)


_GoYAMLDumper.add_representer(str, _represent_str)
_GoYAMLDumper.add_representer(float, _represent_float)
_GoYAMLDumper.add_representer(RawFloat, _represent_float)
_GoYAMLDumper.add_representer(dict, _represent_dict)


def _after_json_round_trip(value: Any) -> Any:
    """What go-yaml reads back from Go's JSON text: integral floats become ints and so on."""
    if isinstance(value, dict):
        return {k: _after_json_round_trip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_after_json_round_trip(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if value.is_integer() and _INT64_MIN <= value <= _UINT64_MAX:
            return int(value)
        return float(value)
    if isinstance(value, int) and not _INT64_MIN <= value <= _UINT64_MAX:
        return float(value)
    return value


def go_yaml_dump(value: Any) -> str:
    """Serialise JSON-like data as ``sigs.k8s.io/yaml.JSONToYAML`` would."""
    data = _after_json_round_trip(value)
    text: str = yaml.dump(
        data,
        Dumper=_GoYAMLDumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
    )
    if not isinstance(data, dict | list) and text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text
