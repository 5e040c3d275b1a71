"""Problems found in the input, and the one exception type users ever see.

Input problems are data: every stage appends :class:`Problem` values to a
:class:`Problems` collection and carries on, so a single run reports everything
that is wrong.  Only when a stage cannot go on does the pipeline raise
:class:`InvalidInput`, carrying the whole collection.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from kfedgen.jsonpointer import encode_token

PathElement = str | int
DocPath = tuple[PathElement, ...]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """Where a value stands in the input: file, 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def fields(self) -> dict[str, str | int]:
        """The location as the JSON documents write it: ``file``, ``line``, ``column``."""
        return {"file": self.file, "line": self.line, "column": self.column}


def format_path(path: DocPath) -> str:
    """Render a document path the way users write it: ``spec.overrides[0].clusterName``."""
    text = ""
    for element in path:
        if isinstance(element, int):
            text += f"[{element}]"
        elif text:
            text += f".{element}"
        else:
            text = element
    return text


def json_pointer(path: DocPath) -> str:
    """Render a document path as an RFC 6901 JSON pointer."""
    return "".join("/" + encode_token(str(p)) for p in path)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in the input."""

    location: Location
    path: DocPath
    message: str
    severity: Severity = Severity.ERROR
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[Location, str, str]:
        return (self.location, format_path(self.path), self.message)

    def __str__(self) -> str:
        parts = [str(self.location)]
        if self.path:
            parts.append(format_path(self.path))
        if self.severity is Severity.WARNING:
            parts.append("warning")
        text = ": ".join(parts) + ": " + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class Problems:
    """An ordered collection of problems; stages add to it, the CLI reports it."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def error(self, location: Location, path: DocPath, message: str, hint: str = "") -> None:
        self.items.append(Problem(location, path, message, Severity.ERROR, hint))

    def warning(self, location: Location, path: DocPath, message: str, hint: str = "") -> None:
        self.items.append(Problem(location, path, message, Severity.WARNING, hint))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)

    def sorted(self) -> list[Problem]:
        """Problems in a stable order (by file, line, column), duplicates dropped."""
        unique = {(p.location, p.path, p.message, p.severity): p for p in self.items}
        return sorted(unique.values(), key=Problem.sort_key)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ``did you mean 'x'?`` hint naming the closest candidate, or ``""`` when none is close."""
    import difflib  # noqa: PLC0415 - only needed on the error path

    close = difflib.get_close_matches(word, sorted(candidates), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def plural(count: int, noun: str, plural_noun: str = "") -> str:
    """``1 file``, ``2 files``: ``count`` and the noun in the number it takes."""
    return f"{count} {noun_for(count, noun, plural_noun)}"


def noun_for(count: int, noun: str, plural_noun: str = "") -> str:
    """``noun`` in the number ``count`` takes; ``plural_noun`` when it is not ``noun + 's'``."""
    return noun if count == 1 else plural_noun or noun + "s"


class KfedgenError(Exception):
    """Base of every error kfedgen reports to users; ``str()`` is the user's message."""

    exit_code = 2


class InvalidInput(KfedgenError):
    """The fleet spec is invalid; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(f"the fleet spec has {plural(len(errors), 'problem')}")


class OutputError(KfedgenError):
    """The output tree cannot be written safely (lock held, symlink, not a directory...)."""
