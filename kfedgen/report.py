"""How problems and results are shown: plain text, GitHub workflow annotations, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from kfedgen.errors import Problem, format_path, json_pointer

FORMATS = ("text", "github", "json")


def format_problems(problems: Iterable[Problem], style: str) -> str:
    """Render problems for stderr in the chosen style (one per line; JSON: one document)."""
    items = list(problems)
    if style == "json":
        return json.dumps([problem_as_dict(p) for p in items], indent=2) + "\n"
    if style == "github":
        return "".join(_github(p) + "\n" for p in items)
    return "".join(str(p) + "\n" for p in items)


def problem_as_dict(problem: Problem) -> dict[str, object]:
    return {
        "severity": problem.severity.value,
        "file": problem.location.file,
        "line": problem.location.line,
        "column": problem.location.column,
        "path": format_path(problem.path),
        "pointer": json_pointer(problem.path),
        "message": problem.message,
        "hint": problem.hint,
    }


def _github(problem: Problem) -> str:
    level = "error" if problem.is_error else "warning"
    properties = [f"file={_escape_property(problem.location.file)}"]
    if problem.location.line > 0:
        properties.append(f"line={problem.location.line}")
        properties.append(f"col={problem.location.column}")
    properties.append("title=kfedgen")
    message = problem.message
    if problem.path:
        message = f"{format_path(problem.path)}: {message}"
    if problem.hint:
        message += f" ({problem.hint})"
    return f"::{level} {','.join(properties)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
