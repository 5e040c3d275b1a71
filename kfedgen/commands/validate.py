"""``kfedgen validate``: check the fleet spec and, optionally, the rendered objects."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from jsonschema.protocols import Validator

from kfedgen.commands.render import print_warnings
from kfedgen.emit import object_file
from kfedgen.errors import Problems
from kfedgen.kubevalidate import (
    InvalidCrds,
    KubeSchemas,
    SchemaKey,
    ValidationReport,
    load_crds,
    resolve_version,
    validate_tree,
)
from kfedgen.load import discover
from kfedgen.pipeline import Options, compile_fleet
from kfedgen.report import format_problems

EXIT_INVALID = 2


def run_validate(
    options: Options,
    error_format: str,
    kube_version: str | None = None,
    crd_files: Sequence[Path] = (),
) -> int:
    """Check the spec; with ``kube_version``, also every rendered object (exit 2 on errors)."""
    # Bad versions and CRD files fail before the (longer) compilation.
    version = resolve_version(kube_version) if kube_version is not None else None
    crds = _read_crds(crd_files) if crd_files else {}
    compilation = compile_fleet(options, Path.cwd())
    print_warnings(compilation.problems.sorted(), error_format)
    sys.stderr.write(
        f"kfedgen: the fleet spec is valid ({len(compilation.spec.clusters)} clusters, "
        f"{len(compilation.spec.federated)} federated objects)\n"
    )
    if version is None:
        return 0
    # The compilation's objects are the rendered files' content: no need to parse them.
    manifests = {object_file(obj): obj.manifest for obj in compilation.objects}
    report = validate_tree(compilation.tree, KubeSchemas(version, crds), manifests)
    _print_report(report, version, options.output.as_posix(), error_format)
    return EXIT_INVALID if report.findings else 0


def _read_crds(paths: Sequence[Path]) -> dict[SchemaKey, Validator]:
    problems = Problems()
    crds = load_crds(discover(paths, Path.cwd(), problems), problems)
    if problems.has_errors():
        raise InvalidCrds(problems.sorted())
    return crds


def _print_report(report: ValidationReport, version: str, output: str, error_format: str) -> None:
    if error_format == "text":
        sys.stderr.writelines(f"{finding}\n" for finding in report.findings)
    elif report.findings:
        sys.stderr.write(
            format_problems([f.to_problem(output) for f in report.findings], error_format)
        )
    summary = (
        f"kfedgen: checked {report.validated} of {report.objects} rendered objects "
        f"({report.distinct} distinct) against Kubernetes {version}: "
        f"{len(report.findings)} {'problem' if len(report.findings) == 1 else 'problems'}"
    )
    sys.stderr.write(summary + "\n")
    if report.skipped:
        kinds = ", ".join(
            f"{kind} ({api_version}) x{count}"
            for (api_version, kind), count in sorted(report.skipped.items())
        )
        sys.stderr.write(
            f"kfedgen: skipped {sum(report.skipped.values())} objects of kinds with no schema: "
            f"{kinds}; pass their CustomResourceDefinitions with --crd FILE to check them\n"
        )
