"""``kfedgen validate``: check the fleet spec and, optionally, the rendered objects."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from jsonschema.protocols import Validator

from kfedgen.backend.emit import object_file
from kfedgen.backend.kubefindings import SchemaKey, ValidationReport
from kfedgen.backend.kubevalidate import (
    InvalidCrds,
    KubeSchemas,
    load_crds,
    resolve_version,
    validate_tree,
)
from kfedgen.errors import Problems, plural
from kfedgen.feasibility.checks import Skipped, skipped
from kfedgen.pipeline import Compilation, Options, compile_fleet
from kfedgen.report import Reporter
from kfedgen.source.load import discover

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
    # The compilation checked each cluster against its own kubernetesVersion (render warns
    # of what that found): reported below as validate reports its schema findings.
    output = options.output.as_posix()
    per_version = compilation.schemas
    found = set(per_version.problems(output)) if per_version is not None else set()
    report.report([p for p in compilation.problems.sorted() if p not in found])
    clusters = plural(len(compilation.spec.clusters), "cluster")
    federated = plural(len(compilation.spec.federated), "federated object")
    sys.stderr.write(f"kfedgen: the fleet spec is valid ({clusters}, {federated})\n")
    skips = skipped(compilation.spec.clusters)
    _print_skips(skips, report)
    if version is None:
        # Without --kube-version, each cluster is checked against the version it runs.
        per_cluster = _cluster_versions(compilation, output, report)
        document = validate_document(compilation, None, None, skips, per_cluster)
        findings = sum(len(result.findings) for result in per_cluster.values())
        return _finish(report, document, findings)
    # The compilation's objects are the rendered files' content: no need to parse them.
    manifests = {object_file(obj): obj.manifest for obj in compilation.objects}
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
    compilation: Compilation, output: str, report: Reporter
) -> dict[str, ValidationReport]:
    """Each cluster's objects against its inventory's ``kubernetesVersion``, as compiled.

    The pipeline ran the check (:func:`kfedgen.backend.clusterschemas.check_cluster_versions`);
    here it is reported as ``validate --kube-version`` reports its one version.
    """
    schemas = compilation.schemas
    if schemas is None:
        return {}
    if report.style == "text":
        sys.stderr.writelines(f"{note}\n" for note in schemas.notes())
    for version, result in sorted(schemas.reports.items()):
        _print_report(result, version, output, report)
    return dict(schemas.reports)


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
