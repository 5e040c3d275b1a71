"""How problems and results are shown: plain text, GitHub workflow annotations, JSON.

Problems are data until here.  Text and annotations are for people, so
warnings that only differ in the cluster they name are merged into one line
per source object (:func:`group_repeated`); JSON is for programs, so it keeps
every entry.  With ``--format json`` a command prints exactly one document on
stdout (:class:`Reporter`), whatever happens; messages for people go to stderr.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from kfedgen.errors import Problem, format_path, json_pointer
from kfedgen.streams import printable

FORMATS = ("text", "github", "json")
# The shape of every command's JSON document; it changes only when a field is
# removed or changes meaning (new fields may appear in any release).
JSON_VERSION = 1
# How many of a grouped warning's clusters are named before "and N more".
GROUP_NAMED = 3


def format_problems(problems: Iterable[Problem], style: str) -> str:
    """Render problems for stderr in the chosen style (one per line; JSON: one list)."""
    items = list(problems)
    if style == "json":
        return json_text([problem_as_dict(p) for p in items])
    grouped = group_repeated(items)
    if style == "github":
        return "".join(_github(p) + "\n" for p in grouped)
    return "".join(str(p) + "\n" for p in grouped)


def problem_as_dict(problem: Problem) -> dict[str, object]:
    """One problem as JSON (the README's Errors section documents every field)."""
    return {
        "severity": problem.severity.value,
        **problem.location.fields(),
        "path": format_path(problem.path),
        "pointer": json_pointer(problem.path),
        "message": problem.message,
        "hint": problem.hint,
    }


# A cluster as the stages name it in a message: its name's repr (cluster names
# are DNS-1123 labels, so always in single quotes).
_CLUSTER = re.compile(r"\bcluster '([^'\\]*)'")


def group_repeated(problems: Sequence[Problem]) -> list[Problem]:
    """Merge warnings that differ only in the one cluster they name into one per object.

    A warning about one source object is often true in many clusters (an
    override replaced by an RSP in each of 250 clusters); the stages report each
    case, and people read one line naming the first clusters and the count.
    The merged line stands where the first of its warnings stood.
    """
    order: list[Problem | tuple[object, ...]] = []
    groups: dict[tuple[object, ...], list[tuple[Problem, str]]] = {}
    for problem in problems:
        matches = list(_CLUSTER.finditer(problem.message))
        if problem.is_error or len(matches) != 1:
            order.append(problem)
            continue
        match = matches[0]
        key = (
            problem.location,
            problem.path,
            problem.hint,
            problem.message[: match.start()],
            problem.message[match.end() :],
        )
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((problem, match.group(1)))
    result = []
    for item in order:
        if isinstance(item, Problem):
            result.append(item)
            continue
        members = groups[item]
        first = members[0][0]
        if len(members) == 1:
            result.append(first)
            continue
        before, after = str(item[3]), str(item[4])
        names = _cluster_list([name for _, name in members])
        result.append(replace(first, message=f"{before}{names}{after}"))
    return result


def _cluster_list(names: Sequence[str]) -> str:
    """``clusters 'a' and 'b'``; ``clusters 'a', 'b', 'c' and 247 more (250 clusters)``."""
    quoted = [repr(name) for name in names]
    if len(quoted) <= GROUP_NAMED:
        return f"clusters {', '.join(quoted[:-1])} and {quoted[-1]}"
    rest = len(quoted) - GROUP_NAMED
    return f"clusters {', '.join(quoted[:GROUP_NAMED])} and {rest} more ({len(quoted)} clusters)"


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


def json_text(document: object) -> str:
    """``document`` as indented JSON with a final newline: ASCII, file-name bytes as ``\\xNN``."""
    return json.dumps(_printable(document), indent=2) + "\n"


def _printable(value: object) -> object:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, Mapping):
        return {printable(str(k)): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    return value


@dataclass
class Reporter:
    """Where one command's problems and result go.

    ``text`` and ``github``: problems go to stderr as they are reported, and the
    command prints its own result.  ``json``: problems are kept, and
    :meth:`finish` or :meth:`fail` prints the one document on stdout — the
    common fields (``command``, ``version``, ``exitCode``, ``error``,
    ``problems``) around the command's own.
    """

    command: str
    style: str = "text"
    problems: list[Problem] = field(default_factory=list)
    printed: bool = False

    @property
    def json(self) -> bool:
        return self.style == "json"

    def report(self, problems: Sequence[Problem]) -> None:
        """Report problems (warnings, say) of a run that goes on."""
        if self.json:
            self.problems.extend(problems)
        elif problems:
            sys.stderr.write(format_problems(problems, self.style))

    def finish(self, exit_code: int, fields: Mapping[str, object], error: str = "") -> int:
        """End a run that produced its result; in JSON, print the document. Returns ``exit_code``.

        ``error`` says why a result is a failure (``validate``'s findings).
        """
        if self.json:
            self._print(exit_code, error or None, fields)
        return exit_code

    def fail(self, exit_code: int, error: str, problems: Sequence[Problem] = ()) -> None:
        """End a run that could not produce its result (JSON only; text is the caller's)."""
        if self.json and not self.printed:
            self.problems.extend(problems)
            self._print(exit_code, error, {})

    def _print(self, exit_code: int, error: str | None, fields: Mapping[str, object]) -> None:
        document: dict[str, object] = {
            "command": self.command,
            "version": JSON_VERSION,
            "exitCode": exit_code,
            "error": error,
            **fields,
            "problems": [problem_as_dict(p) for p in _unique(self.problems)],
        }
        sys.stdout.write(json_text(document))
        self.printed = True


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    """Problems sorted by place, each once (a warning may be reported, then raised with errors)."""
    unique = {(p.location, p.path, p.message, p.severity): p for p in problems}
    return sorted(unique.values(), key=Problem.sort_key)
