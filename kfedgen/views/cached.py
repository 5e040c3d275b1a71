"""``render`` and ``render --check``: answered from kfedgen's caches when nothing changed.

The pre-commit hook and CI run these on every commit, and usually no input
and no output file changed.  Then the compile cache names the manifest the
fleet renders to and the stat cache confirms that the tree on disk is that
one (:mod:`kfedgen.backend.compilecache`, :mod:`kfedgen.backend.statcache`),
and this module never imports the compile stages: importing them costs more
than the rest of such a run.  On any miss the pipeline is imported and run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kfedgen.backend import compilecache, objectindex
from kfedgen.backend.compilecache import CachedRender
from kfedgen.backend.outtree import MANIFEST_PATH
from kfedgen.backend.statcache import StatCache, cache_dir
from kfedgen.backend.write import TreeDiff, compare, confirm, write_changes
from kfedgen.backend.write import write as write_tree
from kfedgen.errors import Problems
from kfedgen.inputs import Options, fingerprint, read_sources
from kfedgen.source.files import SourceFile

if TYPE_CHECKING:
    from kfedgen.partial import ChangedObjects
    from kfedgen.pipeline import Compilation


@dataclass(frozen=True)
class Outcome:
    """What ``render`` and ``render --check`` report: from a compilation, or from the cache."""

    problems: Problems
    clusters: int
    # None when the compile cache answered, or when render wrote the tree and let the
    # compilation go (nothing after the write needs it).
    compilation: Compilation | None
    compiled: bool  # False: the compile cache answered, nothing was compiled
    # Said once a run, in the text format: the declared Kubernetes versions whose objects
    # were not schema-checked (no bundled schemas), say.
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, compilation: Compilation) -> Outcome:
        """The outcome of a compiled fleet."""
        schemas = compilation.schemas
        notes = schemas.notes() if schemas is not None else ()
        return cls(compilation.problems, len(compilation.spec.clusters), compilation, True, notes)


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


def _cached_or_compiled(options: Options, base: Path, write: bool) -> tuple[Outcome, TreeDiff]:
    problems = Problems()
    sources = read_sources(options, base, problems)
    caches = cache_dir(options.output)
    options_text = fingerprint(options, base)
    key = None
    if caches is not None and not problems.items:
        key = compilecache.compile_key(sources, options_text)
        cached = compilecache.load(caches, key)
        if cached is not None:
            diff = confirm(options.output, cached.manifest_digest, lock=write)
            if diff is not None:
                problems = Problems(list(cached.problems))
                return Outcome(problems, cached.clusters, None, False, cached.notes), diff
    # Only a render keeps an object index: it describes the tree it writes.
    base_of_index = objectindex.index_base(options_text) if write else None
    if base_of_index is not None and key is not None and caches is not None:
        done = _render_changed(options, sources, caches, key, base_of_index)
        if done is not None:
            return done
    # A miss: only now the compile stages are imported.
    from kfedgen.backend.ownership import owned_reader  # noqa: PLC0415
    from kfedgen.partial import compile_indexed  # noqa: PLC0415

    # Suspended clusters keep the files the output tree has now (kfedgen.backend.karmada_freeze).
    reader = owned_reader(options.output)
    compilation, index = compile_indexed(sources, options, problems, reader, caches, base_of_index)
    outcome, tree = Outcome.of(compilation), compilation.tree
    if write:
        # Writing needs the tree alone, and the report only the problems and the count:
        # the objects and decisions (most of a large fleet's memory) go before the write.
        outcome = Outcome(compilation.problems, outcome.clusters, None, True, outcome.notes)
        del compilation
        objectindex.forget(caches)  # the tree it describes is about to be replaced
        diff = write_tree(options.output, tree)
        if index is not None:
            objectindex.store(caches, index)
    else:
        stats = StatCache.load(caches, options.output)
        diff = compare(options.output, tree, stats)
        if diff.is_current:
            stats.settle(tree.digests, tree.digests[MANIFEST_PATH])
        if stats.dirty:  # like git status refreshing the index: the cache, never the tree
            stats.save(caches)
    if key is not None:
        entry = CachedRender(
            tree.digests[MANIFEST_PATH], outcome.clusters, tuple(outcome.problems), outcome.notes
        )
        compilecache.store(caches, key, entry)
    return outcome, diff


def _render_changed(
    options: Options, sources: list[SourceFile], caches: Path, key: str, base: str
) -> tuple[Outcome, TreeDiff] | None:
    """Render by compiling only the objects whose input files changed (:mod:`kfedgen.partial`).

    None when that cannot be proven to give a full render's output: compile in full.
    """
    index = objectindex.load(caches, base)
    if index is None:
        return None

    def compile_changes() -> ChangedObjects | None:
        # Imported here, while the output is listed beside: the no-op never needs it.
        from kfedgen.partial import compile_changed  # noqa: PLC0415

        return compile_changed(sources, options, index, caches)

    written = write_changes(options.output, index.manifest, compile_changes)
    if written is None:
        return None
    diff, manifest, changed = written
    objectindex.store(caches, dataclasses.replace(index, manifest=manifest, inputs=changed.inputs))
    compilecache.store(caches, key, CachedRender(manifest, changed.clusters, (), ()))
    return Outcome(Problems(), changed.clusters, None, True), diff
