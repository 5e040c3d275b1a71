"""The inventory: the clusters of a ``Fleet`` document, ``KubeFedCluster`` and Karmada ``Cluster``.

Read by stage 2 (:mod:`kfedgen.frontends.spec`, through the table of
:mod:`kfedgen.frontends.kinds`).
An inventory document with an error still defines what it can: a cluster entry that is
valid is added even when another part of the document (``gitops``, another entry) is not.
A cluster whose own entry is broken, or an inventory that cannot be read at all, makes the
spec's inventory *incomplete* for that name or for every name (see
:meth:`kfedgen.model.FleetSpec.unknown_cluster`), so references to clusters are not
reported as "not in the inventory" on top of the error that is the real cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from kfedgen.errors import DocPath, Location, Problems
from kfedgen.frontends.karmada.resourcemodels import karmada_compute, karmada_summary
from kfedgen.frontends.schema import validate_document
from kfedgen.gitops.settings import parse_gitops
from kfedgen.model import (
    Cluster,
    Compute,
    FargateProfile,
    FargateSelector,
    FleetSpec,
    NodePool,
    ProvidedObject,
    Taint,
)
from kfedgen.selectors import label_key_problem, label_value_problem
from kfedgen.source.load import Document
from kfedgen.traffic.settings import parse_traffic, traffic_problems

T = TypeVar("T")

FLEET_API_VERSION = "kfedgen.io/v1alpha1"
KUBEFED_CORE = "core.kubefed.io/v1beta1"
KARMADA_CLUSTER = "cluster.karmada.io/v1alpha1"
# Karmada's Cluster API has no capacity field; kfedgen reads a declared one from here.
AVAILABLE_REPLICAS_ANNOTATION = "kfedgen.io/available-replicas"
_CLUSTERS: DocPath = ("spec", "clusters")
_VERSION = re.compile(r"v?([0-9]+)\.([0-9]+)")


def add_kubefed_clusters(docs: Sequence[Document], spec: FleetSpec, problems: Problems) -> None:
    """Add every ``KubeFedCluster`` document's cluster."""
    for doc in docs:
        _add_kubefed_cluster(doc, spec, problems)


def add_karmada_clusters(docs: Sequence[Document], spec: FleetSpec, problems: Problems) -> None:
    """Add every Karmada ``Cluster`` document's cluster."""
    for doc in docs:
        _add_karmada_cluster(doc, spec, problems)


def check_inventory_found(
    found: bool,
    documents: Sequence[Document],
    spec: FleetSpec,
    problems: Problems,
    fleet_paths: Sequence[str],
    maybe_unread: bool,
) -> None:
    """Report a fleet without any inventory document (``found`` says there was one).

    ``maybe_unread`` says that some input could not be read or recognised (a YAML error, a
    document without ``kind``, an inventory kind of an unknown version): the inventory may be
    in it, so its absence is not reported and references are not checked against it.
    """
    if found:
        return
    spec.inventory_complete = False  # every reference would be reported otherwise
    if maybe_unread:
        return
    where = ", ".join(fleet_paths) or "the fleet"
    what = (
        f"no {FLEET_API_VERSION} Fleet, {KUBEFED_CORE} KubeFedCluster or {KARMADA_CLUSTER} "
        "Cluster document"
        if documents
        else "no YAML document (no .yaml or .yml file, or only empty ones)"
    )
    problems.error(
        Location(fleet_paths[0] if fleet_paths else "<fleet>"),
        (),
        f"no inventory: {where} holds {what}",
        "run 'kfedgen init' to scaffold a fleet, or give the directory of your fleet with -f",
    )


def add_fleets(fleets: Sequence[Document], spec: FleetSpec, problems: Problems) -> None:
    """Add the clusters of the ``Fleet`` document; a second one is an error."""
    if not fleets:
        return
    for extra in fleets[1:]:
        first = fleets[0].location()
        problems.error(
            extra.location(),
            (),
            f"a second Fleet document; the first is at {first}",
            "a fleet has exactly one inventory",
        )
    doc = fleets[0]
    spec.fleet_doc = doc
    before = len(problems.items)
    valid = validate_document(doc, "Fleet", problems)
    broken = [p.path for p in problems.items[before:] if p.is_error]
    if any(_CLUSTERS[: len(path)] == path for path in broken):
        # spec or spec.clusters itself is unusable: no cluster of this inventory is known.
        spec.inventory_complete = False
        return
    raw_spec: Mapping[str, Any] = doc.data["spec"]
    if valid or not any(path[:2] == ("spec", "gitops") for path in broken):
        spec.gitops = parse_gitops(raw_spec.get("gitops"))
    if valid or not any(path[:2] == ("spec", "traffic") for path in broken):
        raw_traffic = raw_spec.get("traffic") or {}
        wrong = traffic_problems(raw_traffic)
        for where, message, hint in wrong:
            problems.error(doc.location(where), where, message, hint)
        spec.traffic = None if wrong else parse_traffic(raw_traffic)
    shared = _Shared()
    for index, raw in enumerate(raw_spec.get("clusters") or []):
        path: DocPath = (*_CLUSTERS, index)
        if any(p[: len(path)] == path for p in broken):
            _broken_entry(raw, spec)
            continue
        labels = raw.get("labels") or {}
        _check_labels(doc, (*path, "labels"), labels, problems)
        cluster = Cluster(
            name=raw["name"],
            labels=dict(labels),
            location=doc.location(path),
            server=raw.get("server"),
            destination_name=raw.get("destinationName"),
            schedulable=raw.get("schedulable", True),
            provider=raw.get("provider", ""),
            region=raw.get("region", ""),
            zones=tuple(raw.get("zones") or ()),
            taints=_taints(raw.get("taints") or ()),
            available_replicas=raw.get("availableReplicas"),
            kubernetes_version=shared.version(raw.get("kubernetesVersion")),
            apis=shared.listed(raw["apis"], tuple) if "apis" in raw else None,
            provides=shared.listed(raw["provides"], _provides) if "provides" in raw else None,
            compute=shared.compute(raw["compute"]) if "compute" in raw else None,
        )
        _check_compute_labels(doc, path, raw.get("compute") or {}, problems, shared.clean)
        _add_cluster(cluster, (*path, "name"), doc, spec, problems)


def _broken_entry(raw: Any, spec: FleetSpec) -> None:
    """A cluster entry with an error: its name (if it has one) is known, not usable."""
    name = raw.get("name") if isinstance(raw, Mapping) else None
    if isinstance(name, str):
        spec.broken_cluster_names.add(name)
    else:
        spec.inventory_complete = False


def _valid_cluster_document(doc: Document, kind: str, spec: FleetSpec, problems: Problems) -> bool:
    if validate_document(doc, kind, problems):
        return True
    metadata = doc.data.get("metadata")
    _broken_entry(metadata, spec)
    return False


def _add_kubefed_cluster(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    if not _valid_cluster_document(doc, "KubeFedCluster", spec, problems):
        return
    metadata = doc.data["metadata"]
    labels = metadata.get("labels") or {}
    _check_labels(doc, ("metadata", "labels"), labels, problems)
    cluster = Cluster(
        name=metadata["name"],
        labels=dict(labels),
        location=doc.location(),
        server=(doc.data.get("spec") or {}).get("apiEndpoint"),
    )
    _add_cluster(cluster, ("metadata", "name"), doc, spec, problems)


def _add_karmada_cluster(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """A Karmada ``Cluster`` as inventory (its deprecated ``spec.zone`` stands for ``zones``)."""
    if not _valid_cluster_document(doc, "Cluster", spec, problems):
        return
    metadata = doc.data["metadata"]
    labels = metadata.get("labels") or {}
    _check_labels(doc, ("metadata", "labels"), labels, problems)
    raw = doc.data.get("spec") or {}
    # migrateZoneToZones (Karmada's cluster mutating webhook).
    zones = raw.get("zones") or ([raw["zone"]] if raw.get("zone") else [])
    available = (metadata.get("annotations") or {}).get(AVAILABLE_REPLICAS_ANNOTATION)
    if available is not None and int(available) > 2**31 - 1:
        path = ("metadata", "annotations", AVAILABLE_REPLICAS_ANNOTATION)
        problems.error(doc.location(path), path, f"{available} is larger than an int32")
        spec.broken_cluster_names.add(metadata["name"])
        return
    status = doc.data.get("status") or {}
    cluster = Cluster(
        name=metadata["name"],
        labels=dict(labels),
        location=doc.location(),
        server=raw.get("apiEndpoint"),
        provider=raw.get("provider", ""),
        region=raw.get("region", ""),
        zones=tuple(zones),
        taints=_taints(raw.get("taints") or ()),
        available_replicas=int(available) if available is not None else None,
        kubernetes_version=_minor_version(status.get("kubernetesVersion")),
        apis=_enabled_apis(status["apiEnablements"]) if "apiEnablements" in status else None,
        compute=karmada_compute(raw.get("resourceModels") or (), status.get("resourceSummary")),
        karmada=True,
        resource_summary=karmada_summary(
            raw.get("resourceModels") or (), status.get("resourceSummary")
        ),
    )
    _add_cluster(cluster, ("metadata", "name"), doc, spec, problems)


def _minor_version(version: str | None) -> str | None:
    """``v1.29.3`` (a Karmada Cluster's ``status.kubernetesVersion``) -> ``1.29``."""
    match = _VERSION.match(version) if version else None
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


def _enabled_apis(enablements: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """``status.apiEnablements`` as the group/versions served (the core ``v1`` aside)."""
    return tuple(e["groupVersion"] for e in enablements if "/" in e["groupVersion"])


def _provides(raw: Sequence[Mapping[str, str]]) -> tuple[ProvidedObject, ...]:
    return tuple(ProvidedObject(p["kind"], p["name"], p.get("namespace", "")) for p in raw)


class _Shared:
    """What entries share (aliases; blocks written out again, kfedgen.source.yamlcheck): read once.

    By identity, for one inventory document, which the caller holds while it is read.
    """

    def __init__(self) -> None:
        self._computes: dict[tuple[object, ...], Compute] = {}
        self.clean: set[tuple[int, bool]] = set()  # label maps found valid (id, wildcards)
        self._lists: dict[int, tuple[object, object]] = {}  # id(raw list) -> (raw, value)
        self._versions: dict[str, str] = {}

    def listed(self, raw: list[Any], read: Callable[[list[Any]], T]) -> T:
        """``read(raw)``, the same object for entries that share the list ``raw``.

        Equal values that are the same object let the checks compare clusters by identity
        (kfedgen.feasibility.alike).
        """
        found = self._lists.get(id(raw))
        if found is None or found[0] is not raw:
            found = self._lists[id(raw)] = (raw, read(raw))
        return cast(T, found[1])

    def version(self, version: str | None) -> str | None:
        """``version``, one string object for each version the entries declare."""
        return None if version is None else self._versions.setdefault(version, version)

    def compute(self, raw: Mapping[str, Any]) -> Compute:
        """:func:`_compute`, the same object for entries whose lists hold the same items."""
        key = tuple(
            (k, tuple(map(id, v)) if isinstance(v, list) else id(v)) for k, v in raw.items()
        )
        found = self._computes.get(key)
        if found is None:
            found = self._computes[key] = _compute(raw)
        return found


def _compute(raw: Mapping[str, Any]) -> Compute:
    """The ``compute`` entry (schema-valid) as typed values."""
    profiles = tuple(
        FargateProfile(
            p["name"],
            tuple(
                FargateSelector(s["namespace"], dict(s.get("labels") or {})) for s in p["selectors"]
            ),
        )
        for p in raw.get("fargateProfiles") or ()
    )
    pools = tuple(
        NodePool(
            p["name"],
            p["nodes"],
            dict(p.get("labels") or {}),
            _taints(p.get("taints") or ()),
            dict(p.get("allocatable") or {}),
        )
        for p in raw.get("nodePools") or ()
    )
    return Compute(profiles, pools)


def _check_compute_labels(
    doc: Document,
    path: DocPath,
    compute: Mapping[str, Any],
    problems: Problems,
    clean: set[tuple[int, bool]],
) -> None:
    """Labels of Fargate selectors and node pools are Kubernetes labels, checked as such.

    A label map in ``clean`` (by identity, with or without wildcards) was checked at
    another entry and is valid.
    """
    for index, profile in enumerate(compute.get("fargateProfiles") or ()):
        for number, selector in enumerate(profile.get("selectors") or ()):
            where = (*path, "compute", "fargateProfiles", index, "selectors", number, "labels")
            labels = selector.get("labels") or {}
            _check_once(doc, where, labels, problems, clean, wildcards=True)
    for index, pool in enumerate(compute.get("nodePools") or ()):
        where = (*path, "compute", "nodePools", index, "labels")
        _check_once(doc, where, pool.get("labels") or {}, problems, clean)


def _check_once(
    doc: Document,
    path: DocPath,
    labels: Mapping[str, str],
    problems: Problems,
    clean: set[tuple[int, bool]],
    wildcards: bool = False,
) -> None:
    key = (id(labels), wildcards)
    if key in clean:
        return
    before = len(problems.items)
    _check_labels(doc, path, labels, problems, wildcards)
    if len(problems.items) == before:
        clean.add(key)


def _taints(raw: Sequence[Mapping[str, str]]) -> tuple[Taint, ...]:
    return tuple(Taint(t["key"], t.get("value", ""), t["effect"]) for t in raw)


def _add_cluster(
    cluster: Cluster, path: DocPath, doc: Document, spec: FleetSpec, problems: Problems
) -> None:
    existing = spec.clusters.get(cluster.name)
    if existing is not None:
        problems.error(
            doc.location(path),
            path,
            f"cluster {cluster.name!r} is already in the inventory at {existing.location}",
        )
        return
    spec.clusters[cluster.name] = cluster


def _check_labels(
    doc: Document,
    path: DocPath,
    labels: Mapping[str, str],
    problems: Problems,
    wildcards: bool = False,
) -> None:
    """Each label must be a valid Kubernetes label; with ``wildcards``, ``*`` and ``?`` too.

    A Fargate selector's label keys and values may hold them besides what Kubernetes allows
    (AWS's ``fargate-profile.adoc``, "Fargate profile wildcards"): they are checked as if
    each were a letter.
    """
    for key, value in labels.items():
        if wildcards:  # the message names what the user wrote
            problem = (label_key_problem(key) if label_key_problem(_as_label(key)) else None) or (
                label_value_problem(value) if label_value_problem(_as_label(value)) else None
            )
        else:
            problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            problems.error(doc.location((*path, key)), (*path, key), problem)


def _as_label(pattern: str) -> str:
    return pattern.replace("*", "x").replace("?", "x") if isinstance(pattern, str) else pattern
