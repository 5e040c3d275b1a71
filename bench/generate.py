"""Generate a synthetic KubeFed fleet and the equivalent kustomize tree.

The same in-memory model is written twice:

* ``fleet/``: what kfedgen reads (a ``Fleet`` inventory, one ``FederatedNamespace`` per
  namespace, ``FederatedDeployment``/``FederatedService``/``FederatedConfigMap`` objects with
  placement and per-cluster overrides, and ``ReplicaSchedulingPreference`` objects);
* ``kustomize/``: what a user would write without kfedgen: plain objects in ``base/<group>/``
  (one group per distinct placement) and one ``overlays/<cluster>/kustomization.yaml`` per
  cluster whose JSON6902 patches express the same overrides and a per-cluster replica split.

Output is a pure function of ``(clusters, objects, seed)``: the same arguments give the same
bytes, so benchmark runs on different machines measure the same input.

Usage::

    python -m bench.generate --clusters 100 --objects 50 --out DIR
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

FED_API: Final = "types.kubefed.io/v1beta1"
RSP_API: Final = "scheduling.kubefed.io/v1alpha1"
FLEET_API: Final = "kfedgen.io/v1alpha1"
KUSTOMIZE_API: Final = "kustomize.config.k8s.io/v1beta1"

# (region, provider) pairs; clusters are assigned round-robin so every size spreads over
# several regions and providers and label selectors match a predictable share.
REGIONS: Final[tuple[tuple[str, str], ...]] = (
    ("us-east-1", "aws"),
    ("us-east-2", "aws"),
    ("eu-west-1", "aws"),
    ("us-central1", "gcp"),
    ("europe-west4", "gcp"),
    ("eastus", "azure"),
    ("westeurope", "azure"),
)
NAMESPACES: Final[tuple[str, ...]] = ("team-a", "team-b", "team-c", "team-d")
# Object kinds cycle in this order, so every fleet with >= 4 objects has all of them.
KIND_CYCLE: Final[tuple[str, ...]] = ("Deployment+RSP", "Deployment", "Service", "ConfigMap")
# Every tenth object (never an RSP-managed one, see ``_selector_for``) is placed by label.
LABEL_SELECTORS: Final[tuple[dict[str, str], ...]] = ({"env": "prod"}, {"provider": "aws"})
BASE_IMAGE: Final = "nginx:1.27.0"
# KubeFed's controller added this label to every object it propagated (kubefed.md §1.4); the
# kustomize base carries it as a KubeFed user's objects did. kfedgen does not write it (README,
# "Compatibility with KubeFed"), so bench/peers/ leaves it out to produce kfedgen's objects.
MANAGED_LABEL: Final = {"kubefed.io/managed": "true"}

# Target metadata for kustomize patches: kind -> (group, version); "" is the core group.
TARGET_GVK: Final[dict[str, tuple[str, str]]] = {
    "Deployment": ("apps", "v1"),
    "Service": ("", "v1"),
    "ConfigMap": ("", "v1"),
    "Namespace": ("", "v1"),
}


@dataclass(frozen=True)
class Cluster:
    """One member cluster of the inventory."""

    name: str
    labels: dict[str, str]

    @property
    def server(self) -> str:
        """API server URL written to the inventory."""
        return f"https://{self.name}.example.com"


@dataclass(frozen=True)
class Override:
    """One JSON-patch override (op ``replace``) applied to one object in one cluster."""

    path: str
    value: Any


@dataclass
class FedObject:
    """A federated object: its target kind, template, placement and overrides."""

    kind: str  # target kind: Deployment, Service or ConfigMap
    namespace: str
    name: str
    template: dict[str, Any]  # the object minus apiVersion/kind/name/namespace
    match_labels: dict[str, str] | None = None  # None: every cluster
    rsp_total: int | None = None  # totalReplicas of the RSP, when it has one
    overrides: dict[str, list[Override]] = field(default_factory=dict)  # cluster -> ops

    def places(self, cluster: Cluster) -> bool:
        """Whether the object's placement selects ``cluster``."""
        if self.match_labels is None:
            return True
        return all(cluster.labels.get(k) == v for k, v in self.match_labels.items())

    @property
    def group_key(self) -> str:
        """Name of the kustomize base group holding objects with this placement."""
        if self.match_labels is None:
            return "all"
        return "sel-" + "-".join(f"{k}-{v}" for k, v in sorted(self.match_labels.items()))


@dataclass
class FleetModel:
    """The whole synthetic fleet, independent of how it is written out."""

    clusters: list[Cluster]
    namespaces: list[str]
    objects: list[FedObject]
    overridden: list[str]  # names of clusters that carry overrides

    def placed(self, obj: FedObject) -> list[Cluster]:
        """Clusters the object lands in (its namespace is federated to all clusters)."""
        return [c for c in self.clusters if obj.places(c)]

    def placed_objects(self, cluster: Cluster) -> list[FedObject]:
        """Federated objects (not namespaces) that land in ``cluster``."""
        return [o for o in self.objects if o.places(cluster)]


# --------------------------------------------------------------------------- model


def cluster_names(count: int) -> list[str]:
    """Cluster names ``c0001``...; zero-padded to at least 4 digits so they sort numerically."""
    width = max(4, len(str(count)))
    return [f"c{i:0{width}d}" for i in range(1, count + 1)]


def _selector_for(index: int, kind_slot: str) -> dict[str, str] | None:
    # RSP-managed deployments stay on every cluster: the RSP overwrites placement with every
    # ready cluster anyway (kubefed.md §3.4), so a selector there would only blur the comparison.
    if index % 10 != 9 or kind_slot == "Deployment+RSP":
        return None
    return dict(LABEL_SELECTORS[(index // 10) % len(LABEL_SELECTORS)])


def _deployment_template(name: str, replicas: int) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": BASE_IMAGE,
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "env": [
                                {"name": "APP_NAME", "value": name},
                                {"name": "LOG_FORMAT", "value": "json"},
                            ],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"cpu": "500m", "memory": "256Mi"},
                            },
                            "readinessProbe": {
                                "httpGet": {"path": "/healthz", "port": "http"},
                                "periodSeconds": 10,
                            },
                        }
                    ]
                },
            },
        },
    }


def _service_template(name: str, app: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": app},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _configmap_template(name: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": name}},
        "data": {
            "LOG_LEVEL": "info",
            "FEATURE_FLAGS": "search,checkout",
            "app.properties": f"name={name}\ntimeout=30s\nretries=3\n",
        },
    }


def build_model(clusters: int, objects: int, seed: int = 1) -> FleetModel:
    """Build the synthetic fleet for ``clusters`` x ``objects`` deterministically from ``seed``.

    Objects cycle through Deployment-with-RSP, Deployment, Service, ConfigMap over up to four
    namespaces; every tenth non-RSP object is placed by label instead of on every cluster.
    A tenth of the clusters (at least one), picked by ``seed``, carry overrides: image on
    every Deployment, replicas on Deployments without an RSP (the RSP owns replicas there),
    and a data key on every ConfigMap.
    """
    if clusters < 1 or objects < 1:
        raise ValueError("clusters and objects must both be >= 1")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    members = [
        Cluster(
            name=name,
            labels={
                "region": REGIONS[i % len(REGIONS)][0],
                "provider": REGIONS[i % len(REGIONS)][1],
                # a third of the clusters are staging, so env=prod selects two thirds
                "env": "staging" if i % 3 == 2 else "prod",
            },
        )
        for i, name in enumerate(cluster_names(clusters))
    ]
    namespaces = list(NAMESPACES[: min(len(NAMESPACES), max(1, (objects + 3) // 4))])

    objs: list[FedObject] = []
    last_deployment = "deploy-000"
    for i in range(objects):
        slot = KIND_CYCLE[i % len(KIND_CYCLE)]
        ns = namespaces[(i // len(KIND_CYCLE)) % len(namespaces)]
        selector = _selector_for(i, slot)
        if slot.startswith("Deployment"):
            name = f"deploy-{i:03d}"
            last_deployment = name
            rsp = 3 * clusters + i % 7 if slot == "Deployment+RSP" else None
            objs.append(
                FedObject("Deployment", ns, name, _deployment_template(name, 2), selector, rsp)
            )
        elif slot == "Service":
            name = f"svc-{i:03d}"
            template = _service_template(name, last_deployment)
            objs.append(FedObject("Service", ns, name, template, selector))
        else:
            name = f"cm-{i:03d}"
            objs.append(FedObject("ConfigMap", ns, name, _configmap_template(name), selector))

    picked = [members[i] for i in sorted(rng.sample(range(clusters), max(1, clusters // 10)))]
    for cluster in picked:
        cname = cluster.name
        for obj in objs:
            if not obj.places(cluster):
                continue  # KubeFed ignores overrides for unplaced clusters; kustomize would fail
            ops: list[Override] = []
            if obj.kind == "Deployment":
                if obj.rsp_total is None:
                    ops.append(Override("/spec/replicas", rng.randint(3, 9)))
                image = f"nginx:1.25.{rng.randint(0, 9)}"
                ops.append(Override("/spec/template/spec/containers/0/image", image))
            elif obj.kind == "ConfigMap":
                ops.append(Override("/data/LOG_LEVEL", rng.choice(["debug", "warn"])))
            if ops:
                obj.overrides[cname] = ops
    return FleetModel(members, namespaces, objs, [c.name for c in picked])


def rsp_split(total: int, clusters: Sequence[str]) -> dict[str, int]:
    """Split ``total`` replicas over ``clusters`` the simple way: ``total // n`` each, and one
    more for the first ``total % n`` clusters in name order.

    This is deliberately not KubeFed's planner (weights, FNV tie-break): the kustomize side
    only needs comparable work, one replicas patch per cluster, not identical numbers.
    """
    names = sorted(clusters)
    base, extra = divmod(total, len(names))
    return {name: base + (1 if i < extra else 0) for i, name in enumerate(names)}


# --------------------------------------------------------------------------- YAML


def multiline_dumper(style: str) -> type[yaml.CSafeDumper]:
    """A libyaml dumper that writes strings with a line break in ``style`` (``|``, ``"``)."""

    class Dumper(yaml.CSafeDumper):
        pass

    def represent_str(dumper: yaml.CSafeDumper, data: str) -> yaml.ScalarNode:
        return dumper.represent_scalar(
            "tag:yaml.org,2002:str", data, style=style if "\n" in data else None
        )

    Dumper.add_representer(str, represent_str)
    return Dumper


_Dumper: Final = multiline_dumper("|")  # multi-line strings as literal blocks


def dump_yaml(docs: Iterable[Any], dumper: type[yaml.CSafeDumper] = _Dumper) -> str:
    """Serialise ``docs`` as a multi-document YAML stream, keys in insertion order."""
    text: str = yaml.dump_all(
        list(docs),
        Dumper=dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )
    return text


def _write(path: Path, docs: Iterable[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(docs), encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------- fleet/


def _inventory_doc(model: FleetModel) -> dict[str, Any]:
    return {
        "apiVersion": FLEET_API,
        "kind": "Fleet",
        "metadata": {"name": "bench"},
        "spec": {
            "clusters": [
                {"name": c.name, "labels": dict(c.labels), "server": c.server}
                for c in model.clusters
            ]
        },
    }


def _placement(obj: FedObject) -> dict[str, Any]:
    if obj.match_labels is None:
        return {"clusterSelector": {}}
    return {"clusterSelector": {"matchLabels": dict(obj.match_labels)}}


def federated_docs(obj: FedObject) -> list[dict[str, Any]]:
    """The fleet documents for one object: the ``Federated<Kind>`` and, if any, its RSP."""
    spec: dict[str, Any] = {"template": obj.template, "placement": _placement(obj)}
    if obj.overrides:
        spec["overrides"] = [
            {
                "clusterName": cname,
                "clusterOverrides": [{"path": o.path, "value": o.value} for o in ops],
            }
            for cname, ops in sorted(obj.overrides.items())
        ]
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": FED_API,
            "kind": f"Federated{obj.kind}",
            "metadata": {"name": obj.name, "namespace": obj.namespace},
            "spec": spec,
        }
    ]
    if obj.rsp_total is not None:
        docs.append(
            {
                "apiVersion": RSP_API,
                "kind": "ReplicaSchedulingPreference",
                "metadata": {"name": obj.name, "namespace": obj.namespace},
                "spec": {
                    "targetKind": "FederatedDeployment",
                    "totalReplicas": obj.rsp_total,
                    "clusters": {"*": {"weight": 1}},
                },
            }
        )
    return docs


def object_file(obj: FedObject) -> Path:
    """Path of an object's file relative to ``fleet/``."""
    return Path(obj.namespace) / f"{obj.kind.lower()}_{obj.name}.yaml"


def write_fleet(model: FleetModel, fleet_dir: Path) -> int:
    """Write the kfedgen input tree into ``fleet_dir``; return the number of files written."""
    _write(fleet_dir / "inventory.yaml", [_inventory_doc(model)])
    _write(
        fleet_dir / "namespaces.yaml",
        [
            {
                "apiVersion": FED_API,
                "kind": "FederatedNamespace",
                "metadata": {"name": ns, "namespace": ns},
                "spec": {"placement": {"clusterSelector": {}}},
            }
            for ns in model.namespaces
        ],
    )
    for obj in model.objects:
        _write(fleet_dir / object_file(obj), federated_docs(obj))
    return 2 + len(model.objects)


# --------------------------------------------------------------------------- kustomize/


def plain_object(obj: FedObject) -> dict[str, Any]:
    """The object as kubectl would apply it: template plus apiVersion/kind/name/namespace."""
    group, version = TARGET_GVK[obj.kind]
    meta: dict[str, Any] = {"name": obj.name, "namespace": obj.namespace}
    meta |= obj.template.get("metadata", {})
    meta["labels"] = {**meta.get("labels", {}), **MANAGED_LABEL}
    doc: dict[str, Any] = {
        "apiVersion": f"{group}/{version}" if group else version,
        "kind": obj.kind,
        "metadata": meta,
    }
    doc.update((k, v) for k, v in obj.template.items() if k != "metadata")
    return doc


def _kustomization(resources: Sequence[str], patches: Sequence[Any] = ()) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "resources": list(resources),
    }
    if patches:
        doc["patches"] = list(patches)
    return doc


def _patch_entry(obj: FedObject, ops: Sequence[Override]) -> dict[str, Any]:
    group, version = TARGET_GVK[obj.kind]
    target: dict[str, str] = {"group": group, "version": version, "kind": obj.kind}
    target |= {"name": obj.name, "namespace": obj.namespace}
    body = [{"op": "replace", "path": o.path, "value": o.value} for o in ops]
    return {"target": target, "patch": dump_yaml([body]).rstrip("\n")}


def replica_splits(model: FleetModel) -> dict[str, dict[str, int]]:
    """Per RSP-managed object (keyed ``namespace/name``): cluster -> replicas."""
    names = [c.name for c in model.clusters]
    return {
        f"{o.namespace}/{o.name}": rsp_split(o.rsp_total, names)
        for o in model.objects
        if o.rsp_total is not None
    }


def overlay_patches(
    model: FleetModel, cluster: Cluster, splits: Mapping[str, Mapping[str, int]] | None = None
) -> list[dict[str, Any]]:
    """JSON6902 patches for one cluster's overlay: the RSP replica split, then overrides."""
    splits = replica_splits(model) if splits is None else splits
    patches = []
    for obj in model.objects:
        if not obj.places(cluster):
            continue
        ops: list[Override] = []
        if obj.rsp_total is not None:
            replicas = splits[f"{obj.namespace}/{obj.name}"][cluster.name]
            ops.append(Override("/spec/replicas", replicas))
        ops.extend(obj.overrides.get(cluster.name, ()))
        if ops:
            patches.append(_patch_entry(obj, ops))
    return patches


def write_kustomize(model: FleetModel, kdir: Path) -> int:
    """Write ``base/<group>/`` and ``overlays/<cluster>/`` into ``kdir``; return file count."""
    groups: dict[str, list[FedObject]] = {}
    for obj in model.objects:
        groups.setdefault(obj.group_key, []).append(obj)
    groups.setdefault("all", [])
    written = 0
    for key, members in sorted(groups.items()):
        gdir = kdir / "base" / key
        resources = []
        if key == "all":
            # Namespaces follow their FederatedNamespace: placed everywhere.
            _write(
                gdir / "namespaces.yaml",
                [
                    {
                        "apiVersion": "v1",
                        "kind": "Namespace",
                        "metadata": {"name": ns, "labels": dict(MANAGED_LABEL)},
                    }
                    for ns in model.namespaces
                ],
            )
            resources.append("namespaces.yaml")
            written += 1
        for obj in members:
            fname = f"{obj.namespace}_{obj.kind.lower()}_{obj.name}.yaml"
            _write(gdir / fname, [plain_object(obj)])
            resources.append(fname)
            written += 1
        _write(gdir / "kustomization.yaml", [_kustomization(resources)])
        written += 1

    selector_of = {obj.group_key: obj for obj in model.objects}
    splits = replica_splits(model)
    for cluster in model.clusters:
        bases = [
            f"../../base/{key}"
            for key in sorted(groups)
            if key == "all" or selector_of[key].places(cluster)
        ]
        doc = _kustomization(bases, overlay_patches(model, cluster, splits))
        _write(kdir / "overlays" / cluster.name / "kustomization.yaml", [doc])
        written += 1
    return written


# --------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class Generated:
    """Where a generated fleet was written, and its model."""

    model: FleetModel
    fleet_dir: Path
    kustomize_dir: Path
    fleet_files: int
    kustomize_files: int


def generate(
    clusters: int, objects: int, out: Path, seed: int = 1, kustomize: bool = True
) -> Generated:
    """Write ``out/fleet/`` and ``out/kustomize/`` (replacing earlier ones) and return them.

    Without ``kustomize`` the kustomize tree is not written (``kustomize_files`` is 0):
    it is most of the generator's time, and a run without the kustomize loop never reads it.
    """
    # PyYAML keeps a node object per value while it dumps a document: with thousands of
    # clusters, the cyclic collector's full passes over them made generation grow faster
    # than linearly (the model and the nodes are acyclic; reference counting frees them).
    collecting = gc.isenabled()
    gc.disable()
    try:
        model = build_model(clusters, objects, seed)
        fleet_dir, kdir = out / "fleet", out / "kustomize"
        for d in (fleet_dir, kdir):
            if d.exists():
                shutil.rmtree(d)  # a stale file from a larger run would change the input
        nf = write_fleet(model, fleet_dir)
        nk = write_kustomize(model, kdir) if kustomize else 0
    finally:
        if collecting:
            gc.enable()
    return Generated(model, fleet_dir, kdir, nf, nk)


def summary(model: FleetModel) -> Mapping[str, int]:
    """Counts describing a model, for logs and tests."""
    kinds = [o.kind for o in model.objects]
    return {
        "clusters": len(model.clusters),
        "objects": len(model.objects),
        "namespaces": len(model.namespaces),
        "deployments": kinds.count("Deployment"),
        "rsps": sum(o.rsp_total is not None for o in model.objects),
        "services": kinds.count("Service"),
        "configmaps": kinds.count("ConfigMap"),
        "label_placed": sum(o.match_labels is not None for o in model.objects),
        "overridden_clusters": len(model.overridden),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m bench.generate --clusters N --objects M --out DIR [--seed S]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--clusters", type=int, default=100, help="member clusters (100)")
    parser.add_argument("--objects", type=int, default=50, help="federated objects (50)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for overrides (1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    if args.clusters < 1 or args.objects < 1:
        parser.error("--clusters and --objects must be >= 1")
    gen = generate(args.clusters, args.objects, args.out, args.seed)
    counts = ", ".join(f"{k}={v}" for k, v in summary(gen.model).items())
    print(f"{gen.fleet_dir}: {gen.fleet_files} files; {gen.kustomize_dir}: {gen.kustomize_files}")
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
