"""``kfedgen validate``: check the fleet spec and, optionally, the rendered objects."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema.protocols import Validator

from kfedgen.backend.emit import OutputTree, object_file
from kfedgen.errors import Problems, plural
from kfedgen.feasibility.checks import Skipped, skipped
from kfedgen.pipeline import Compilation, Options, compile_fleet
from kfedgen.report import Reporter
from kfedgen.source.load import discover
from kfedgen.views.kubevalidate import (
    InvalidCrds,
    KubeSchemas,
    SchemaKey,
    ValidationReport,
    load_crds,
    resolve_version,
    supported_versions,
    validate_tree,
)

EXIT_INVALID = 2


def run_validate(
    options: Options,
    report: Reporter,
    kube_version: str | None = None,
    crd_files: Sequence[Path] = (),
    staged: bool = False,
) -> int:
    """Check the spec; with ``kube_version``, also every rendered object (exit 2 on errors).

    With ``staged``, the fleet is read from git's index, as the commit will hold it.
    """
    # Bad versions and CRD files fail before the (longer) compilation.
    version = resolve_version(kube_version) if kube_version is not None else None
    crds = _read_crds(crd_files) if crd_files else {}
    if staged:
        from kfedgen.views.staged import compile_staged  # noqa: PLC0415 - GitPython: only here

        compilation = compile_staged(options, Path.cwd())
    else:
        compilation = compile_fleet(options, Path.cwd())
    report.report(compilation.problems.sorted())
    clusters = plural(len(compilation.spec.clusters), "cluster")
    federated = plural(len(compilation.spec.federated), "federated object")
    sys.stderr.write(f"kfedgen: the fleet spec is valid ({clusters}, {federated})\n")
    skips = skipped(compilation.spec.clusters)
    _print_skips(skips, report)
    # The compilation's objects are the rendered files' content: no need to parse them.
    manifests = {object_file(obj): obj.manifest for obj in compilation.objects}
    output = options.output.as_posix()
    if version is None:
        # Without --kube-version, each cluster is checked against the version it runs.
        per_cluster = _cluster_versions(compilation, crds, manifests, output, report)
        document = validate_document(compilation, None, None, skips, per_cluster)
        findings = sum(len(result.findings) for result in per_cluster.values())
        return _finish(report, document, findings)
    result = validate_tree(compilation.tree, KubeSchemas(version, crds), manifests)
    _print_report(result, version, output, report)
    return _finish(
        report, validate_document(compilation, version, result, skips), len(result.findings)
    )


def _finish(report: Reporter, document: dict[str, object], findings: int) -> int:
    if findings:
        error = f"the rendered objects have {plural(findings, 'problem')}"
        return report.finish(EXIT_INVALID, document, error)
    return report.finish(0, document)


def _cluster_versions(
    compilation: Compilation,
    crds: dict[SchemaKey, Validator],
    manifests: Mapping[str, Mapping[str, Any]],
    output: str,
    report: Reporter,
) -> dict[str, ValidationReport]:
    """Validate each cluster's objects against its inventory's ``kubernetesVersion``."""
    by_version: dict[str, list[str]] = {}
    for name, cluster in compilation.spec.clusters.items():
        if cluster.kubernetes_version is not None:
            by_version.setdefault(cluster.kubernetes_version, []).append(name)
    bundled = supported_versions()
    unbundled = sorted(v for v in by_version if v not in bundled)
    if unbundled and report.style == "text":
        sys.stderr.write(
            f"kfedgen: no bundled schemas for Kubernetes {', '.join(unbundled)} "
            f"(bundled: {bundled[0]} to {bundled[-1]}); those clusters' objects are not "
            "schema-checked\n"
        )
    results: dict[str, ValidationReport] = {}
    for version in sorted(v for v in by_version if v in bundled):
        names = {f"{name}/" for name in by_version[version]}
        files = {p: b for p, b in compilation.tree.files.items() if p[: p.find("/") + 1] in names}
        known = {p: m for p, m in manifests.items() if p in files}
        result = validate_tree(OutputTree(files), KubeSchemas(version, crds), known)
        _print_report(result, version, output, report)
        results[version] = result
    return results


def _print_skips(skips: Sequence[Skipped], report: Reporter) -> None:
    """Once per feasibility check: the clusters it skipped and the inventory field it needs.

    A check that no cluster declares data for is not in use, and not worth a line each run
    (the JSON document still lists it).
    """
    if report.style != "text":
        return
    for skip in skips:
        if len(skip.clusters) == skip.of:
            continue
        names = ", ".join(skip.clusters[:3]) + (
            f" and {len(skip.clusters) - 3} more" if len(skip.clusters) > 3 else ""
        )
        sys.stderr.write(
            f"kfedgen: feasibility check {skip.check.name} skipped for "
            f"{len(skip.clusters)} of {plural(skip.of, 'cluster')} ({names}): "
            f"their inventory entries have no {skip.check.needs}\n"
        )


def validate_document(
    compilation: Compilation,
    version: str | None,
    result: ValidationReport | None,
    skips: Sequence[Skipped] = (),
    per_cluster: dict[str, ValidationReport] | None = None,
) -> dict[str, object]:
    """The fields of ``validate --format json`` (documented in the README)."""
    kubernetes = None
    if version is not None and result is not None:
        kubernetes = {
            "version": version,
            "objects": result.objects,
            "distinct": result.distinct,
            "validated": result.validated,
            "skipped": [
                {"apiVersion": api_version, "kind": kind, "objects": count}
                for (api_version, kind), count in sorted(result.skipped.items())
            ],
        }
    return {
        "clusters": len(compilation.spec.clusters),
        "federatedObjects": len(compilation.spec.federated),
        "kubernetes": kubernetes,
        "feasibility": {
            "skipped": [
                {"check": s.check.name, "needs": s.check.needs, "clusters": list(s.clusters)}
                for s in skips
            ],
            "schemas": [
                {
                    "version": v,
                    "objects": r.objects,
                    "validated": r.validated,
                    "problems": len(r.findings),
                }
                for v, r in sorted((per_cluster or {}).items())
            ],
        },
    }


def _read_crds(paths: Sequence[Path]) -> dict[SchemaKey, Validator]:
    problems = Problems()
    crds = load_crds(discover(paths, Path.cwd(), problems), problems)
    if problems.has_errors():
        raise InvalidCrds(problems.sorted())
    return crds


def _print_report(result: ValidationReport, version: str, output: str, report: Reporter) -> None:
    if report.style == "text":
        sys.stderr.writelines(f"{finding}\n" for finding in result.findings)
    else:
        report.report([f.to_problem(output) for f in result.findings])
    summary = (
        f"kfedgen: checked {result.validated} of {plural(result.objects, 'rendered object')} "
        f"({result.distinct} distinct) against Kubernetes {version}: "
        f"{plural(len(result.findings), 'problem')}"
    )
    sys.stderr.write(summary + "\n")
    if result.skipped:
        kinds = ", ".join(
            f"{kind} ({api_version}) x{count}"
            for (api_version, kind), count in sorted(result.skipped.items())
        )
        sys.stderr.write(
            f"kfedgen: skipped {plural(sum(result.skipped.values()), 'object')} of kinds with "
            f"no schema: {kinds}; pass their CustomResourceDefinitions with --crd FILE to "
            "check them\n"
        )
