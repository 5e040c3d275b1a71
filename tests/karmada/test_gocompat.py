"""Go serialisation details used by the field overrider."""

from __future__ import annotations

import pytest

from kfedgen.karmada.gocompat import (
    go_format_float,
    go_json_dumps,
    go_json_loads,
    go_resolve,
    go_yaml_dump,
    go_yaml_to_json_value,
)


@pytest.mark.parametrize(
    ("value", "g", "json_text"),
    [
        (1e6, "1e+06", "1000000"),
        (123456.0, "123456", "123456"),
        (0.0001, "0.0001", "0.0001"),
        (1e-05, "1e-05", "0.00001"),
        (1e-07, "1e-07", "1e-7"),
        (1.5, "1.5", "1.5"),
        (1e21, "1e+21", "1e+21"),
        (-2.5, "-2.5", "-2.5"),
        (0.0, "0", "0"),
    ],
)
def test_go_float_formatting(value: float, g: str, json_text: str) -> None:
    # strconv.FormatFloat(v, 'g', -1, 64) and encoding/json's float encoder.
    assert go_format_float(value) == g
    assert go_format_float(value, "json") == json_text


@pytest.mark.parametrize(
    ("text", "tag", "value"),
    [
        ("yes", "bool", True),
        ("Off", "bool", False),
        ("~", "null", None),
        ("", "null", None),
        ("0x1F", "int", 31),
        ("0o17", "int", 15),
        ("017", "int", 15),
        ("1_000", "int", 1000),
        ("08", "float", 8.0),
        ("1e3", "float", 1000.0),
        (".5", "float", 0.5),
        ("1:20", "str", "1:20"),
        ("2001-12-14", "timestamp", "2001-12-14"),
        ("-", "str", "-"),
        ("yellow", "str", "yellow"),
    ],
)
def test_go_yaml_resolution(text: str, tag: str, value: object) -> None:
    resolved_tag, resolved = go_resolve(text)
    assert resolved_tag == f"tag:yaml.org,2002:{tag}"
    assert resolved == value
    assert type(resolved) is type(value)


def test_yaml_to_json_converts_keys_and_keeps_timestamps_as_strings() -> None:
    data = go_yaml_to_json_value(
        "1: a\nno: b\n1.5: c\nd: 2001-12-14\nbig: 12345678901234567890123\n"
    )
    assert data == {
        "1": "a",
        "false": "b",
        "1.5": "c",
        "d": "2001-12-14",
        "big": 1.2345678901234568e22,
    }


def test_yaml_to_json_rejects_infinity() -> None:
    with pytest.raises(ValueError, match="unsupported value"):
        go_yaml_to_json_value("a: .inf\n")


def test_yaml_dump_like_go_yaml() -> None:
    # Integral floats come back as ints (Go writes JSON "1000000", go-yaml reads an int).
    data = {"a10": 1, "a2": 2.0, "b": "true", "c": "", "d": "multi\nline", "e": [1.5, 1e6, 1.5e22]}
    assert go_yaml_dump(data) == (
        'a2: 2\na10: 1\nb: "true"\nc: ""\nd: |-\n  multi\n  line\ne:\n- 1.5\n- 1000000\n- 1.5e+22\n'
    )


def test_json_round_trip_keeps_order_and_raw_numbers() -> None:
    text = '{"z": 1.0, "a": [2.50, -0.0e1], "u": "caf\\u00e9 <b>"}'
    assert (
        go_json_dumps(go_json_loads(text))
        == '{"z":1.0,"a":[2.50,-0.0e1],"u":"café \\u003cb\\u003e"}'
    )
    with pytest.raises(ValueError, match="NaN"):
        go_json_loads("[NaN]")
