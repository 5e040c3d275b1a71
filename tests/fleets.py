"""The one way tests build a fleet: files in memory, compiled through the real pipeline.

A fleet is an inventory plus documents, each given as YAML text or as Python mappings
(dumped with kfedgen's own quoting dumper, so the loader reads back what was meant).
:func:`compile_fleet` returns the :class:`~kfedgen.pipeline.Compilation`;
:func:`fleet_errors` returns the error lines of a fleet that must not compile.

Only stable entry points are imported here (``pipeline``, ``load``, ``errors``, ``emit``),
so moving a stage does not touch the helper every test depends on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from kfedgen.backend.emit import QuotingDumper
from kfedgen.errors import InvalidInput
from kfedgen.pipeline import Compilation, Options, compile_sources
from kfedgen.source.load import SourceFile

# YAML text, one document, or several documents (one file).
Content = str | Mapping[str, Any] | Sequence[Mapping[str, Any]]


def to_yaml(*docs: Mapping[str, Any]) -> str:
    """The documents as one YAML stream, in the given key order."""
    # Quoted as kfedgen's loader needs it: a bare "y" would mean true to kubectl.
    return yaml.dump_all([dict(d) for d in docs], Dumper=QuotingDumper, sort_keys=False)


def inventory(*clusters: str | Mapping[str, Any]) -> str:
    """A Fleet document named ``test`` listing ``clusters`` in order.

    Each cluster is a YAML flow mapping (``"{name: east, weight: 2}"``, kept as written so
    locations stay predictable) or a mapping, dumped like every other document.
    """
    items = "".join(_cluster_item(cluster) for cluster in clusters)
    return (
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nmetadata: {name: test}\n"
        f"spec:\n  clusters:\n{items}"
    )


def _cluster_item(cluster: str | Mapping[str, Any]) -> str:
    if isinstance(cluster, str):
        return f"    - {cluster}\n"
    first, *rest = to_yaml(cluster).splitlines()
    return f"    - {first}\n" + "".join(f"      {line}\n" for line in rest)


# Three clusters: two prod regions (west is an edge tier) and a dev lab.
INVENTORY = inventory(
    "{name: east, labels: {region: us-east-1, env: prod}}",
    "{name: west, labels: {region: us-west-2, env: prod, tier: edge}}",
    "{name: lab, labels: {region: eu-central-1, env: dev}}",
)


def source(path: str, content: Content) -> SourceFile:
    """One in-memory file at ``path`` (relative to the repository root)."""
    if isinstance(content, str):
        text = content
    elif isinstance(content, Mapping):
        text = to_yaml(content)
    else:
        text = to_yaml(*content)
    return SourceFile(path, text.encode())


def sources(
    inventory: Content | None,
    documents: Content = (),
    /,
    *,
    overlays: Content = (),
    files: Mapping[str, Content] | None = None,
) -> list[SourceFile]:
    """The fleet's files, sorted by path as the loader reads them.

    ``inventory`` becomes ``fleet/inventory.yaml`` (None: no such file, another file
    carries the Fleet), ``documents`` ``fleet/app.yaml``, each ``NAME: content`` of
    ``files`` ``fleet/NAME.yaml``, and ``overlays`` ``overlays/policies.yaml``. Empty
    ``documents`` or ``overlays`` write no file.
    """
    paths = {f"fleet/{name}.yaml": content for name, content in (files or {}).items()}
    if inventory is not None:
        paths["fleet/inventory.yaml"] = inventory
    if documents:
        paths["fleet/app.yaml"] = documents
    if overlays:
        paths["overlays/policies.yaml"] = overlays
    return [source(path, content) for path, content in sorted(paths.items())]


def compile_fleet(
    inventory: Content | None,
    documents: Content = (),
    /,
    *,
    overlays: Content = (),
    options: Options | None = None,
    files: Mapping[str, Content] | None = None,
) -> Compilation:
    """Compile the fleet of :func:`sources`; raise :class:`InvalidInput` if it is invalid."""
    fleet = sources(inventory, documents, overlays=overlays, files=files)
    return compile_sources(fleet, options or Options())


def fleet_errors(
    inventory: Content | None,
    documents: Content = (),
    /,
    *,
    overlays: Content = (),
    options: Options | None = None,
    files: Mapping[str, Content] | None = None,
) -> list[str]:
    """The error lines (``file:line:col: path: message (hint)``) of a fleet that must fail."""
    with pytest.raises(InvalidInput) as caught:
        compile_fleet(inventory, documents, overlays=overlays, options=options, files=files)
    return [str(p) for p in caught.value.problems if p.is_error]


def warnings_of(compilation: Compilation) -> list[str]:
    """The warning lines of a compiled fleet, in report order."""
    return [str(p) for p in compilation.problems.warnings]


def write_versioned_fleet(directory: Path, version: str, clusters: int, objects: int) -> Path:
    """A fleet file of ``clusters`` x ``objects`` config maps on disk, for subprocess tests.

    ``version`` changes every object, so a render from one version to the other touches
    every file (what crash and interrupt tests need).
    """
    directory.mkdir(parents=True)
    inventory = "\n".join(
        f"    - {{name: c{i:03d}, labels: {{env: prod, shard: s{i % 4}}}}}" for i in range(clusters)
    )
    (directory / "fleet.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n"
        f"{inventory}\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: shop, namespace: shop}\n"
        "spec: {placement: {clusterSelector: {}}}\n"
    )
    documents = [
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        f"metadata: {{name: cm{j:02d}, namespace: shop}}\n"
        "spec:\n"
        f"  template: {{data: {{version: '{version}', index: '{j}'}}}}\n"
        "  placement: {clusterSelector: {}}\n"
        "  overrides:\n"
        "    - clusterSelector: {matchLabels: {shard: s1}}\n"
        f"      clusterOverrides: [{{path: /data/shard, value: 'one-{version}'}}]\n"
        for j in range(objects)
    ]
    (directory / "objects.yaml").write_text("---\n".join(documents))
    return directory
