"""Kubernetes' schemas as yes/no checks: a valid object needs neither jsonschema nor its import.

kubernetes-validate ships Draft 2020-12 schemas, one file per kind and a
``_definitions.json`` they all refer to.  :mod:`kfedgen.frontends.schemacheck` compiles
them into closures that answer "valid?", as it does kfedgen's own schemas.  ``format`` and
the ``x-kubernetes-*`` keywords assert nothing to the validator
:mod:`kfedgen.backend.kubevalidate` uses (it has no format checker), so they are
annotations here too.  An object the check passes has no error; any other goes to
kubevalidate, which finds the errors and words them, so every message is jsonschema's.

The files are read from kubernetes-validate's package directory without importing it:
importing it (and so jsonschema) was about 75 ms of a render whose objects are all
valid.  The lookup of a kind's file is kubevalidate's, and
``tests/backend/test_kubequick.py`` holds the two to the same verdicts.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kfedgen.backend.kubefindings import strict_schema_directories
from kfedgen.frontends.schemacheck import Check, SchemaSet, Undecided

# kubernetes-validate's file naming: "rbac.authorization.k8s.io/v1" -> "rbac-v1".
_API_FILE_PART = re.compile(r"^([^./]*)(?:\.[^/]*)?/")
_API_FILE_REPLACEMENT = r"\1-"
DEFINITIONS = "_definitions.json"


class Verdict(enum.Enum):
    """What the quick check says of one object."""

    VALID = "valid"  # no error: jsonschema would find none
    NO_SCHEMA = "no schema"  # kubernetes-validate has no schema for its kind
    ASK = "ask"  # invalid, or not decided here: ask jsonschema


def schema_file_name(api_version: str, kind: str) -> str:
    """The file of ``kind`` in ``api_version`` in kubernetes-validate's schema directories."""
    return f"{kind.lower()}-{_API_FILE_PART.sub(_API_FILE_REPLACEMENT, api_version)}.json"


def kind_schema(directory: Path, api_version: str, kind: str) -> dict[str, Any] | None:
    """The schema of ``kind`` in ``api_version`` from a schema directory; None: there is none.

    The file name drops all but the first part of the group, so a custom resource in
    ``apps.example.com/v1`` would find ``apps/v1``'s file: its enums say what it is for.
    A name that cannot be a file there (a ``/``, a NUL, too long) has none.
    """
    name = schema_file_name(api_version, kind)
    if "/" in name or "\0" in name:
        return None
    try:
        schema: dict[str, Any] = json.loads((directory / name).read_text("utf-8"))
    except OSError:  # not there, or a name too long
        return None
    properties = schema.get("properties", {})
    if api_version not in properties.get("apiVersion", {}).get("enum", ()):
        return None
    return schema if kind in properties.get("kind", {}).get("enum", ()) else None


def schema_directory(version: str) -> Path | None:
    """The strict schemas of the minor ``version`` (``1.32``), its newest patch; None: none."""
    found = {
        full: path
        for full, path in strict_schema_directories().items()
        if f"{full[0]}.{full[1]}" == version
    }
    return found[max(found)] if found else None


class QuickSchemas:
    """One Kubernetes version's schemas, each kind's compiled on first use.

    Parts of objects are judged once by identity and kept alive with their verdicts (see
    :class:`~kfedgen.frontends.schemacheck.SchemaSet`): an instance lives for one check of
    final objects, never changed after they are judged.
    """

    def __init__(self, version: str) -> None:
        self.version = version
        self._directory = schema_directory(version)
        self._set: SchemaSet | None = None
        # (apiVersion, kind) -> its check; None: no schema, or one the compiler cannot mirror.
        self._checks: dict[tuple[str, str], tuple[Verdict, Check | None]] = {}

    def verdict(self, api_version: str, kind: str, manifest: Mapping[str, Any]) -> Verdict:
        """VALID, NO_SCHEMA, or ASK (kubevalidate decides)."""
        key = (api_version, kind)
        found = self._checks.get(key)
        if found is None:
            found = self._checks[key] = self._compile(api_version, kind)
        answer, check = found
        if check is None:
            return answer
        try:
            return Verdict.VALID if check(manifest) else Verdict.ASK
        except Undecided:
            return Verdict.ASK

    def _compile(self, api_version: str, kind: str) -> tuple[Verdict, Check | None]:
        if self._directory is None:
            return Verdict.ASK, None
        schema = kind_schema(self._directory, api_version, kind)
        if schema is None:
            return Verdict.NO_SCHEMA, None
        if self._set is None:
            definitions = json.loads((self._directory / DEFINITIONS).read_text("utf-8"))
            self._set = SchemaSet(
                {str(definitions.get("$id", "")): definitions},
                annotations=frozenset({"format"}),
                vendor_prefix="x-",
                # Rendered copies share their parts (a pod template, an ObjectMeta): each
                # is judged once.  The objects are final when they are checked.
                remember=True,
            )
        return Verdict.ASK, self._set.compile(schema)
