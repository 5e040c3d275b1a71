"""Load the data-driven case files under ``tests/karmada/cases``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

CASES_DIR = Path(__file__).parent / "cases"


def load(name: str) -> dict[str, Any]:
    """Return the parsed case file ``cases/<name>``."""
    with (CASES_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def params(cases: list[dict[str, Any]]) -> list[Any]:
    """Wrap cases as pytest params whose id is the upstream test and case name."""
    result = []
    for case in cases:
        label = " / ".join(str(case[k]) for k in ("test", "name") if case.get(k))
        result.append(pytest.param(case, id=label or str(case)))
    return result


def fixture(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A fresh deep copy of a named fixture object."""
    obj: dict[str, Any] = copy.deepcopy(data["fixtures"][name])
    return obj


def pointer(obj: Any, path: str) -> Any:
    """Resolve a JSON pointer (test helper, no Go quirks)."""
    node = obj
    for token in path.split("/")[1:] if path else []:
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node
