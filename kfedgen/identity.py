"""One rule for the identity of every rendered object, whatever produced it.

An object's identity -- its API group, kind, name, namespace and the absence of
``generateName`` -- is decided by its source: a federated object's type, name and
namespace, or a resource template's own fields.  Templates, KubeFed overrides, the
replica scheduler and every Karmada overrider (plaintext, labels, annotations, image,
command, args, fieldOverrider) patch the object afterwards, and each of them could change
it: a ``replace /metadata`` drops the namespace, a ``replace /kind`` turns a ClusterRole
into a "Secret", an imageOverrider with ``predicate.path: /metadata/name`` renames it.
Checking paths cannot see all of these, so the rule checks results.

Each stage that patches an object moves its :class:`Trail` along with the patched
manifest, noting which step (:class:`Source`) last changed each identity field.  Once the
object is final, :func:`check_identities` compares its manifest with the identity its
source decided and reports every change at the step that made it; it also checks that a
namespaced object lands only in a namespace that is placed in its cluster.  Changing
only the version inside the API group (``apps/v1`` to ``apps/v1beta2``) is allowed: it
is how an override targets an older API, and file names do not carry the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.model import FleetSpec
from kfedgen.placement.resolve import select_clusters

# Namespaces every cluster has that no front-end renders: Karmada's namespace sync leaves
# "default" alone for that reason.  Other system namespaces must be placed explicitly
# (KubeFed: a FederatedNamespace; Karmada never propagates into kube-*).
PREEXISTING_NAMESPACES = frozenset({"default"})

# Identity field -> where it is written in a manifest (and in a resource template).
FIELD_PATHS: dict[str, DocPath] = {
    "apiVersion": ("apiVersion",),
    "kind": ("kind",),
    "name": ("metadata", "name"),
    "namespace": ("metadata", "namespace"),
    "generateName": ("metadata", "generateName"),
}
_CLUSTERS_SHOWN = 5


class Locatable(Protocol):
    """A parsed document (or something holding one) that can locate a path in it."""

    def location(self, path: DocPath = ...) -> Location: ...


@dataclass(frozen=True)
class Source:
    """A step that wrote to an object: the document and path it came from, for messages.

    ``label`` names it in a sentence ("the override", "ClusterOverridePolicy mirror").
    The location is looked up only when a problem is reported.
    """

    owner: Locatable
    path: DocPath
    label: str

    @property
    def location(self) -> Location:
        return self.owner.location(self.path)


@dataclass(frozen=True)
class Identity:
    """What identifies an object in a cluster (values as written: they may be of any type)."""

    api_version: Any
    kind: Any
    name: Any
    namespace: Any  # "" when absent or null
    generate_name: Any  # None when absent, null or ""

    @classmethod
    def of(cls, manifest: Mapping[str, Any]) -> Identity:
        metadata = manifest.get("metadata")
        meta: Mapping[str, Any] = metadata if isinstance(metadata, Mapping) else {}
        namespace = meta.get("namespace")
        return cls(
            manifest.get("apiVersion"),
            manifest.get("kind"),
            meta.get("name"),
            "" if namespace is None else namespace,
            meta.get("generateName") or None,
        )

    @property
    def group(self) -> Any:
        """The API group ("" for the core group); the value itself when it is not a string."""
        if isinstance(self.api_version, str):
            return self.api_version.rpartition("/")[0]
        return self.api_version

    def differences(self, other: Identity) -> list[str]:
        """The identity fields (keys of :data:`FIELD_PATHS`) where ``other`` differs from this."""
        fields = []
        if other.group != self.group or type(other.group) is not type(self.group):
            fields.append("apiVersion")
        for field, mine, theirs in (
            ("kind", self.kind, other.kind),
            ("name", self.name, other.name),
            ("namespace", self.namespace, other.namespace),
            ("generateName", self.generate_name, other.generate_name),
        ):
            if mine != theirs or type(mine) is not type(theirs):
                fields.append(field)
        return fields

    def as_source(self, api_version: str | None = None) -> Identity:
        """This identity as a source decides it: no ``generateName``, and (when given) the
        ``api_version`` of the object's type, whose group is fixed (its version is not)."""
        if api_version is None:
            api_version = self.api_version
        return replace(self, api_version=api_version, generate_name=None)


@dataclass(frozen=True)
class Trail:
    """An object's identity as its source decided it, and who changed it since.

    ``source`` is the document the object comes from; ``template`` the path of its resource
    template inside it (``("spec", "template")`` for a federated object), where ``apiVersion``
    and ``generateName`` are written.
    """

    expected: Identity
    current: Identity
    source: Locatable
    template: DocPath
    label: str
    blame: tuple[tuple[str, Source], ...] = ()  # (field, step); later entries win

    @classmethod
    def start(
        cls,
        manifest: Mapping[str, Any],
        expected: Identity,
        source: Locatable,
        template: DocPath = (),
        label: str = "the object",
    ) -> Trail:
        """The trail of an object as its front-end built it from ``source``."""
        return cls(expected, Identity.of(manifest), source, template, label)

    def step(self, manifest: Mapping[str, Any], source: Source) -> Trail:
        """The trail after ``source`` turned the object into ``manifest``."""
        return self.step_to(Identity.of(manifest), source)

    def step_to(self, identity: Identity, source: Source) -> Trail:
        """The trail after ``source`` gave the object ``identity``."""
        changed = self.current.differences(identity)
        if not changed:
            return self
        blame = (*self.blame, *((field, source) for field in changed))
        return replace(self, current=identity, blame=blame)

    def culprit(self, field: str) -> Source:
        """The step that last changed ``field``, else the source field that set it."""
        for name, source in reversed(self.blame):
            if name == field:
                return source
        path = FIELD_PATHS[field]
        if field in ("apiVersion", "generateName"):
            path = (*self.template, *path)
        return Source(self.source, path, self.label)


class Checked(Protocol):
    """A per-cluster object as :func:`check_identities` needs it."""

    @property
    def cluster(self) -> str: ...
    @property
    def manifest(self) -> Mapping[str, Any]: ...
    @property
    def origin(self) -> str: ...
    @property
    def trail(self) -> Trail | None: ...


_T = TypeVar("_T", bound=Checked)


def check_identities(spec: FleetSpec, objects: Sequence[_T], problems: Problems) -> list[_T]:
    """The objects whose identity is their source's; every other one is an error.

    Call this once each object is final (after every override).  An error names the step
    that made the change, with every cluster it made it in.
    """
    report = _Report()
    identity_of = _Identities()
    differences: dict[tuple[int, int], list[str]] = {}
    kept: list[tuple[_T, Identity]] = []
    known = identity_of.by_manifest  # the common case, looked up without a call
    for obj in objects:
        manifest = obj.manifest
        actual = known.get(id(manifest)) or identity_of(manifest)
        trail = obj.trail
        if trail is None:
            kept.append((obj, actual))
            continue
        # Both keys stay alive for the whole call (the trail in obj, the identity in the memo).
        key = (id(trail.expected), id(actual))
        fields = differences.get(key)
        if fields is None:
            fields = differences[key] = trail.expected.differences(actual)
        for field in fields:
            source = trail.culprit(field)
            message, hint = _change_text(field, trail.expected, actual, obj.origin, source.label)
            report.add(source, message, hint, obj.cluster)
        if not fields:
            kept.append((obj, actual))
    placed = _placed_namespaces(spec, kept)
    result = []
    for obj, identity in kept:
        namespace = identity.namespace
        if not namespace or (obj.cluster, namespace) in placed:
            result.append(obj)
            continue
        trail = obj.trail
        if trail is not None:
            report.add(
                trail.culprit("namespace"),
                f"{obj.origin} lands in namespace {namespace!r}, which is not placed",
                f"place namespace {namespace} in that cluster too, with a Namespace object "
                "or its FederatedNamespace",
                obj.cluster,
            )
        else:
            result.append(obj)
    report.flush(problems)
    return result


class _Identities:
    """The identity of manifests, computed once per distinct identity fields.

    Clusters share manifests, and unchanged subtrees, copy-on-write: a manifest seen before
    is looked up by its ``id``, and most per-cluster variants hold the very same
    ``metadata`` mapping, so keying on the ids of the three values an identity is read
    from spares one ``Identity.of`` per variant.  Both are exact while the caller keeps
    the manifests alive.
    """

    def __init__(self) -> None:
        self.by_manifest: dict[int, Identity] = {}
        self.by_fields: dict[tuple[int, int, int], Identity] = {}

    def __call__(self, manifest: Mapping[str, Any]) -> Identity:
        identity = self.by_manifest.get(id(manifest))
        if identity is None:
            key = (
                id(manifest.get("apiVersion")),
                id(manifest.get("kind")),
                id(manifest.get("metadata")),
            )
            identity = self.by_fields.get(key)
            if identity is None:
                identity = self.by_fields[key] = Identity.of(manifest)
            self.by_manifest[id(manifest)] = identity
        return identity


def _placed_namespaces(
    spec: FleetSpec, objects: Iterable[tuple[Checked, Identity]]
) -> set[tuple[str, Any]]:
    """(cluster, namespace) for every namespace that exists in a cluster once it syncs."""
    clusters = spec.cluster_list()
    placed: set[tuple[str, Any]] = {
        (c.name, name) for c in clusters for name in PREEXISTING_NAMESPACES
    }
    for obj, identity in objects:
        # The identity holds the manifest's own apiVersion and kind (whatever their type).
        if identity.kind == "Namespace" and identity.api_version == "v1":
            placed.add((obj.cluster, identity.name))
    # A FederatedNamespace places its namespace even where KubeFed does not render the
    # Namespace object itself (kube-system and the other system namespaces).
    for name, namespace in spec.namespaces.items():
        placed.update((c, name) for c in select_clusters(namespace.placement, clusters))
    return placed


def _describe_group(identity: Identity) -> str:
    group = identity.group
    return "the core API group (v1)" if group == "" else f"its API group {group!r}"


def _change_text(
    field: str, expected: Identity, actual: Identity, origin: str, who: str
) -> tuple[str, str]:
    """The message (to be followed by "in cluster ...") and the hint for one change."""
    if field == "apiVersion":
        if actual.api_version is None:
            text = f"removes the apiVersion of {origin}"
        else:
            text = (
                f"sets apiVersion {actual.api_version!r} on {origin}, outside "
                f"{_describe_group(expected)}"
            )
        hint = "only the version may change; render an object of another API as its own object"
    elif field == "kind":
        text = (
            f"removes the kind of {origin}"
            if actual.kind is None
            else f"changes the kind of {origin} to {actual.kind!r}"
        )
        hint = "the kind comes from the source; render another kind as its own object"
    elif field == "name":
        text = (
            f"removes the name of {origin}"
            if actual.name is None
            else f"renames {origin} to {actual.name!r}"
        )
        hint = "the name comes from the source's metadata.name; declare another object instead"
    elif field == "namespace":
        if not expected.namespace:
            text = f"puts {origin}, which has no namespace, in namespace {actual.namespace!r}"
        elif not actual.namespace:
            text = f"removes the namespace of {origin}"
        else:
            text = f"moves {origin} into namespace {actual.namespace!r}"
        hint = "the namespace comes from the source's metadata.namespace; declare the object there"
    else:
        text = f"sets metadata.generateName {actual.generate_name!r} on {origin}"
        hint = "rendered objects have fixed names: remove generateName, metadata.name names it"
    return f"{who} {text}", hint


class _Report:
    """Errors grouped by step and message, each listing the clusters it happened in."""

    def __init__(self) -> None:
        self.found: dict[tuple[Location, DocPath, str, str], list[str]] = {}

    def add(self, source: Source, message: str, hint: str, cluster: str) -> None:
        key = (source.location, source.path, message, hint)
        clusters = self.found.setdefault(key, [])
        if cluster not in clusters:
            clusters.append(cluster)

    def flush(self, problems: Problems) -> None:
        for (location, path, message, hint), clusters in self.found.items():
            names = sorted(clusters)
            shown = ", ".join(repr(n) for n in names[:_CLUSTERS_SHOWN])
            if len(names) > _CLUSTERS_SHOWN:
                shown += f" and {len(names) - _CLUSTERS_SHOWN} more"
            where = f"cluster {shown}" if len(names) == 1 else f"clusters {shown}"
            problems.error(location, path, f"{message} in {where}", hint)
