"""Offline validation of rendered objects against Kubernetes and CustomResourceDefinition schemas.

Kubernetes' own kinds are checked against the OpenAPI schemas that the
``kubernetes-validate`` package ships for each Kubernetes minor version (its
"strict" flavour: unknown fields are errors, as with ``kubectl``'s default
strict field validation).  Custom resources are checked against the
``openAPIV3Schema`` of the served versions of CRDs the user provides;
objects of any other kind are skipped and reported as such.

``kubernetes_validate.validate()`` reads and compiles the schemas on every call
(about 5 ms an object); here each schema is compiled once per run and each
distinct object is validated once, however many clusters receive it.  Within
one Kubernetes version, a part of an object that a ``$ref`` names (a pod template,
an ObjectMeta) and that validated without error is not validated again when another
object holds an equal part: objects that differ only in ``spec.replicas`` share
the rest of the work.  Only "no error" is remembered, so errors are always those of
a full validation.  The schema lookup is the same as kubernetes-validate's, and a
test holds the two to the same verdicts.

The render-time check (issue 16), each cluster's objects against the version its
inventory entry declares, is :mod:`kfedgen.backend.clusterschemas`; the findings and
reports are :mod:`kfedgen.backend.kubefindings`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jsonschema
from jsonschema.protocols import Validator
from kubernetes_validate.utils import all_versions, major_minor
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from kfedgen.backend.emit import OutputTree
from kfedgen.backend.kubefindings import (
    FileOutcome,
    SchemaKey,
    ValidationReport,
    count_file,
    identify,
    is_object_file,
)
from kfedgen.backend.kubequick import kind_schema, schema_directory
from kfedgen.errors import (
    DocPath,
    InvalidInput,
    KfedgenError,
    Location,
    Problem,
    Problems,
    plural,
)
from kfedgen.frontends.schema import ecma_validator_class, schema_errors
from kfedgen.source.load import Document, LoadOptions, SourceFile, parse_file

CRD_API_VERSION = "apiextensions.k8s.io/v1"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(\.\d+)?$")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")
_SUBSCHEMAS = ("items", "additionalProperties", "not")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


class UnsupportedVersion(KfedgenError):
    """The requested Kubernetes version has no bundled schemas."""


class InvalidCrds(InvalidInput):
    """The ``--crd`` files are not usable CustomResourceDefinitions."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems)
        self.args = (f"the --crd files have {plural(len(self.problems), 'problem')}",)


def supported_versions() -> list[str]:
    """The Kubernetes minor versions (``1.32``) whose schemas are bundled, oldest first."""
    return list(_schema_dirs())


def _schema_dirs() -> dict[str, str]:
    # all_versions() is sorted by version; it lists full versions ("1.32.0").
    return {major_minor(full): full for full in all_versions()}


def resolve_version(text: str) -> str:
    """``1.32``, ``v1.32`` or ``1.32.4`` -> ``1.32``; unknown versions raise UnsupportedVersion."""
    match = _VERSION.match(text.strip())
    supported = supported_versions()
    version = f"{match.group(1)}.{match.group(2)}" if match else None
    if version is None or version not in supported:
        raise UnsupportedVersion(
            f"no Kubernetes schemas for version {text!r}; supported versions: "
            f"{', '.join(supported)} (give X.Y, e.g. --kube-version {supported[-1]})"
        )
    return version


# --- CustomResourceDefinitions -------------------------------------------------


def openapi_to_jsonschema(node: Mapping[str, Any]) -> dict[str, Any]:
    """A CRD's OpenAPI v3 schema as a JSON Schema (draft 4) with Kubernetes' semantics.

    ``x-kubernetes-*`` extensions are dropped once applied: ``int-or-string``
    accepts integers and strings, ``preserve-unknown-fields`` and
    ``embedded-resource`` keep unknown fields; otherwise an object with
    ``properties`` rejects unknown fields (strict field validation).
    ``nullable: true`` admits null.  CEL rules (``x-kubernetes-validations``)
    are not evaluated.
    """
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: openapi_to_jsonschema(item) for name, item in value.items()}
        elif key in _SUBSCHEMAS and isinstance(value, Mapping):
            out[key] = openapi_to_jsonschema(value)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [openapi_to_jsonschema(item) for item in value]
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string") and "type" not in node and "anyOf" not in node:
        out["type"] = ["integer", "string"]
    keeps_unknown = node.get("x-kubernetes-preserve-unknown-fields") or node.get(
        "x-kubernetes-embedded-resource"
    )
    if "properties" in node and "additionalProperties" not in node and not keeps_unknown:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [{"type": "null"}, out]}
    return out


def crd_validators(documents: Sequence[Document], problems: Problems) -> dict[SchemaKey, Validator]:
    """A validator per (apiVersion, kind) served by the CRDs in ``documents``."""
    found: dict[SchemaKey, Validator] = {}
    origin: dict[SchemaKey, Location] = {}
    for doc in documents:
        for key, path, schema in _served_schemas(doc, problems):
            if key in origin:
                problems.error(
                    doc.location(path),
                    path,
                    f"{key[1]} ({key[0]}) is already defined at {origin[key]}",
                )
                continue
            converted = _with_type_meta(openapi_to_jsonschema(schema))
            try:
                jsonschema.Draft4Validator.check_schema(converted)
            except jsonschema.SchemaError as exc:
                problems.error(doc.location(path), path, f"invalid openAPIV3Schema: {exc.message}")
                continue
            origin[key] = doc.location(path)
            found[key] = ecma_validator_class(jsonschema.Draft4Validator)(converted)
    return found


def _with_type_meta(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the root's ``apiVersion``, ``kind`` and ``metadata`` allowed.

    The API server validates these itself on every custom resource, whether the CRD's
    schema lists them or not (apiextensions-apiserver: "apiVersion, kind and metadata are
    implicitly specified"); SMI's TrafficSplit CRD, for one, lists only ``spec``.
    """
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return schema
    implicit = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}
    implicit["metadata"] = {"type": "object"}
    return {**schema, "properties": {**implicit, **properties}}


def _served_schemas(
    doc: Document, problems: Problems
) -> Iterator[tuple[SchemaKey, DocPath, Mapping[str, Any]]]:
    if not isinstance(doc.data, dict) or (doc.api_version, doc.kind) != (
        CRD_API_VERSION,
        "CustomResourceDefinition",
    ):
        problems.error(
            doc.location(),
            (),
            f"not an {CRD_API_VERSION} CustomResourceDefinition",
            "--crd takes CRD manifests, such as the ones a project publishes for its CRs",
        )
        return
    spec = doc.data.get("spec") or {}
    group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
    if not isinstance(group, str) or not isinstance(kind, str):
        problems.error(
            doc.location(("spec",)), ("spec",), "spec.group or spec.names.kind is missing"
        )
        return
    served = 0
    for index, version in enumerate(spec.get("versions") or []):
        if not isinstance(version, dict) or not version.get("served"):
            continue
        served += 1
        path: DocPath = ("spec", "versions", index, "schema", "openAPIV3Schema")
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            problems.error(doc.location(path[:3]), path, "served version has no openAPIV3Schema")
            continue
        yield (f"{group}/{version.get('name')}", kind), path, schema
    if not served:
        problems.error(doc.location(("spec",)), ("spec", "versions"), "no served version")


def load_crds(sources: Sequence[SourceFile], problems: Problems) -> dict[SchemaKey, Validator]:
    """Parse CRD files and build their validators; problems carry file:line:column."""
    documents = [doc for source in sources for doc in parse_file(source, problems, LoadOptions())]
    return crd_validators(documents, problems)


# --- Kubernetes schemas ----------------------------------------------------------


class KubeSchemas:
    """Validators for one Kubernetes version plus CRDs, compiled once each, on first use."""

    def __init__(self, version: str, crds: Mapping[SchemaKey, Validator] | None = None) -> None:
        self.version = resolve_version(version)
        directory = schema_directory(self.version)
        if directory is None:  # pragma: no cover - resolve_version found it bundled
            raise UnsupportedVersion(f"no strict schemas for Kubernetes {self.version}")
        self._directory = directory
        self._crds = dict(crds or {})
        self._cache: dict[SchemaKey, Validator | None] = {}
        self._registry: Registry[Any] | None = None
        # (id of the referenced schema, repr of the part): validated without error.
        self._valid: set[tuple[int, str]] = set()
        self._class = _remembering_class(self._valid)

    def validator(self, api_version: str, kind: str) -> Validator | None:
        """The validator of objects of ``kind`` in ``api_version``; None when there is none."""
        key = (api_version, kind)
        if key not in self._cache:
            self._cache[key] = self._crds.get(key) or self._builtin(api_version, kind)
        return self._cache[key]

    def _builtin(self, api_version: str, kind: str) -> Validator | None:
        schema = kind_schema(self._directory, api_version, kind)
        if schema is None:
            return None
        if self._registry is None:
            definitions = json.loads((self._directory / "_definitions.json").read_text("utf-8"))
            self._registry = Resource.from_contents(definitions) @ Registry()
        registry = Resource.from_contents(schema) @ self._registry
        return self._class(schema, registry=registry)


def _remembering_class(valid: set[tuple[int, str]]) -> type[jsonschema.Draft202012Validator]:
    """kubernetes-validate's validator, remembering the ``$ref``'d parts found valid.

    A part's verdict depends only on the schema the ``$ref`` resolves to and on the part's
    value: the key is the referenced schema's identity (one registry per version) and the
    part's ``repr``, which tells apart what JSON would not (``1`` and ``"1"`` as keys,
    ``1`` and ``True``).  Scalars (quantities, int-or-string) are cheaper to check than to
    key.  Nothing but "no error" is remembered, so every error is found as without this.
    """
    base = ecma_validator_class()
    # (id of the registry, base URI, $ref) -> (the registry, kept alive; what it resolves to)
    lookups: dict[tuple[int, str, str], tuple[object, Any]] = {}

    def ref(
        validator: Any, ref: str, instance: Any, schema: dict[str, Any]
    ) -> Iterator[jsonschema.ValidationError]:
        del schema
        resolver = validator._resolver
        if validator._ref_resolver is not None or resolver is None:
            yield from validator._validate_reference(ref=ref, instance=instance)
            return
        # What a $ref resolves to depends on the registry and the base URI alone (the
        # dynamic scope only matters to $dynamicRef, which no bundled schema uses).
        where = (id(resolver._registry), resolver._base_uri, ref)
        found = lookups.get(where)
        if found is None:
            try:
                found = lookups[where] = (resolver._registry, resolver.lookup(ref))
            except Unresolvable:
                yield from validator._validate_reference(ref=ref, instance=instance)  # raises
                return
        resolved = found[1]
        if not isinstance(instance, (dict, list)):
            yield from validator.descend(instance, resolved.contents, resolver=resolved.resolver)
            return
        key = (id(resolved.contents), repr(instance))
        if key in valid:
            return
        errors = list(validator.descend(instance, resolved.contents, resolver=resolved.resolver))
        if not errors:
            valid.add(key)
        yield from errors

    return jsonschema.validators.extend(  # type: ignore[no-any-return,no-untyped-call]
        base, {"$ref": ref}
    )


# --- validating the output tree ------------------------------------------------------


def validate_tree(
    tree: OutputTree,
    schemas: KubeSchemas,
    manifests: Mapping[str, Mapping[str, Any]] | None = None,
) -> ValidationReport:
    """Validate every object of ``tree``; identical files are validated once.

    ``manifests`` may give the objects of some paths as already in memory (the
    compilation's), which saves parsing their bytes; the others are parsed.
    """
    report = ValidationReport()
    known = manifests or {}
    outcomes: dict[bytes, FileOutcome] = {}
    for path in tree.paths():
        if not is_object_file(path):
            continue
        content = tree.files[path]
        outcome = outcomes.get(content)
        if outcome is None:
            outcome = validate_content(path, content, known.get(path), schemas)
            outcomes[content] = outcome
        count_file(report, path, outcome)
    report.distinct = len(outcomes)
    return report


def _parse(path: str, content: bytes) -> Document | str:
    """The one object of a rendered file, or why it is not one."""
    problems = Problems()
    documents = parse_file(SourceFile(path, content), problems, LoadOptions())
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        return problems.items[0].message if problems.items else "not exactly one object"
    return documents[0]


def validate_content(
    path: str, content: bytes, manifest: Mapping[str, Any] | None, schemas: KubeSchemas
) -> FileOutcome:
    """Validate the file at ``path`` (``manifest``: its object, when known; else parsed)."""
    doc: Document | None = None
    if manifest is None:
        parsed = _parse(path, content)
        if isinstance(parsed, str):
            # kfedgen writes one object per file; anything else is a bug worth seeing.
            return FileOutcome(("", ""), "", "", False, (((), 1, 1, parsed, ""),))
        doc, manifest = parsed, parsed.data
    key, namespace, name = identify(manifest)
    validator = schemas.validator(*key)
    if validator is None:
        return FileOutcome(key, namespace, name, True)
    errors = list(schema_errors(validator, manifest))
    if errors and doc is None:
        # Positions are only needed to point at errors: parse the bytes now.
        parsed = _parse(path, content)
        doc = parsed if isinstance(parsed, Document) else None
    located = []
    for where, message, hint in errors:
        location = doc.location(where) if doc is not None else Location(path, 1, 1)
        located.append((where, location.line, location.column, message, hint))
    return FileOutcome(key, namespace, name, False, tuple(located))
