"""What the schema check found, without the schemas: findings, reports, bundled versions.

The types :mod:`kfedgen.backend.kubevalidate` reports in, and what the render-time check
(:mod:`kfedgen.backend.clusterschemas`) needs to answer from its cache without importing
jsonschema or kubernetes-validate (which costs a render about 0.1 s): a render whose
rendered files were all validated before validates nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfedgen.backend.emit import KUSTOMIZATION, MANIFEST_PATH
from kfedgen.errors import DocPath, Location, Problem, Severity, format_path

SchemaKey = tuple[str, str]  # (apiVersion, kind)
# kubernetes-validate's strict schema directories: "v1.32.0-local-strict".
_STRICT_DIRECTORY = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-local-strict$")


def _package_directories() -> list[Path]:
    """Where kubernetes-validate is installed, found without importing it (nor jsonschema)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = spec.submodule_search_locations if spec is not None else None
    return [Path(location) for location in locations or ()]


def strict_schema_directories() -> dict[tuple[int, int, int], Path]:
    """kubernetes-validate's strict schemas (unknown fields are errors), by full version."""
    found: dict[tuple[int, int, int], Path] = {}
    for location in _package_directories():
        directory = location / "kubernetes-json-schema"
        for entry in directory.iterdir() if directory.is_dir() else ():
            match = _STRICT_DIRECTORY.match(entry.name)
            if match:
                found[(int(match.group(1)), int(match.group(2)), int(match.group(3)))] = entry
    return found


def schemas_release() -> str:
    """The kubernetes-validate release whose schemas are installed ("?": not found).

    Its ``version.py``, read without importing the package; ``importlib.metadata`` (whose
    import alone is about 20 ms) only where the package has no such file.
    """
    for location in _package_directories():
        with contextlib.suppress(OSError):
            return (location / "version.py").read_text("utf-8").strip()
    from importlib import metadata  # noqa: PLC0415 - see above

    try:
        return metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:
        return "?"


def bundled_versions() -> list[str]:
    """The minor versions (``1.32``) kubernetes-validate bundles, oldest first.

    Read from its package directory without importing it (importing it imports
    jsonschema); :func:`kfedgen.backend.kubevalidate.supported_versions` asks
    kubernetes-validate itself, and a test holds the two equal.
    """
    minors = {(major, minor) for major, minor, _ in strict_schema_directories()}
    return [f"{major}.{minor}" for major, minor in sorted(minors)]


def identify(manifest: Mapping[str, Any]) -> tuple[SchemaKey, str, str]:
    """An object's (apiVersion, kind), namespace and name, as its findings name it."""
    metadata = manifest.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    key = (str(manifest.get("apiVersion", "")), str(manifest.get("kind", "")))
    return key, str(metadata.get("namespace", "")), str(metadata.get("name", ""))


@dataclass(frozen=True)
class Finding:
    """One schema error of one rendered object in one cluster."""

    file: str  # output-relative path of the object's file
    line: int
    column: int
    api_version: str
    kind: str
    namespace: str
    name: str
    path: DocPath
    message: str
    hint: str = ""

    @property
    def cluster(self) -> str:
        """The output directory the file is in: a cluster, or ``_argocd``/``_flux``."""
        return self.file.split("/", 1)[0]

    @property
    def ident(self) -> str:
        """``cluster/kind/namespace/name`` (no namespace for cluster-scoped objects)."""
        parts = [self.cluster, self.kind, self.namespace, self.name]
        return "/".join(part for part in parts if part)

    def __str__(self) -> str:
        where = f"{format_path(self.path)}: " if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.ident}: {where}{self.message}{hint}"

    def to_problem(self, output: str, severity: Severity = Severity.ERROR) -> Problem:
        """The finding as a problem located in the rendered file (for github/json output)."""
        location = Location(posixpath.join(output, self.file), self.line, self.column)
        message = f"{self.ident}: {self.message}"
        return Problem(location, self.path, message, severity, self.hint)


@dataclass
class ValidationReport:
    """What validating an output tree found."""

    findings: list[Finding] = field(default_factory=list)
    # (apiVersion, kind) -> how many objects had no schema to check them against
    skipped: Counter[SchemaKey] = field(default_factory=Counter)
    objects: int = 0
    distinct: int = 0

    @property
    def validated(self) -> int:
        return self.objects - sum(self.skipped.values())


@dataclass(frozen=True)
class FileOutcome:
    """The result of validating one distinct file content."""

    key: SchemaKey
    namespace: str
    name: str
    skipped: bool
    errors: tuple[tuple[DocPath, int, int, str, str], ...] = ()


def is_object_file(path: str) -> bool:
    """Whether ``path`` of the output tree holds an object (not kustomize or kfedgen data)."""
    return (
        path.endswith(".yaml")
        and posixpath.basename(path) != KUSTOMIZATION
        and path != MANIFEST_PATH
    )


def count_file(report: ValidationReport, path: str, outcome: FileOutcome) -> None:
    """Add the file at ``path``, whose content validated to ``outcome``, to ``report``."""
    report.objects += 1
    if outcome.skipped:
        report.skipped[outcome.key] += 1
    for where, line, column, message, hint in outcome.errors:
        report.findings.append(
            Finding(
                path,
                line,
                column,
                *outcome.key,
                outcome.namespace,
                outcome.name,
                where,
                message,
                hint,
            )
        )
