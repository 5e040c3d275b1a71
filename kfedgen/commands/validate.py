"""``kfedgen validate``: check the fleet spec and, optionally, the rendered objects."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from jsonschema.protocols import Validator

from kfedgen.backend.emit import object_file
from kfedgen.errors import Problems, plural
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
    if version is None:
        return report.finish(0, validate_document(compilation, None, None))
    # The compilation's objects are the rendered files' content: no need to parse them.
    manifests = {object_file(obj): obj.manifest for obj in compilation.objects}
    result = validate_tree(compilation.tree, KubeSchemas(version, crds), manifests)
    output = options.output.as_posix()
    _print_report(result, version, output, report)
    document = validate_document(compilation, version, result)
    if result.findings:
        error = f"the rendered objects have {plural(len(result.findings), 'problem')}"
        return report.finish(EXIT_INVALID, document, error)
    return report.finish(0, document)


def validate_document(
    compilation: Compilation, version: str | None, result: ValidationReport | None
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
