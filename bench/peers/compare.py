"""Do two output trees hold the same Kubernetes objects, cluster by cluster?

Each tool lays its output out its own way (kfedgen: ``<cluster>/<namespace>/<kind>_<name>.yaml``,
make-argocd-fly: ``<env>/<app>/<dir>/<kind>_<name>.yml``, Kapitan: ``compiled/<target>/...``)
and writes YAML its own way (indentation, quoting, key order, ``---``).  So the check
compares parsed objects, not bytes: every ``.yaml``/``.yml`` file under a cluster's
directory is parsed, every document becomes one object keyed by apiVersion, kind,
namespace and name, and two objects are equal when their canonical JSON is (which tells
``1`` from ``true`` and ``"1"``, unlike Python's ``==``).

Not objects: kfedgen's ``kustomization.yaml`` per cluster (an index of the files, for
Argo CD and Flux) and anything under a hidden directory (kfedgen's ``.kfedgen/``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

KUSTOMIZE_GROUP: Final = "kustomize.config.k8s.io/"
SUFFIXES: Final = (".yaml", ".yml")

ObjectKey = tuple[str, str, str, str]  # apiVersion, kind, namespace ("" if none), name


def describe(key: ObjectKey) -> str:
    """``Kind namespace/name (apiVersion)`` for messages."""
    api, kind, namespace, name = key
    where = f"{namespace}/{name}" if namespace else name
    return f"{kind} {where} ({api})"


@dataclass
class Tree:
    """The objects of one output tree: cluster -> object key -> canonical JSON."""

    clusters: dict[str, dict[ObjectKey, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # unreadable files, duplicate objects

    @property
    def objects(self) -> int:
        """Number of objects over all clusters."""
        return sum(len(objs) for objs in self.clusters.values())


def _tagged(value: Any) -> Any:
    # YAML types JSON has not (timestamps, binary): keep the type, so "2020-01-01" != a date.
    return {"__yaml_type__": type(value).__name__, "value": str(value)}


def canonical(doc: Any) -> str:
    """One object as canonical JSON: sorted keys, no whitespace, non-JSON types tagged."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), default=_tagged)


def _files(directory: Path) -> Iterator[Path]:
    for current, subdirs, names in os.walk(directory):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith(SUFFIXES):
                yield Path(current, name)


def _objects(text: bytes) -> list[tuple[ObjectKey, str]]:
    out: list[tuple[ObjectKey, str]] = []
    for doc in yaml.load_all(text, Loader=yaml.CSafeLoader):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ValueError(f"a document is a {type(doc).__name__}, not a mapping")
        api = str(doc.get("apiVersion", ""))
        if api.startswith(KUSTOMIZE_GROUP):
            continue
        meta = doc.get("metadata") or {}
        key = (
            api,
            str(doc.get("kind", "")),
            str(meta.get("namespace", "")),
            str(meta.get("name", "")),
        )
        out.append((key, canonical(doc)))
    return out


def load_tree(root: Path) -> Tree:
    """Parse every cluster directory (each non-hidden subdirectory) of ``root``.

    Files with the same bytes are parsed once: most clusters share most of their files.
    """
    tree = Tree()
    parsed: dict[bytes, list[tuple[ObjectKey, str]]] = {}
    if not root.is_dir():
        tree.problems.append(f"{root}: no such directory")
        return tree
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        objects = tree.clusters.setdefault(entry.name, {})
        for path in _files(Path(entry.path)):
            text = path.read_bytes()
            if text not in parsed:
                try:
                    parsed[text] = _objects(text)
                except (yaml.YAMLError, ValueError) as exc:
                    tree.problems.append(f"{path}: not readable as Kubernetes objects: {exc}")
                    parsed[text] = []
            for key, body in parsed[text]:
                if key in objects:
                    tree.problems.append(f"{entry.name}: {describe(key)} appears twice ({path})")
                objects[key] = body
    return tree


def first_difference(expected: Any, actual: Any, path: str = "") -> str:
    """The JSON pointer of the first place where ``actual`` differs from ``expected``, and how."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in sorted(expected.keys() | actual.keys()):
            where = f"{path}/{k.replace('~', '~0').replace('/', '~1')}"
            if k not in actual:
                return f"{where} is missing"
            if k not in expected:
                return f"{where} is extra ({json.dumps(actual[k])})"
            if canonical(expected[k]) != canonical(actual[k]):
                return first_difference(expected[k], actual[k], where)
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            if canonical(e) != canonical(a):
                return first_difference(e, a, f"{path}/{i}")
    return f"{path or '/'} is {canonical(actual)}, kfedgen has {canonical(expected)}"


@dataclass
class Comparison:
    """The outcome of comparing a peer's tree with kfedgen's."""

    clusters: int  # clusters in kfedgen's tree
    objects: int  # objects in kfedgen's tree
    mismatch_count: int
    mismatches: list[str]  # the first few, as messages

    @property
    def equivalent(self) -> bool:
        """Whether the peer produced exactly kfedgen's objects."""
        return self.mismatch_count == 0


def _cluster_mismatches(
    cluster: str, expected: Mapping[ObjectKey, str], actual: Mapping[ObjectKey, str]
) -> Iterator[str]:
    for key in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(key), actual.get(key)
        if got is None:
            yield f"{cluster}: {describe(key)} is missing"
        elif want is None:
            yield f"{cluster}: {describe(key)} is not in kfedgen's output"
        elif want != got:
            diff = first_difference(json.loads(want), json.loads(got))
            yield f"{cluster}: {describe(key)}: {diff}"


def compare(expected: Tree, actual: Tree, limit: int = 10) -> Comparison:
    """Compare ``actual`` (a peer's tree) with ``expected`` (kfedgen's); keep ``limit`` messages."""
    messages = [f"kfedgen's output: {p}" for p in expected.problems]
    messages += [f"peer output: {p}" for p in actual.problems]
    for cluster in sorted(expected.clusters.keys() | actual.clusters.keys()):
        if cluster not in actual.clusters:
            messages.append(f"{cluster}: no output for this cluster")
        elif cluster not in expected.clusters:
            messages.append(f"{cluster}: not a cluster in kfedgen's output")
        else:
            messages.extend(
                _cluster_mismatches(cluster, expected.clusters[cluster], actual.clusters[cluster])
            )
    return Comparison(len(expected.clusters), expected.objects, len(messages), messages[:limit])
