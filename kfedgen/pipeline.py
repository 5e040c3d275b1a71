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

from kfedgen.backend import compilecache
from kfedgen.backend.compilecache import CachedRender
from kfedgen.backend.emit import MANIFEST_PATH, OutputTree, emit
from kfedgen.backend.karmada_overrides import apply_override_policies
from kfedgen.backend.karmada_preserve import preserve_on_deletion
from kfedgen.backend.karmada_render import render_propagated
from kfedgen.backend.lint import secret_warnings
from kfedgen.backend.materialize import materialize
from kfedgen.backend.serverfields import strip_rendered
from kfedgen.backend.statcache import StatCache, cache_dir
from kfedgen.backend.write import TreeDiff, compare, confirm, overlap_problem
from kfedgen.backend.write import write as write_tree
from kfedgen.decisions import AnyResolution, annotate
from kfedgen.errors import InvalidInput, Location, OutputError, Problems, Severity
from kfedgen.feasibility.checks import check_feasibility
from kfedgen.frontends.scope import DEFAULT_NAMESPACE
from kfedgen.frontends.spec import SpecOptions, build_spec
from kfedgen.frontends.validate import validate
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
    validate(spec, problems)
    # Each stage returns new resolutions (decisions are immutable values).
    resolutions = schedule_replicas(spec, place(spec, problems), problems)
    check_override_targets(spec, resolutions, problems)
    objects: list[RenderedObject] = []
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
    for document in unselected:
        problems.warning(
            document.location(("kind",)),
            (),
            f"{document.kind} {_name_of(document.data)} is a plain object that nothing "
            "federates or propagates; it is not rendered",
            "wrap it in a Federated type, or select it with a Karmada PropagationPolicy",
        )
    problems.extend(secret_warnings(objects))
    problems.extend(check_feasibility(spec.clusters, objects))
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


@dataclass(frozen=True)
class Outcome:
    """What ``render`` and ``render --check`` report: from a compilation, or from the cache."""

    problems: Problems
    clusters: int
    compilation: Compilation | None  # None: the compile cache answered, nothing was compiled

    @classmethod
    def of(cls, compilation: Compilation) -> Outcome:
        return cls(compilation.problems, len(compilation.spec.clusters), compilation)


def render(options: Options, base: Path) -> tuple[Outcome, TreeDiff]:
    """Compile and write the output tree atomically; nothing is written on invalid input.

    When no input changed since the render that wrote the tree on disk, and the
    tree is still what it wrote, nothing is compiled (:mod:`kfedgen.backend.compilecache`).
    """
    return _cached_or_compiled(options, base, write=True)


def check(options: Options, base: Path) -> tuple[Outcome, TreeDiff]:
    """Compile in memory and compare with the output tree; writes nothing.

    Only kfedgen's caches may be refreshed (like ``git status`` refreshing the
    index), never the output tree.
    """
    return _cached_or_compiled(options, base, write=False)


def fingerprint(options: Options, base: Path) -> str:
    """Everything besides the input files that a render's bytes depend on, as text."""
    # Every option (paths as given: they name files in messages) and where they resolve from.
    return f"{options!r}\0{base.absolute()}"


def _cached_or_compiled(options: Options, base: Path, write: bool) -> tuple[Outcome, TreeDiff]:
    problems = Problems()
    sources = read_sources(options, base, problems)
    caches = cache_dir(options.output)
    key = None
    if caches is not None and not problems.items:
        key = compilecache.compile_key(sources, fingerprint(options, base))
        cached = compilecache.load(caches, key)
        if cached is not None:
            diff = confirm(options.output, cached.manifest_digest, lock=write)
            if diff is not None:
                return Outcome(Problems(list(cached.problems)), cached.clusters, None), diff
    compilation = compile_sources(sources, options, problems)
    if write:
        diff = write_tree(options.output, compilation.tree)
    else:
        stats = StatCache.load(caches, options.output)
        diff = compare(options.output, compilation.tree, stats)
        if diff.is_current:
            stats.settle(compilation.tree.digests, compilation.tree.digests[MANIFEST_PATH])
        if stats.dirty:  # like git status refreshing the index: the cache, never the tree
            stats.save(caches)
    if key is not None:
        digest = compilation.tree.digests[MANIFEST_PATH]
        entry = CachedRender(digest, len(compilation.spec.clusters), tuple(compilation.problems))
        compilecache.store(caches, key, entry)
    return Outcome.of(compilation), diff


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
