"""The compiler pipeline: load -> validate -> resolve -> materialize -> emit -> write.

:func:`compile_sources` is pure (bytes in, output tree out); reading files and
writing the tree happen only in :func:`kfedgen.inputs.read_sources` and
:func:`kfedgen.views.cached.render`.  ``render --check``, ``plan``, ``explain``
and ``diff`` are all views over :class:`Compilation`.  Importing this module
imports every stage: a render whose caches answer does not
(:mod:`kfedgen.views.cached`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.backend.clusterschemas import ClusterSchemas, check_cluster_versions
from kfedgen.backend.emit import KeptFile, OutputTree, emit
from kfedgen.backend.karmada_freeze import PreviousFile, freeze_suspended
from kfedgen.backend.karmada_overrides import apply_override_policies
from kfedgen.backend.karmada_preserve import preserve_on_deletion
from kfedgen.backend.karmada_render import render_propagated
from kfedgen.backend.lint import secret_warnings
from kfedgen.backend.materialize import materialize
from kfedgen.backend.ownership import owned_reader
from kfedgen.backend.serverfields import strip_rendered
from kfedgen.decisions import AnyResolution, annotate
from kfedgen.errors import InvalidInput, Location, Problem, Problems, Severity
from kfedgen.feasibility.checks import check_feasibility
from kfedgen.frontends.scope import DEFAULT_NAMESPACE
from kfedgen.frontends.spec import SpecOptions, build_spec
from kfedgen.frontends.validate import validate
from kfedgen.gitops.files import gitops_files
from kfedgen.identity import check_identities
from kfedgen.inputs import Options, read_sources
from kfedgen.model import FleetSpec
from kfedgen.placement.karmada_propagation import propagate
from kfedgen.placement.resolve import check_override_targets, place
from kfedgen.placement.rsp import schedule_replicas
from kfedgen.rendered import RenderedObject
from kfedgen.selectors import is_dns1123_label
from kfedgen.source.lists import unpack_lists
from kfedgen.source.load import Document, SourceFile
from kfedgen.source.parsecache import parse_cached
from kfedgen.traffic.render import plan_traffic
from kfedgen.traffic.report import TrafficEntry

# Options and read_sources (kfedgen.inputs) are part of this stage's interface.
__all__ = [
    "Compilation",
    "InfeasibleFleet",
    "Options",
    "compile_fleet",
    "compile_sources",
    "compile_spec",
    "parse_documents",
    "read_sources",
    "spec_of",
]


@dataclass
class Compilation:
    """Everything one run of the pipeline decided, for rendering and for reports."""

    spec: FleetSpec
    # Every placed object of every front-end: KubeFed's federated objects first, then the
    # plain objects Karmada propagates (and the namespaces they need).
    resolutions: list[AnyResolution]
    objects: list[RenderedObject]
    tree: OutputTree
    problems: Problems
    # The DNS weights, split weights and headroom the traffic stage wrote (kfedgen.traffic).
    traffic: tuple[TrafficEntry, ...] = ()
    # Each cluster's objects against its kubernetesVersion's schemas (found: in ``problems``).
    schemas: ClusterSchemas | None = field(default=None, repr=False)

    def resolution(self, ref: str) -> AnyResolution | None:
        """The decisions about ``KIND/NAMESPACE/NAME`` (``KIND/NAME``), whatever placed it."""
        return next((r for r in self.resolutions if r.ref == ref), None)


class InfeasibleFleet(InvalidInput):
    """Every error is a feasibility finding: the fleet compiled, and ``compilation`` holds it.

    The findings of :func:`kfedgen.feasibility.checks.check_feasibility` come after the
    tree is emitted, so everything else about the fleet was decided.  Callers that write
    or compare the tree treat this as any :class:`InvalidInput` (``render`` writes
    nothing); ``explain`` shows the compilation, which check failed where and why.
    """

    def __init__(self, problems: Sequence[Problem], compilation: Compilation) -> None:
        super().__init__(problems)
        self.compilation = compilation


def compile_sources(
    sources: Sequence[SourceFile],
    options: Options,
    problems: Problems | None = None,
    previous: PreviousFile | None = None,
    caches: Path | None = None,
) -> Compilation:
    """Compile the fleet from file contents; raise :class:`InvalidInput` on any error.

    When every error is a feasibility finding (``--strict`` included), the error is an
    :class:`InfeasibleFleet`, which carries the finished compilation.

    ``previous`` reads the output tree a cluster has now (suspended dispatching keeps its
    files); None: there is none to read (a revision from git).  ``caches``: the directory
    of the output's caches, where unchanged files' parsed documents are kept
    (:mod:`kfedgen.source.parsecache`); None: parse every file.
    """
    problems = problems if problems is not None else Problems()
    spec = spec_of(parse_documents(sources, options, problems, caches), options, problems)
    return compile_spec(spec, options, problems, previous, caches)


def parse_documents(
    sources: Sequence[SourceFile],
    options: Options,
    problems: Problems,
    caches: Path | None,
    unread: Sequence[SourceFile] = (),
) -> list[Document]:
    """Every document of ``sources``, ``List`` items unpacked (see :func:`compile_sources`).

    ``unread``: other input files, whose cached parses are kept for the next render.
    """
    parsed = parse_cached(sources, problems, options.load, caches, unread)
    return unpack_lists(parsed, problems)


def spec_of(documents: Sequence[Document], options: Options, problems: Problems) -> FleetSpec:
    """The typed fleet that ``documents`` declare (problems reported, not raised)."""
    return build_spec(documents, problems, _spec_options(options, problems))


def compile_spec(
    spec: FleetSpec,
    options: Options,
    problems: Problems,
    previous: PreviousFile | None = None,
    caches: Path | None = None,
) -> Compilation:
    """Every stage after the spec: what :func:`compile_sources` does once the spec is built."""
    validate(spec, problems)
    # Each stage returns new resolutions (decisions are immutable values).
    resolutions = schedule_replicas(spec, place(spec, problems), problems)
    check_override_targets(spec, resolutions, problems)
    objects: list[RenderedObject] = []
    traffic: tuple[TrafficEntry, ...] = ()
    kept: list[KeptFile] = []
    if not problems.has_errors():
        objects, resolutions = materialize(resolutions, problems)
    karmada, unselected = propagate(spec, resolutions, problems)
    everything: list[AnyResolution] = [*resolutions, *karmada]
    if not problems.has_errors():
        objects.extend(preserve_on_deletion(karmada, render_propagated(karmada), spec.gitops))
        fields = {r.ref: r.replica_field for r in everything}
        policies = apply_override_policies(spec, objects, fields, problems)
        # Every object is final now: one identity rule, whatever changed it.
        objects = check_identities(spec, policies.objects, problems)
        objects, stripped = strip_rendered(objects, {r.ref for r in karmada})
        everything = annotate(everything, policies.notes, policies.sources)
        removed = {
            k: [f"server-populated fields removed: {', '.join(p)}"] for k, p in stripped.items()
        }
        everything = annotate(everything, removed)
        # Traffic follows the final replica counts, in the same render.
        planned = plan_traffic(spec, objects, problems)
        objects, traffic = planned.objects, planned.entries
        kept, frozen = freeze_suspended(karmada, previous, options.output.as_posix(), problems)
        everything = annotate(everything, frozen)
    for document in unselected:
        problems.warning(
            document.location(("kind",)),
            (),
            f"{document.kind} {_name_of(document.data)} is a plain object that nothing "
            "federates or propagates; it is not rendered",
            "wrap it in a Federated type, or select it with a Karmada PropagationPolicy",
        )
    problems.extend(secret_warnings(objects))
    feasibility = check_feasibility(spec.clusters, objects)
    problems.extend(feasibility)
    extra = gitops_files(spec, options.output_repo_path, problems)
    tree = emit(spec.clusters, objects, problems, extra_files=extra, kept=kept)
    schemas, schema_findings = _check_schemas(spec, objects, tree, kept, problems, options, caches)
    compilation = Compilation(spec, everything, objects, tree, problems, traffic, schemas)
    _raise_if_invalid(problems, options, [*feasibility, *schema_findings], compilation)
    return compilation


def _spec_options(options: Options, problems: Problems) -> SpecOptions:
    namespace = options.namespace
    if not is_dns1123_label(namespace):
        problems.error(
            Location("--namespace"),
            (),
            f"namespace {namespace!r} is not a DNS-1123 label",
            "use lower-case letters, digits and '-', at most 63 characters",
        )
        namespace = DEFAULT_NAMESPACE
    return SpecOptions(tuple(p.as_posix() for p in options.fleet), namespace)


def _name_of(data: dict[str, object]) -> str:
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        name, namespace = metadata.get("name"), metadata.get("namespace")
        return f"{namespace}/{name}" if namespace else str(name)
    return "<unnamed>"


def _check_schemas(
    spec: FleetSpec,
    objects: Sequence[RenderedObject],
    tree: OutputTree,
    kept: Sequence[KeptFile],
    problems: Problems,
    options: Options,
    caches: Path | None,
) -> tuple[ClusterSchemas | None, list[Problem]]:
    """Each cluster's objects against its ``kubernetesVersion``'s schemas; findings warn.

    The outcome and its findings (added to ``problems``); None when no cluster declares a
    version or when the fleet has errors already (nothing will be written).  ``caches``
    keeps the outcomes (:mod:`kfedgen.backend.clusterschemas`).
    """
    versions = {name: cluster.kubernetes_version for name, cluster in spec.clusters.items()}
    if problems.has_errors() or all(version is None for version in versions.values()):
        return None, []
    schemas = check_cluster_versions(versions, objects, tree, kept, caches)
    findings = list(schemas.problems(options.output.as_posix()))
    problems.extend(findings)
    return schemas, findings


def _raise_if_invalid(
    problems: Problems,
    options: Options,
    feasibility: Sequence[Problem],
    compilation: Compilation,
) -> None:
    """Raise on errors; :class:`InfeasibleFleet` when all are ``feasibility`` findings.

    Those are the checks' findings and the per-version schema check's: the fleet compiled.
    """
    if options.strict:
        problems.items = [dataclasses.replace(p, severity=Severity.ERROR) for p in problems]
    if not problems.has_errors():
        return
    # --strict replaced the findings by errors: they are known by what they say, and where.
    findings = {(p.location, p.path, p.message) for p in feasibility}
    if all((p.location, p.path, p.message) in findings for p in problems.errors):
        raise InfeasibleFleet(problems.sorted(), compilation)
    raise InvalidInput(problems.sorted())


def compile_fleet(
    options: Options, base: Path, previous: PreviousFile | None = None
) -> Compilation:
    """Read the fleet from disk and compile it.

    Suspended clusters keep their files of ``previous`` (by default, the output tree).
    """
    problems = Problems()
    sources = read_sources(options, base, problems)
    reader = previous if previous is not None else owned_reader(options.output)
    return compile_sources(sources, options, problems, reader)
