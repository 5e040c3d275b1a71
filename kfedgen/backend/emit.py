"""Stage 5: canonical YAML bytes and file names for the output tree.

Canonical form (documented in the README): UTF-8, LF line ends, a trailing
newline, two-space indentation with list items at their parent's indentation
(``kubectl`` style), no line folding, multi-line strings as literal blocks, and
keys sorted, except in the mappings where Kubernetes tooling puts an object's identity
first (:func:`heads_first`: object roots, ``metadata``, object references), where
``apiVersion``, ``kind``, ``metadata``, ``name`` and ``namespace`` come first, in that order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from kfedgen.backend.outtree import (
    MANIFEST_PATH,
    OutputTree,
    digests_of,
    manifest_of,
    path_problem,
    sha256,
)
from kfedgen.backend.yamlemit import CanonicalWriter
from kfedgen.errors import Location, Problems
from kfedgen.rendered import RenderedObject
from kfedgen.scalars import plain_is_string
from kfedgen.selectors import api_version_problem, is_dns1123_label, kubernetes_name_problem

# The tree's names (kfedgen.backend.outtree) are part of this stage's interface too.
__all__ = [
    "CLUSTER_SCOPED_DIR",
    "KUSTOMIZATION",
    "MANIFEST_PATH",
    "OutputTree",
    "QuotingDumper",
    "canonical_writer",
    "digests_of",
    "emit",
    "identity_problem",
    "kustomization",
    "manifest_bytes",
    "manifest_identity_problem",
    "object_file",
    "path_problem",
    "sanitize",
    "sha256",
    "to_yaml",
]

KUSTOMIZATION = "kustomization.yaml"
CLUSTER_SCOPED_DIR = "_cluster"
_HEAD_KEYS = {"apiVersion": 0, "kind": 1, "metadata": 2, "name": 3, "namespace": 4}
_UNSAFE = re.compile(r"[^a-z0-9._-]")
_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_STR_TAG = "tag:yaml.org,2002:str"
# Not a type: the tag the dumper reports for a string no reader may see bare,
# which makes the emitter quote it (a plain scalar must resolve to its own tag).
_NOT_BARE_TAG = "tag:kfedgen.io,2024:not-bare"


class QuotingDumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """PyYAML's safe dumper, quoting every string some Kubernetes reader would misread."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        tag: str = super().resolve(kind, value, implicit)
        # A string is written bare only if every reader resolves it as a
        # string: kubectl (go-yaml v2), kustomize (v3), YAML 1.1 and 1.2.
        bare_string = tag == _STR_TAG and implicit[0] and kind is yaml.ScalarNode
        if bare_string and not plain_is_string(value):
            return _NOT_BARE_TAG
        return tag


class _CanonicalDumper(QuotingDumper):
    def ignore_aliases(self, data: Any) -> bool:
        # A value the fleet shares through a YAML alias (or one shared
        # copy-on-write between clusters) is written out in full: output
        # never holds anchors, so its bytes do not depend on object identity.
        return True


def heads_first(mapping: Mapping[str, Any], parent_key: str | None) -> bool:
    """Whether ``mapping`` is written with its identity keys first.

    That is where Kubernetes tooling and people write them first: an object's root (the
    document, ``parent_key`` None, or any mapping with an ``apiVersion``), its ``metadata``,
    and object references (a mapping with both ``kind`` and ``name``: ``roleRef``,
    ``subjects``, ``scaleTargetRef``, ``sourceRef``...).  Every other mapping is plainly
    sorted, so an AppProject's ``{group, kind}`` reads ``group`` first, as kubectl prints it.
    """
    return (
        parent_key is None
        or parent_key == "metadata"
        or "apiVersion" in mapping
        or ("kind" in mapping and "name" in mapping)
    )


def _head_order(key: str) -> tuple[int, str]:
    return (_HEAD_KEYS.get(key, len(_HEAD_KEYS)), key)


def ordered_keys(mapping: Mapping[str, Any], parent_key: str | None) -> list[str]:
    """The keys of ``mapping`` (found under ``parent_key``; None at the root) in canonical order."""
    if heads_first(mapping, parent_key):
        return sorted(mapping, key=_head_order)
    return sorted(mapping)


def _in_canonical_order(value: Any, parent_key: str | None = None) -> Any:
    """``value`` with every dict rebuilt in canonical key order (PyYAML keeps insertion order)."""
    if isinstance(value, dict):
        return {
            key: _in_canonical_order(value[key], key) for key in ordered_keys(value, parent_key)
        }
    if isinstance(value, list):
        return [_in_canonical_order(item, "") for item in value]
    return value


def _represent_dict(dumper: yaml.SafeDumper, data: Mapping[str, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", list(data.items()))


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        # libyaml falls back to a quoted style by itself when a literal block
        # cannot hold the string exactly (e.g. trailing spaces on a line).
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_CanonicalDumper.add_representer(dict, _represent_dict)
_CanonicalDumper.add_representer(str, _represent_str)


def to_yaml(value: Any) -> bytes:
    """Serialise ``value`` in kfedgen's canonical YAML."""
    return _reference_text(value).encode("utf-8")


def _reference_text(value: Any) -> str:
    """The definition of the canonical form: PyYAML with libyaml's emitter."""
    text: str = yaml.dump(
        _in_canonical_order(value),
        Dumper=_CanonicalDumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        width=2**31 - 1,
        indent=2,
    )
    return text


def canonical_writer() -> CanonicalWriter:
    """A writer of the same bytes as :func:`to_yaml`, faster on many similar documents.

    It caches by object identity: use one per render, on documents nobody mutates.
    """
    return CanonicalWriter(ordered_keys, _reference_text)


def sanitize(part: str) -> str:
    """A file-name-safe, lower-case form of a name (``:`` and other characters become ``_``)."""
    return _UNSAFE.sub("_", part.lower())


def identity_problem(obj: RenderedObject) -> str | None:
    """Why ``obj`` cannot be written to a file of its own (None when it can).

    Overrides and templates can change apiVersion and metadata; every part of
    the file name is checked here, last, so no input can make a path that
    leaves its cluster's directory.
    """
    if not is_dns1123_label(obj.cluster):
        return f"cluster name {obj.cluster!r} is not a DNS-1123 label"
    return manifest_identity_problem(obj.manifest)


def manifest_identity_problem(manifest: Mapping[str, Any]) -> str | None:
    """The part of :func:`identity_problem` that depends on the manifest alone."""
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if not isinstance(api_version, str):
        return "apiVersion is missing or not a string"
    problem = api_version_problem(api_version)
    if problem:
        return problem
    if not isinstance(kind, str) or not _KIND.match(kind):
        return f"kind {kind!r} is not a Kubernetes kind"
    metadata = manifest.get("metadata")
    if not isinstance(metadata, Mapping):
        return "metadata is missing or not a mapping"
    name, namespace = metadata.get("name"), metadata.get("namespace", "")
    if not isinstance(name, str):
        return "metadata.name is missing or not a string"
    problem = kubernetes_name_problem(name, api_version.rpartition("/")[0], kind)
    if problem:
        return problem
    if not isinstance(namespace, str) or (namespace and not is_dns1123_label(namespace)):
        return f"namespace {namespace!r} is not a DNS-1123 label"
    return None


def object_file(obj: RenderedObject) -> str:
    """``<cluster>/<namespace or _cluster>/<kind>[.<group>]_<name>.yaml``."""
    return f"{obj.cluster}/{file_in_cluster(obj)}"


def file_in_cluster(obj: RenderedObject) -> str:
    """``<namespace or _cluster>/<kind>[.<group>]_<name>.yaml``: its path in the cluster."""
    group = obj.api_version.rpartition("/")[0]
    kind = obj.kind.lower() + (f".{group}" if group else "")
    directory = obj.namespace or CLUSTER_SCOPED_DIR
    return f"{sanitize(directory)}/{sanitize(kind)}_{sanitize(obj.name)}.yaml"


@dataclass(frozen=True)
class KeptFile:
    """A file of the previous tree kept byte for byte (``path`` starts with its cluster)."""

    path: str
    content: bytes
    rank: int  # its place in the kustomization, as resource_rank gives it


def emit(
    clusters: Iterable[str],
    objects: Iterable[RenderedObject],
    problems: Problems,
    extra_files: Mapping[str, bytes] | None = None,
    kept: Iterable[KeptFile] = (),
) -> OutputTree:
    """Turn rendered objects into files, one per object, plus a kustomization per cluster.

    ``kept`` files (suspended dispatching) are written as they are and listed in their
    cluster's kustomization like the objects' files.
    """
    # cluster -> (rank, file in the cluster) of each file its kustomization lists
    per_cluster: dict[str, list[tuple[int, str]]] = {name: [] for name in clusters}
    writer = canonical_writer()
    made = _object_files(objects, per_cluster, writer, problems)
    files, digests = made.files, made.digests
    # The paths path_problem must still see: objects' paths are checked once per file name
    # (_drop_unsafe_paths), so only the others (kustomizations, kept and extra files).
    unchecked: list[str] = []
    for file in kept:
        cluster = file.path.partition("/")[0]
        if file.path in files or cluster not in per_cluster:
            continue  # the cluster is gone, or an object renders there now: nothing to keep
        files[file.path] = file.content
        unchecked.append(file.path)
        per_cluster[cluster].append((file.rank, file.path.removeprefix(f"{cluster}/")))
    # Clusters that receive the same files get the same kustomization: written once.
    kustomizations: dict[tuple[str, ...], bytes] = {}
    for cluster, entries in per_cluster.items():
        path = f"{cluster}/{KUSTOMIZATION}"
        files[path] = _shared_kustomization(entries, writer, kustomizations)
        unchecked.append(path)
    for path, content in (extra_files or {}).items():
        files[path] = content
        unchecked.append(path)
    _drop_unsafe_paths(files, made, unchecked, problems)
    # Objects' files are hashed already (once per distinct manifest): hash the others,
    # then list every digest in the files' order, as digests_of(files) would.
    digests.update(digests_of({path: files[path] for path in unchecked if path in files}))
    digests = {path: digests[path] for path in files}
    files[MANIFEST_PATH] = manifest_bytes(files, digests)
    tree = OutputTree(files)
    digests[MANIFEST_PATH] = sha256(files[MANIFEST_PATH])
    tree.__dict__["digests"] = digests  # the cached property, already known
    return tree


@dataclass
class _ObjectFiles:
    """The objects' files, their digests, and the object that owns each path."""

    files: dict[str, bytes]
    digests: dict[str, str]
    owners: dict[str, RenderedObject]
    shared: dict[int, _SharedManifest]  # by id of the manifest


def _object_files(
    objects: Iterable[RenderedObject],
    per_cluster: dict[str, list[tuple[int, str]]],
    writer: CanonicalWriter,
    problems: Problems,
) -> _ObjectFiles:
    """Each object's file, listed in ``per_cluster``; objects that cannot have one are reported.

    Many clusters usually receive the very same manifest: it is checked, named, serialised
    and hashed once.  The writer also reuses the text of subtrees that clusters share
    copy-on-write.
    """
    made = _ObjectFiles({}, {}, {}, {})
    files, digests, owners, shared = made.files, made.digests, made.owners, made.shared
    identities: dict[tuple[str, ...], _Identity] = {}
    cluster_ok: dict[str, bool] = {}
    for obj in objects:
        info = shared.get(id(obj.manifest))
        if info is None:
            info = shared[id(obj.manifest)] = _SharedManifest.of(obj, identities)
        cluster = obj.cluster
        ok = cluster_ok.get(cluster)
        if ok is None:
            ok = cluster_ok[cluster] = is_dns1123_label(cluster)
        problem = info.problem if ok else identity_problem(obj)
        if problem:
            problems.error(
                obj.location, (), f"{obj.origin} cannot be rendered: {problem}", _IDENTITY_HINT
            )
            continue
        path = f"{cluster}/{info.file}"
        first = owners.get(path)
        if first is not None:
            problems.error(
                obj.location,
                (),
                f"{obj.origin} and {first.origin} both render to {path} in cluster {cluster}",
                "rename one of them",
            )
            continue
        owners[path] = obj
        content = info.content
        files[path] = content if content is not None else info.write(writer)
        digests[path] = info.digest
        entries = per_cluster.get(cluster)
        if entries is None:
            entries = per_cluster[cluster] = []
        entries.append(info.entry)
    return made


def _drop_unsafe_paths(
    files: dict[str, bytes],
    made: _ObjectFiles,
    unchecked: Iterable[str],
    problems: Problems,
) -> None:
    """Report and drop every path of ``files`` that :func:`path_problem` refuses.

    An object's path is its cluster, a DNS-1123 label (checked before it got a path), then
    its file name in the cluster: such a path has a problem exactly when the file name has
    one (``tests/backend/test_emit.py`` checks that), so each distinct file name is checked
    once however many clusters receive it, and objects' paths are only visited when one
    has a problem.
    """
    unsafe = {path for path in unchecked if path in files and path_problem(path)}
    # A manifest some cluster got a path for has been written (content set).
    written = {info.file for info in made.shared.values() if info.content is not None}
    refused = {file for file in written if path_problem(file)}
    if refused:
        unsafe.update(path for path in made.owners if path.partition("/")[2] in refused)
    for path in sorted(unsafe):
        problem = path_problem(path)
        problems.error(Location("<output>"), (), f"refusing to write {path!r}: {problem}")
        del files[path]


_Identity = tuple[str | None, str, tuple[int, str]]


def _identity_key(manifest: Mapping[str, Any]) -> tuple[str, ...] | None:
    """apiVersion, kind, name and namespace, when all are strings (None otherwise)."""
    metadata = manifest.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    key = (
        manifest.get("apiVersion"),
        manifest.get("kind"),
        metadata.get("name"),
        metadata.get("namespace", ""),
    )
    return key if all(type(part) is str for part in key) else None  # type: ignore[return-value]


@dataclass
class _SharedManifest:
    """What every cluster that receives one manifest object shares."""

    manifest: Mapping[str, Any]  # kept alive: the cache is keyed by its id
    problem: str | None
    file: str  # the path inside the cluster's directory
    entry: tuple[int, str]  # (rank, file): how a kustomization lists it
    # Written and hashed when a first cluster gets the file (see write).
    content: bytes | None = None
    digest: str = ""

    @classmethod
    def of(
        cls, obj: RenderedObject, identities: dict[tuple[str, ...], _Identity]
    ) -> _SharedManifest:
        # Per-cluster variants (replicas, an image) keep the identity: check and name it once.
        key = _identity_key(obj.manifest)
        identity = identities.get(key) if key else None
        if identity is None:
            problem = manifest_identity_problem(obj.manifest)
            file = "" if problem else file_in_cluster(obj)
            identity = (problem, file, (resource_rank(obj), file))
            if key:
                identities[key] = identity
        return cls(obj.manifest, *identity)

    def write(self, writer: CanonicalWriter) -> bytes:
        """The file's bytes, written (and hashed) once for every cluster.

        Only a file some cluster gets is written: a manifest with an identity problem
        is never serialised, as before this was shared.
        """
        if self.content is None:
            self.content = writer.dump(self.manifest).encode("utf-8")
            self.digest = sha256(self.content)
        return self.content


_IDENTITY_HINT = "check its apiVersion, kind and metadata, and every override that changes them"


def resource_rank(obj: RenderedObject) -> int:
    """Where the object's file goes in its cluster's kustomization (lower first)."""
    # Namespaces and CRDs first: other objects may need them to exist.
    if obj.kind == "Namespace" and "/" not in obj.api_version:
        return 0
    if obj.kind == "CustomResourceDefinition":
        return 1
    return 2


def kustomization(
    cluster: str, entries: list[tuple[int, str]], writer: CanonicalWriter | None = None
) -> bytes:
    """The cluster's ``kustomization.yaml``: every resource file, Namespaces and CRDs first."""
    prefix = f"{cluster}/"
    resources = tuple(path.removeprefix(prefix) for _, path in sorted(entries))
    return _kustomization_text(resources, writer)


def _kustomization_text(resources: tuple[str, ...], writer: CanonicalWriter | None) -> bytes:
    document = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": list(resources),
    }
    return (writer or canonical_writer()).dump(document).encode("utf-8")


def _shared_kustomization(
    entries: list[tuple[int, str]], writer: CanonicalWriter, made: dict[tuple[str, ...], bytes]
) -> bytes:
    """:func:`kustomization` of (rank, file in the cluster) ``entries``, one bytes object for
    every cluster with the same resources.

    The text names no cluster, so equal resource lists give equal files; sharing the object
    also lets the manifest hash it once (:func:`digests_of`).  Files in one cluster sort
    as their paths do (one common prefix).
    """
    resources = tuple(file for _, file in sorted(entries))
    content = made.get(resources)
    if content is None:
        content = made[resources] = _kustomization_text(resources, writer)
    return content


def manifest_bytes(files: Mapping[str, bytes], digests: Mapping[str, str] | None = None) -> bytes:
    """The ownership manifest of ``files`` (see :func:`kfedgen.backend.outtree.manifest_of`).

    Content shared by many clusters (one bytes object) is hashed once; ``digests``
    (from :func:`digests_of`) saves hashing again.
    """
    return manifest_of(files, digests if digests is not None else digests_of(files))
