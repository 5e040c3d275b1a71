"""The render-time schema check: each cluster's objects against its ``kubernetesVersion``.

Issue 16: ``render`` (and ``validate``) validate every object rendered to a cluster whose
inventory entry declares ``kubernetesVersion`` against that version's schemas
(:mod:`kfedgen.backend.kubevalidate`, kubernetes-validate's strict schemas).  Each
distinct file content is validated once per version, however many clusters receive it.

What a content validated to depends only on its bytes, the version, the schemas
(kubernetes-validate's version) and kfedgen's code, so with the output's cache directory
(:func:`kfedgen.backend.statcache.cache_dir`) the outcomes are kept in one file keyed by
all four (:data:`VERDICTS_FILE`; no CustomResourceDefinitions are in play at render
time): a render whose files were all validated before validates nothing, and does not
even import jsonschema.  After each check the file holds the outcomes of this render's
files only.  A corrupt or foreign file is ignored: everything is validated again.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from kfedgen.backend.emit import KeptFile, OutputTree, object_file
from kfedgen.backend.kubefindings import (
    FileOutcome,
    ValidationReport,
    bundled_versions,
    count_file,
    identify,
    is_object_file,
    schemas_release,
)
from kfedgen.backend.kubequick import QuickSchemas, Verdict
from kfedgen.cachefiles import checked_document, read_checked, write_atomically
from kfedgen.codedigest import running_code_digest
from kfedgen.errors import Problem, Severity
from kfedgen.rendered import RenderedObject

VERDICTS_FILE = "schemas.json"
_VERSION = 1


@dataclass(frozen=True)
class ClusterSchemas:
    """Each cluster's rendered objects checked against its ``kubernetesVersion``'s schemas."""

    # bundled version -> what its clusters' objects showed
    reports: Mapping[str, ValidationReport] = field(default_factory=dict)
    # declared versions with no bundled schemas: their clusters are not checked
    unbundled: tuple[str, ...] = ()
    validated: int = 0  # distinct contents validated in this run (the others: cached)

    def problems(self, output: str) -> list[Problem]:
        """Every finding as a warning located in its rendered file (``output``: the tree)."""
        return [
            finding.to_problem(output, Severity.WARNING)
            for _, report in sorted(self.reports.items())
            for finding in report.findings
        ]

    def notes(self) -> tuple[str, ...]:
        """What to tell, once, about the versions that were not checked."""
        return (unbundled_note(self.unbundled),) if self.unbundled else ()


def unbundled_note(versions: Sequence[str]) -> str:
    """The line that says which declared versions have no schemas to check against."""
    bundled = bundled_versions()
    return (
        f"kfedgen: no bundled schemas for Kubernetes {', '.join(versions)} "
        f"(bundled: {bundled[0]} to {bundled[-1]}); those clusters' objects are not "
        "schema-checked"
    )


def check_cluster_versions(
    versions: Mapping[str, str | None],
    objects: Iterable[RenderedObject],
    tree: OutputTree,
    kept: Iterable[KeptFile] = (),
    caches: Path | None = None,
) -> ClusterSchemas:
    """Validate every object of ``tree`` in a cluster of ``versions`` against its version.

    ``versions``: cluster -> ``kubernetesVersion`` (None: not declared, not checked).
    ``objects`` are the objects ``tree`` was emitted from (their manifests save parsing
    the files); ``kept`` files (suspended clusters) are parsed.  ``caches``: the
    directory of the output's caches, where outcomes are kept (None: validate all).
    """
    bundled = set(bundled_versions())
    declared = {v for v in versions.values() if v is not None}
    checked = {c: v for c, v in versions.items() if v is not None and v in bundled}
    unbundled = tuple(sorted(declared - bundled))
    if not checked:
        return ClusterSchemas({}, unbundled)
    check = _Check(_Verdicts.load(caches), tree)
    reports = {v: ValidationReport() for v in sorted(set(checked.values()))}
    # Clusters share manifests (by identity), and so their files: each (version, manifest)
    # is counted in C and judged once, and its objects are visited only when its file
    # has findings or is not rendered.
    held = list(objects)
    manifests = list(map(id, map(_MANIFEST, held)))
    of_cluster = list(map(checked.get, map(_CLUSTER, held)))
    met = set(of_cluster)
    if len(met) == 1:  # one version everywhere (the usual fleet): count identities alone
        pairs = {(next(iter(met)), key): n for key, n in Counter(manifests).items()}
    else:
        pairs = Counter(zip(of_cluster, manifests, strict=True))
    one = dict(zip(manifests, held, strict=True))  # an object of each manifest
    each: dict[tuple[str | None, int], list[RenderedObject]] | None = None
    for (version, key), count in pairs.items():
        if version is None:
            continue
        path = object_file(one[key])
        outcome = None
        if path in tree.files:
            outcome = check.outcome(version, path, one[key].manifest)
            if not outcome.skipped and not outcome.errors:
                reports[version].objects += count
                continue
        if each is None:
            each = _by_version_and_manifest(held, checked)
        for obj in each[version, key]:
            path = object_file(obj)
            if path not in tree.files:
                continue  # not rendered (its path is unsafe, say): an error says why
            found = outcome if outcome is not None else check.outcome(version, path, obj.manifest)
            count_file(reports[version], path, found)
    for file in kept:
        version = checked.get(file.path.partition("/")[0])
        # A kept file is in the tree unless an object took its path (emit).
        written = tree.files.get(file.path) is file.content
        if version is not None and written and is_object_file(file.path):
            count_file(reports[version], file.path, check.outcome(version, file.path, None))
    for version, report in reports.items():
        report.distinct = check.distinct.get(version, 0)
        report.findings.sort(key=lambda finding: finding.file)
    check.verdicts.save(caches)
    return ClusterSchemas(reports, unbundled, check.validated)


_MANIFEST = attrgetter("manifest")
_CLUSTER = attrgetter("cluster")


def _by_version_and_manifest(
    objects: Iterable[RenderedObject], versions: Mapping[str, str]
) -> dict[tuple[str | None, int], list[RenderedObject]]:
    """The objects of each (cluster's version, manifest identity), in order."""
    result: dict[tuple[str | None, int], list[RenderedObject]] = {}
    for obj in objects:
        result.setdefault((versions.get(obj.cluster), id(obj.manifest)), []).append(obj)
    return result


class _Check:
    """One run's outcomes by version and content, from the cache or validated now."""

    def __init__(self, verdicts: _Verdicts, tree: OutputTree) -> None:
        self.verdicts = verdicts
        self.tree = tree
        self.seen: dict[tuple[str, str], FileOutcome] = {}
        self.distinct: dict[str, int] = {}
        self.validated = 0
        self._schemas: dict[str, Any] = {}
        self._quicks: dict[str, QuickSchemas] = {}

    def outcome(self, version: str, path: str, manifest: Mapping[str, Any] | None) -> FileOutcome:
        key = (version, self.tree.digests[path])
        outcome = self.seen.get(key)
        if outcome is not None:
            return outcome
        self.distinct[version] = self.distinct.get(version, 0) + 1
        outcome = self.verdicts.get(key)
        if outcome is None:
            outcome = self._validate(version, path, manifest)
            self.validated += 1
            self.verdicts.put(key, outcome)
        self.seen[key] = outcome
        return outcome

    def _validate(self, version: str, path: str, manifest: Mapping[str, Any] | None) -> FileOutcome:
        if manifest is not None:
            quick = self._quicks.get(version)
            if quick is None:
                quick = self._quicks[version] = QuickSchemas(version)
            key, namespace, name = identify(manifest)
            verdict = quick.verdict(*key, manifest)
            if verdict is not Verdict.ASK:  # valid, or no schema: jsonschema would say so
                return FileOutcome(key, namespace, name, verdict is Verdict.NO_SCHEMA)
        # Only an object the quick check does not pass imports jsonschema.
        from kfedgen.backend import kubevalidate  # noqa: PLC0415

        schemas = self._schemas.get(version)
        if schemas is None:
            schemas = self._schemas[version] = kubevalidate.KubeSchemas(version)
        return kubevalidate.validate_content(path, self.tree.files[path], manifest, schemas)


class _Verdicts:
    """The kept outcomes: (version, sha256 of the content) -> outcome."""

    def __init__(self, salt: str, entries: dict[str, FileOutcome]) -> None:
        self.salt = salt
        self.entries = entries
        self.used: dict[str, FileOutcome] = {}
        self.changed = False

    @classmethod
    def load(cls, directory: Path | None) -> _Verdicts:
        if directory is None:
            return cls("", {})  # nothing is kept: no salt to compute
        salt = _salt()
        body = read_checked(directory / VERDICTS_FILE, _VERSION)
        try:
            if body is None or body["salt"] != salt:
                return cls(salt, {})  # none, corrupt, or another kfedgen or kubernetes-validate
            entries = {str(key): _outcome(item) for key, item in body["entries"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(salt, {})
        return cls(salt, entries)

    def get(self, key: tuple[str, str]) -> FileOutcome | None:
        name = f"{key[0]}:{key[1]}"
        outcome = self.entries.get(name)
        if outcome is not None:
            self.used[name] = outcome
        return outcome

    def put(self, key: tuple[str, str], outcome: FileOutcome) -> None:
        self.used[f"{key[0]}:{key[1]}"] = outcome
        self.changed = True

    def save(self, directory: Path | None) -> None:
        """Keep this run's outcomes (only), when they are not what the file holds."""
        if directory is None or (not self.changed and len(self.used) == len(self.entries)):
            return
        body = {
            "salt": self.salt,
            "entries": {key: _outcome_json(item) for key, item in sorted(self.used.items())},
        }
        with contextlib.suppress(OSError):
            write_atomically(directory / VERDICTS_FILE, checked_document(_VERSION, body))


def _salt() -> str:
    """What every outcome depends on besides the content and the version."""
    schemas = schemas_release()
    text = f"schemas {_VERSION}\0{running_code_digest()}\0{schemas}\0crds:none"
    return hashlib.sha256(text.encode()).hexdigest()


def _outcome_json(outcome: FileOutcome) -> list[Any]:
    errors = [
        [list(path), line, column, message, hint]
        for path, line, column, message, hint in outcome.errors
    ]
    return [list(outcome.key), outcome.namespace, outcome.name, outcome.skipped, errors]


def _outcome(item: Any) -> FileOutcome:
    (api_version, kind), namespace, name, skipped, errors = item
    located = []
    for path, line, column, message, hint in errors:
        if not all(isinstance(part, (str, int)) for part in path):
            raise TypeError("bad document path")
        located.append((tuple(path), int(line), int(column), str(message), str(hint)))
    if not isinstance(skipped, bool):
        raise TypeError("bad outcome")
    return FileOutcome(
        (str(api_version), str(kind)), str(namespace), str(name), skipped, tuple(located)
    )
