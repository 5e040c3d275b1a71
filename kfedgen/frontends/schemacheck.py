"""A fast yes/no check of a document against one of kfedgen's own JSON Schemas.

jsonschema is what explains an invalid document (its errors become the user's
messages), but importing it and walking its generic validators was a fifth of
a small fleet's render.  Nearly every document is valid, so each shipped
schema is compiled once into plain Python closures that only answer "valid?";
jsonschema runs when the answer is no.

The check must never accept what jsonschema rejects, so it mirrors
jsonschema's Draft 2020-12 semantics keyword by keyword, and only for the
keywords the shipped schemas use: a schema with any other keyword is not
compiled (:func:`compile_schema` returns None), and a value it cannot compare
exactly (``enum`` members other than strings, integers, booleans and null)
raises :class:`Undecided`.  Both send the document to jsonschema.
``tests/test_schemacheck.py`` compares the two on random and mutated documents.
"""

from __future__ import annotations

import numbers
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_ANNOTATIONS = frozenset(
    ("$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples")
)
_OBJECT = frozenset(("properties", "additionalProperties", "required"))
_OBJECT_SIZE = frozenset(("minProperties", "maxProperties"))
_STRING = frozenset(("minLength", "maxLength", "pattern"))
_NUMBER = frozenset(("minimum", "maximum"))
_ARRAY = frozenset(("items", "minItems"))
_OTHER = frozenset(("type", "enum", "const", "$ref", "oneOf", "anyOf", "allOf", "not"))
_KNOWN = _ANNOTATIONS | _OBJECT | _OBJECT_SIZE | _STRING | _NUMBER | _ARRAY | _OTHER
# Values enum/const compare exactly like jsonschema's equal(): same type, same value.
_EXACT = (str, int, bool, type(None))


class Undecided(Exception):
    """The check cannot decide this value exactly; ask jsonschema."""


class _Unsupported(Exception):
    """The schema uses something the compiler does not mirror."""


def compile_schema(schema: Mapping[str, Any]) -> Check | None:
    """A function telling whether a value is valid against ``schema`` (None: not compilable).

    The function returns True only when jsonschema's Draft 2020-12 validator
    finds no error, False only when it finds one, and raises :class:`Undecided`
    otherwise.
    """
    return SchemaSet().compile(schema)


class SchemaSet:
    """Schemas compiled together: ``$ref`` across documents, definitions compiled once.

    ``resources`` are the documents a ``$ref`` may name, by their ``$id`` (a reference is
    resolved against the ``$id`` of the document it is in).  ``annotations`` are keywords
    besides the standard annotations that assert nothing (``format``, to a validator
    without a format checker), and keywords beginning with ``vendor_prefix`` are such
    annotations too (Kubernetes' ``x-kubernetes-*``): jsonschema ignores both.
    """

    def __init__(
        self,
        resources: Mapping[str, Mapping[str, Any]] | None = None,
        annotations: frozenset[str] = frozenset(),
        vendor_prefix: str | None = None,
        remember: bool = False,
    ) -> None:
        self._compiler = _Compiler(dict(resources or {}), annotations, vendor_prefix)
        # Verdicts on collections (a $ref'd part, an array item) are by identity.  Kept
        # for one call, or with ``remember`` for the set's life: the set keeps each judged
        # value alive, and the caller promises not to change one it has had judged.
        self._remember = remember

    def compile(self, schema: Mapping[str, Any]) -> Check | None:
        """:func:`compile_schema` of ``schema``, sharing this set's definitions."""
        if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
            return None
        compiler = self._compiler
        known = set(compiler.definitions)
        compiler.document = (str(schema.get("$id", "")), schema)
        try:
            compiled = compiler.compile(schema)
        except _Unsupported:
            # Definitions begun for this schema may be placeholders: never reuse them.
            for key in set(compiler.definitions) - known:
                del compiler.definitions[key]
            return None
        if self._remember:
            return compiled
        judged = compiler.judged

        def check(value: Any) -> bool:
            try:
                return compiled(value)
            finally:
                # The verdicts are by identity: valid only while this value is alive.
                for verdicts in judged:
                    verdicts.clear()

        return check


class _Compiler:
    def __init__(
        self,
        resources: dict[str, Mapping[str, Any]],
        annotations: frozenset[str],
        vendor_prefix: str | None,
    ) -> None:
        self.resources = resources
        self.known = _KNOWN | annotations
        self.vendor_prefix = vendor_prefix
        # The document being compiled: its $id (references resolve against it), its text.
        self.document: tuple[str, Mapping[str, Any]] = ("", {})
        self.definitions: dict[tuple[str, str], Check] = {}
        # Verdicts on collections by identity (see SchemaSet): an array item or a part a
        # $ref names that is shared (an alias, a repeat, a copy-on-write copy) is judged once.
        self.judged: list[_Verdicts] = []

    def _understood(self, schema: Mapping[str, Any]) -> bool:
        unknown = set(schema) - self.known
        prefix = self.vendor_prefix
        return not unknown or (
            prefix is not None and all(isinstance(k, str) and k.startswith(prefix) for k in unknown)
        )

    def compile(self, schema: Any, root: bool = True) -> Check:
        if schema is True:
            return _valid
        if schema is False:
            return _invalid
        if not isinstance(schema, Mapping) or not self._understood(schema):
            raise _Unsupported
        if not root and "$id" in schema:
            raise _Unsupported  # a nested $id would change how $ref resolves
        checks: list[Check] = []
        if "type" in schema:
            checks.append(_type_check(schema["type"]))
        if "enum" in schema:
            checks.append(_enum_check(list(schema["enum"])))
        if "const" in schema:
            checks.append(_enum_check([schema["const"]]))
        if not _OBJECT.isdisjoint(schema) or not _OBJECT_SIZE.isdisjoint(schema):
            checks.append(self._object_check(schema))
        if not _STRING.isdisjoint(schema):
            checks.append(_string_check(schema))
        if not _NUMBER.isdisjoint(schema):
            checks.append(_number_check(schema))
        if not _ARRAY.isdisjoint(schema):
            checks.append(self._array_check(schema))
        if "$ref" in schema:
            checks.append(self._reference(schema["$ref"]))
        for keyword in ("oneOf", "anyOf", "allOf"):
            if keyword in schema:
                branches = [self.compile(branch, root=False) for branch in schema[keyword]]
                checks.append(_combination(keyword, branches))
        if "not" in schema:
            negated = self.compile(schema["not"], root=False)
            checks.append(lambda value: not negated(value))
        return _all(checks)

    def _reference(self, reference: Any) -> Check:
        if not isinstance(reference, str):
            raise _Unsupported
        uri, _, fragment = reference.partition("#")
        base, document = self.document
        if uri:  # another document: one of the resources, by its $id
            base = urllib.parse.urljoin(base, uri)
            if base not in self.resources:
                raise _Unsupported
            document = self.resources[base]
        prefix = "/$defs/"
        if not fragment.startswith(prefix):
            raise _Unsupported
        name = fragment.removeprefix(prefix)
        definitions = document.get("$defs")
        # JSON-pointer escapes ("~0", "~1") and percent-encoding are not mirrored.
        if not isinstance(definitions, Mapping) or name not in definitions or "~" in name:
            raise _Unsupported
        if "/" in name or "%" in name:
            raise _Unsupported
        key = (base, name)
        if key not in self.definitions:
            # Compiled once; the lookup at call time lets definitions refer to themselves.
            self.definitions[key] = _invalid
            outer, self.document = self.document, (base, document)
            try:
                self.definitions[key] = self.compile(definitions[name], root=False)
            finally:
                self.document = outer
        compiled = self.definitions
        judged = _Verdicts()
        self.judged.append(judged)

        def check(value: Any) -> bool:
            if isinstance(value, dict | list):
                verdict = judged.get(value)
                if verdict is None:
                    verdict = compiled[key](value)  # looked up per call: it may use itself
                    judged.put(value, verdict)
                return verdict
            return compiled[key](value)

        return check

    def _object_check(self, schema: Mapping[str, Any]) -> Check:
        properties = {
            key: self.compile(sub, root=False) for key, sub in schema.get("properties", {}).items()
        }
        extra = schema.get("additionalProperties", True)
        additional = None if extra is True else self.compile(extra, root=False)
        required = tuple(schema.get("required", ()))
        fewest = schema.get("minProperties", 0)
        most = schema.get("maxProperties")

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            if not fewest <= len(value) or (most is not None and len(value) > most):
                return False
            for key in required:
                if key not in value:
                    return False
            for key, item in value.items():
                sub = properties.get(key)
                if sub is None:
                    sub = additional
                if sub is not None and not sub(item):
                    return False
            return True

        return check

    def _array_check(self, schema: Mapping[str, Any]) -> Check:
        items = self.compile(schema.get("items", True), root=False)
        fewest = schema.get("minItems", 0)
        judged = _Verdicts()
        self.judged.append(judged)

        def check(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            if len(value) < fewest:
                return False
            for item in value:
                if isinstance(item, dict | list):
                    verdict = judged.get(item)
                    if verdict is None:
                        verdict = items(item)
                        judged.put(item, verdict)
                    if not verdict:
                        return False
                elif not items(item):
                    return False
            return True

        return check


class _Verdicts:
    """One check's verdicts on collections, by identity, each value kept with its verdict."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Any, bool]] = {}

    def get(self, value: Any) -> bool | None:
        entry = self._entries.get(id(value))
        return entry[1] if entry is not None and entry[0] is value else None

    def put(self, value: Any, verdict: bool) -> None:
        self._entries[id(value)] = (value, verdict)

    def clear(self) -> None:
        self._entries.clear()


def _valid(value: Any) -> bool:
    return True


def _invalid(value: Any) -> bool:
    return False


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _valid
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        return all(part(value) for part in checks)

    return check


def _combination(keyword: str, branches: list[Check]) -> Check:
    if keyword == "allOf":
        return _all(branches)
    if keyword == "anyOf":
        return lambda value: any(branch(value) for branch in branches)

    def one_of(value: Any) -> bool:
        # Every branch is evaluated: "exactly one" needs all the answers.
        return sum(1 for branch in branches if branch(value)) == 1

    return one_of


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


# jsonschema's Draft 2020-12 type checker, test for test.
_TYPES: dict[str, Check] = {
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "null": lambda value: value is None,
    "number": lambda value: not isinstance(value, bool) and isinstance(value, numbers.Number),
    "object": lambda value: isinstance(value, dict),
    "string": lambda value: isinstance(value, str),
}


# The types whose test is exactly one isinstance (bool is an int, so not "integer").
_CLASSES: dict[str, type] = {
    "array": list,
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "string": str,
}


def _type_check(wanted: Any) -> Check:
    names = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(names, list) or not all(name in _TYPES for name in names):
        raise _Unsupported
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    if all(name in _CLASSES for name in names):  # one isinstance: ["string", "null"], say
        classes = tuple(_CLASSES[name] for name in names)
        return lambda value: isinstance(value, classes)
    return lambda value: any(test(value) for test in tests)


def _enum_check(members: list[Any]) -> Check:
    if not all(type(member) in _EXACT for member in members):
        raise _Unsupported
    allowed = {(type(member), member) for member in members}

    def check(value: Any) -> bool:
        if type(value) not in _EXACT:
            raise Undecided  # e.g. 1.0, which jsonschema takes as equal to 1
        return (type(value), value) in allowed

    return check


def _string_check(schema: Mapping[str, Any]) -> Check:
    shortest = schema.get("minLength", 0)
    longest = schema.get("maxLength")
    pattern = ecma_regex(schema["pattern"]) if "pattern" in schema else None

    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        if len(value) < shortest or (longest is not None and len(value) > longest):
            return False
        return pattern is None or pattern.search(value) is not None

    return check


def _number_check(schema: Mapping[str, Any]) -> Check:
    minimum, maximum = schema.get("minimum"), schema.get("maximum")

    def check(value: Any) -> bool:
        kind = type(value)
        if kind is bool or not isinstance(value, numbers.Number):
            return True
        if kind is not int and kind is not float:
            raise Undecided  # Decimal, complex...: not from YAML, not worth mirroring
        # The same comparisons as jsonschema, so NaN and infinities agree too.
        if minimum is not None and value < minimum:
            return False
        return not (maximum is not None and value > maximum)

    return check


def ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""A JSON Schema ``pattern`` (an ECMA-262 regular expression) compiled for Python.

    The dialects differ where it matters for names: ECMA's ``$`` matches only
    at the end of the input, Python's also before a final newline, which let
    ``"c1\n"`` pass ``^[a-z0-9]...$`` and become a directory name.  Every
    ``$`` outside a character class becomes ``\Z``; the rest of the syntax
    JSON Schema recommends means the same in both.
    """
    translated: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            translated.append("\\Z")
            continue
        translated.append(char)
    return re.compile("".join(translated))
