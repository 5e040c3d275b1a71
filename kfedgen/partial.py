"""Compile only the federated objects whose input files changed.

A render after a one-object edit used to place, schedule, materialize and emit
every object of the fleet again.  In most fleets an object's files depend only on
that object and the fleet's shared documents (the inventory, the namespaces,
``FederatedTypeConfig``s and the ReplicaSchedulingPreference that schedules it),
so a render may compile the changed objects alone against those documents and
keep every other file as the last render wrote it.  This module decides when
that is exactly a full compile, and does it; anything it cannot prove means a
full compile, never other output.

A fleet qualifies (:func:`qualifies`) when nothing relates one object's output to
another's beyond what this module checks:

- no problem at all (no warning either: warnings are one line per source object,
  and a partial compile could not tell which of the old ones still hold) and no
  note;
- no Karmada policy, interpreter customization or plain object (Karmada selects
  objects by their labels and follows references between them), no
  ``MultiClusterService`` and no ``traffic`` section (weights follow other objects'
  replicas);
- no feasibility check runs for any cluster (capacity sums every object of a
  cluster, references look for other objects; a cluster without the inventory
  data a check needs skips it), so no per-version schema check either.

Then a changed input file may be compiled alone when (:func:`compile_changed`):

- it held, and still holds, only federated objects (not ``FederatedNamespace``)
  and the preferences that schedule them, with the same refs in the same order;
- the changed objects compile, with the shared documents, without a problem;
- each changed object renders to exactly the files it rendered to before (the
  same file names in the same clusters), none of them a ``Namespace`` or a
  ``CustomResourceDefinition``.  So no cluster's ``kustomization.yaml`` changes
  (it lists file names, Namespaces and CRDs first), no two objects can now
  render to one file (they did not before), and no namespace another object
  needs appears or goes.

The tree on disk must also be exactly the last render's (the stat cache proves
it: :func:`kfedgen.backend.write.write_changes`).  ``tests/test_partial.py``
checks, on random edits, that a render through this path writes the bytes and
says the messages of a full render.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kfedgen.backend.emit import file_in_cluster
from kfedgen.backend.karmada_freeze import PreviousFile
from kfedgen.backend.objectindex import ObjectFiles, ObjectIndex
from kfedgen.backend.outtree import MANIFEST_PATH, sha256
from kfedgen.errors import InvalidInput, Problems
from kfedgen.feasibility.checks import CHECKS
from kfedgen.model import FleetSpec
from kfedgen.pipeline import Compilation, Options, compile_spec, parse_documents, spec_of
from kfedgen.rendered import RenderedObject
from kfedgen.source.load import Document, SourceFile

# Files whose place in a kustomization (and in the namespace check) depends on their
# kind: an object rendering one is never compiled alone.
_ORDERED_KINDS = ("namespace_", "customresourcedefinition")


@dataclass(frozen=True)
class ChangedObjects:
    """The files of the objects a partial compile rendered, and the index after it."""

    contents: dict[str, bytes]  # output path -> bytes, every file of the changed objects
    digests: dict[str, str]  # output path -> sha256
    clusters: int
    inputs: dict[str, str]  # every input file -> sha256 of its bytes, as now


def qualifies(compilation: Compilation) -> bool:
    """Whether every object's files depend only on itself and the shared documents."""
    spec = compilation.spec
    return not (
        compilation.problems.items
        or compilation.traffic
        or compilation.schemas is not None
        or spec.traffic is not None
        or spec.multicluster_services
        or spec.propagation_policies
        or spec.override_policies
        or spec.customizations
        or spec.plain
        or any(check.runs_for(cluster) for cluster in spec.clusters.values() for check in CHECKS)
    )


def input_digests(sources: Iterable[SourceFile]) -> dict[str, str]:
    """The sha256 of every input file, by the name messages give it."""
    return {source.display_name: sha256(source.content) for source in sources}


def index_of(
    compilation: Compilation, documents: Sequence[Document], base: str, inputs: dict[str, str]
) -> ObjectIndex | None:
    """The object index of a full compile; None when the fleet does not qualify."""
    if not qualifies(compilation):
        return None
    units = file_units(documents, compilation.spec)
    files = object_files(compilation.objects, {ref for refs in units.values() for ref in refs})
    for name, refs in list(units.items()):
        if any(_has_ordered_kind(files.get(ref, {})) for ref in refs):
            del units[name]
    kept = {ref for refs in units.values() for ref in refs}
    files = {ref: by_file for ref, by_file in files.items() if ref in kept}
    manifest = compilation.tree.digests[MANIFEST_PATH]
    return ObjectIndex(base, manifest, inputs, units, files)


def compile_indexed(
    sources: Sequence[SourceFile],
    options: Options,
    problems: Problems,
    previous: PreviousFile | None,
    caches: Path | None,
    base: str | None,
) -> tuple[Compilation, ObjectIndex | None]:
    """:func:`kfedgen.pipeline.compile_sources`, with the object index of the result.

    The index is None when the fleet does not qualify, or when ``base``
    (:func:`kfedgen.backend.objectindex.index_base` of the options) is None: no index
    is wanted.
    """
    documents = parse_documents(sources, options, problems, caches)
    spec = spec_of(documents, options, problems)
    compilation = compile_spec(spec, options, problems, previous, caches)
    if base is None:
        return compilation, None
    return compilation, index_of(compilation, documents, base, input_digests(sources))


def file_units(documents: Sequence[Document], spec: FleetSpec) -> dict[str, tuple[str, ...]]:
    """Input files that hold only federated objects and preferences scheduling them.

    For each, the refs of its objects in file order.  A preference must schedule an
    object of its own file: one that schedules an object elsewhere changes that one.
    """
    leaves = {id(obj.doc): obj.ref for obj in spec.federated if not obj.target.is_namespace}
    preferences = {id(rsp.doc): rsp.target_ref for rsp in spec.preferences}
    refs: dict[str, list[str]] = {}
    targets: dict[str, list[str]] = {}
    mixed: set[str] = set()
    for document in documents:
        name = document.file
        ref = leaves.get(id(document))
        if ref is not None:
            refs.setdefault(name, []).append(ref)
            continue
        target = preferences.get(id(document))
        if target is None:
            mixed.add(name)
        else:
            targets.setdefault(name, []).append(target)
    return {
        name: tuple(found)
        for name, found in refs.items()
        if name not in mixed and set(targets.get(name, ())) <= set(found)
    }


def object_files(objects: Iterable[RenderedObject], refs: set[str]) -> ObjectFiles:
    """For each of ``refs``: its file in the cluster directory -> the clusters (sorted)."""
    by_ref: dict[str, dict[str, list[str]]] = {}
    named: dict[int, str] = {}  # by id of the manifest: clusters share manifests
    for obj in objects:
        if obj.origin not in refs:
            continue
        file = named.get(id(obj.manifest))
        if file is None:
            file = named[id(obj.manifest)] = file_in_cluster(obj)
        by_ref.setdefault(obj.origin, {}).setdefault(file, []).append(obj.cluster)
    return {
        ref: {file: tuple(sorted(clusters)) for file, clusters in by_file.items()}
        for ref, by_file in by_ref.items()
    }


def _has_ordered_kind(by_file: dict[str, tuple[str, ...]]) -> bool:
    return any(file.rpartition("/")[2].startswith(_ORDERED_KINDS) for file in by_file)


def compile_changed(
    sources: Sequence[SourceFile],
    options: Options,
    index: ObjectIndex,
    caches: Path | None = None,
) -> ChangedObjects | None:
    """The changed objects' files, compiled alone; None when only a full compile can tell.

    ``index``: the last render's (:func:`index_of`); ``caches``: the parse cache's
    directory (:func:`kfedgen.pipeline.compile_sources`).
    """
    inputs = input_digests(sources)
    if inputs.keys() != index.inputs.keys():
        return None
    changed = {name for name, digest in inputs.items() if index.inputs[name] != digest}
    if not changed or not changed <= index.units.keys():
        return None
    # Files of other objects only are not read: their objects are not compiled.
    others = index.units.keys() - changed
    needed = [source for source in sources if source.display_name not in others]
    unread = [source for source in sources if source.display_name in others]
    problems = Problems()
    documents = parse_documents(needed, options, problems, caches, unread)
    spec = spec_of(documents, options, problems) if not problems.items else None
    if spec is None or problems.items:
        return None
    units = file_units(documents, spec)
    if any(units.get(name) != index.units[name] for name in changed):
        return None
    refs = {ref for name in changed for ref in units[name]}
    reduced = dataclasses.replace(
        spec,
        federated=[o for o in spec.federated if o.target.is_namespace or o.ref in refs],
        preferences=[rsp for rsp in spec.preferences if rsp.target_ref in refs],
    )
    try:
        compilation = compile_spec(reduced, options, problems)
    except InvalidInput:
        return None
    if problems.items or not qualifies(compilation):
        return None
    files = object_files(compilation.objects, refs)
    if any(files.get(ref) != index.files.get(ref) for ref in refs):
        return None
    tree = compilation.tree
    paths = [
        f"{cluster}/{file}"
        for by_file in files.values()
        for file, clusters in by_file.items()
        for cluster in clusters
    ]
    contents = {path: tree.files[path] for path in paths}
    digests = {path: tree.digests[path] for path in paths}
    return ChangedObjects(contents, digests, len(spec.clusters), inputs)
