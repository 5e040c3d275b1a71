"""The compiler pipeline: load -> validate -> resolve -> materialize -> emit -> write.

:func:`compile_sources` is pure (bytes in, output tree out); reading files and
writing the tree happen only in :func:`read_sources` and :func:`render`.
``render --check``, ``plan``, ``explain`` and ``diff`` are all views over
:class:`Compilation`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.backend.emit import OutputTree, emit
from kfedgen.backend.karmada_overrides import apply_override_policies
from kfedgen.backend.karmada_preserve import preserve_on_deletion
from kfedgen.backend.karmada_render import render_propagated
from kfedgen.backend.lint import secret_warnings
from kfedgen.backend.materialize import materialize
from kfedgen.backend.serverfields import strip_rendered
from kfedgen.backend.write import TreeDiff, compare, overlap_problem, write
from kfedgen.decisions import AnyResolution
from kfedgen.errors import InvalidInput, Location, OutputError, Problems, Severity
from kfedgen.frontends.kubefed.validate import check_references
from kfedgen.frontends.scope import DEFAULT_NAMESPACE
from kfedgen.frontends.spec import SpecOptions, build_spec
from kfedgen.gitops.files import gitops_files
from kfedgen.identity import check_identities
from kfedgen.model import FleetSpec
from kfedgen.placement.karmada_propagation import propagate
from kfedgen.placement.resolve import check_override_targets, place
from kfedgen.placement.rsp import schedule_replicas
from kfedgen.rendered import RenderedObject
from kfedgen.selectors import is_dns1123_label
from kfedgen.source.lists import unpack_lists
from kfedgen.source.load import LoadOptions, SourceFile, discover, parse_sources


@dataclass(frozen=True)
class Options:
    """What to read and where to write; every command takes these."""

    fleet: tuple[Path, ...] = (Path("fleet"),)
    overlays: Path | None = Path("overlays")
    output: Path = Path("rendered")
    strict: bool = False
    load: LoadOptions = field(default_factory=LoadOptions)
    # The output directory as a path from the git repository root: Argo CD
    # Applications and Flux Kustomizations point at it.
    output_repo_path: str = "rendered"
    # The namespace of namespaced objects that name none (kubectl's context namespace).
    namespace: str = DEFAULT_NAMESPACE


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

    def resolution(self, ref: str) -> AnyResolution | None:
        """The decisions about ``KIND/NAMESPACE/NAME`` (``KIND/NAME``), whatever placed it."""
        return next((r for r in self.resolutions if r.ref == ref), None)


def read_sources(options: Options, base: Path, problems: Problems) -> list[SourceFile]:
    """Read the fleet files (and overlays, when the directory exists)."""
    paths = list(options.fleet)
    if options.overlays is not None and options.overlays.is_dir():
        paths.append(options.overlays)
    overlap = overlap_problem(options.output, paths)
    if overlap:
        raise OutputError(overlap)
    return discover(paths, base, problems, options.load.max_file_bytes)


def compile_sources(
    sources: Sequence[SourceFile], options: Options, problems: Problems | None = None
) -> Compilation:
    """Compile the fleet from file contents; raise :class:`InvalidInput` on any error."""
    problems = problems if problems is not None else Problems()
    documents = unpack_lists(parse_sources(sources, problems, options.load), problems)
    spec = build_spec(documents, problems, _spec_options(options, problems))
    check_references(spec, problems)
    resolutions = place(spec, problems)
    schedule_replicas(spec, resolutions, problems)
    check_override_targets(spec, resolutions, problems)
    objects = materialize(spec, resolutions, problems) if not problems.has_errors() else []
    karmada, unselected = propagate(spec, resolutions, problems)
    everything: list[AnyResolution] = [*resolutions, *karmada]
    if not problems.has_errors():
        objects.extend(preserve_on_deletion(karmada, render_propagated(karmada), spec.gitops))
        decisions = {r.ref: r.decisions for r in everything}
        objects = apply_override_policies(spec, objects, decisions, problems)
        # Every object is final now: one identity rule, whatever changed it.
        objects = check_identities(spec, objects, problems)
        objects, stripped = strip_rendered(objects, {r.ref for r in karmada})
        for (origin, cluster), paths in stripped.items():
            decisions[origin][cluster].note(f"server-populated fields removed: {', '.join(paths)}")
    for document in unselected:
        problems.warning(
            document.location(("kind",)),
            (),
            f"{document.kind} {_name_of(document.data)} is a plain object that nothing "
            "federates or propagates; it is not rendered",
            "wrap it in a Federated type, or select it with a Karmada PropagationPolicy",
        )
    problems.extend(secret_warnings(objects))
    extra = gitops_files(spec, options.output_repo_path, problems)
    tree = emit(spec.clusters, objects, problems, extra_files=extra)
    _raise_if_invalid(problems, options)
    return Compilation(spec, everything, objects, tree, problems)


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


def _raise_if_invalid(problems: Problems, options: Options) -> None:
    if options.strict:
        problems.items = [dataclasses.replace(p, severity=Severity.ERROR) for p in problems]
    if problems.has_errors():
        raise InvalidInput(problems.sorted())


def compile_fleet(options: Options, base: Path) -> Compilation:
    """Read the fleet from disk and compile it."""
    problems = Problems()
    sources = read_sources(options, base, problems)
    return compile_sources(sources, options, problems)


def render(options: Options, base: Path) -> tuple[Compilation, TreeDiff]:
    """Compile and write the output tree atomically; nothing is written on invalid input."""
    compilation = compile_fleet(options, base)
    return compilation, write(options.output, compilation.tree)


def check(options: Options, base: Path) -> tuple[Compilation, TreeDiff]:
    """Compile in memory and compare with the output tree; writes nothing."""
    compilation = compile_fleet(options, base)
    return compilation, compare(options.output, compilation.tree)


def repo_relative(output: Path) -> str:
    """``output`` as a POSIX path from the root of the git repository that contains it.

    Argo CD and Flux resolve paths from the repository root, whatever directory
    kfedgen was run from; outside a repository the path is taken as given.
    """
    absolute = output.absolute()
    for directory in (absolute, *absolute.parents):
        if (directory / ".git").exists():
            return absolute.relative_to(directory).as_posix() or "."
    return output.as_posix()
