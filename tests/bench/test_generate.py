"""Tests for the synthetic fleet generator (bench/generate.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import generate

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not on PATH: cannot build the kustomize overlays"
)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _fleet_docs(fleet_dir: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(fleet_dir.rglob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def _kustomize(kdir: Path, cluster: str) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    res = subprocess.run(
        [KUBECTL, "kustomize", f"overlays/{cluster}"],
        cwd=kdir,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert res.returncode == 0, f"kubectl kustomize overlays/{cluster} failed:\n{res.stderr}"
    return [d for d in yaml.safe_load_all(res.stdout) if d]


def _by_key(docs: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]): d for d in docs}


def test_same_arguments_give_same_bytes(tmp_path: Path) -> None:
    a = generate.generate(20, 12, tmp_path / "a", seed=7)
    b = generate.generate(20, 12, tmp_path / "b", seed=7)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert (
        a.fleet_files + a.kustomize_files
        == len(_tree(tmp_path / "a"))
        == b.fleet_files + (b.kustomize_files)
    )


def test_seed_changes_the_overrides(tmp_path: Path) -> None:
    generate.generate(20, 12, tmp_path / "a", seed=1)
    generate.generate(20, 12, tmp_path / "b", seed=2)
    assert _tree(tmp_path / "a") != _tree(tmp_path / "b")


def test_regenerating_into_the_same_dir_drops_stale_files(tmp_path: Path) -> None:
    generate.generate(12, 5, tmp_path)
    generate.generate(3, 5, tmp_path)
    assert sorted(p.name for p in (tmp_path / "kustomize" / "overlays").iterdir()) == [
        "c0001",
        "c0002",
        "c0003",
    ]


@pytest.mark.parametrize(("clusters", "objects"), [(1, 1), (3, 5), (40, 50), (120, 13)])
def test_requested_counts(tmp_path: Path, clusters: int, objects: int) -> None:
    gen = generate.generate(clusters, objects, tmp_path)
    docs = _fleet_docs(gen.fleet_dir)
    kinds = [d["kind"] for d in docs]

    (fleet,) = [d for d in docs if d["kind"] == "Fleet"]
    names = [c["name"] for c in fleet["spec"]["clusters"]]
    assert names == sorted(set(names)) and len(names) == clusters
    federated = [k for k in kinds if k.startswith("Federated") and k != "FederatedNamespace"]
    assert len(federated) == objects
    assert kinds.count("FederatedNamespace") == len(gen.model.namespaces) >= 1
    assert kinds.count("ReplicaSchedulingPreference") == (objects + 3) // 4
    if objects >= 4:
        assert {"FederatedDeployment", "FederatedService", "FederatedConfigMap"} <= set(kinds)

    # overrides on a tenth of the clusters (at least one), and only there
    assert len(gen.model.overridden) == max(1, clusters // 10)
    override_targets = {
        o["clusterName"] for d in docs for o in d.get("spec", {}).get("overrides", [])
    }
    assert override_targets == set(gen.model.overridden)

    overlays = sorted(p.name for p in (gen.kustomize_dir / "overlays").iterdir())
    assert overlays == names
    assert all((gen.kustomize_dir / "overlays" / n / "kustomization.yaml").is_file() for n in names)


def test_regions_and_label_placement_spread() -> None:
    model = generate.build_model(100, 50)
    assert len({c.labels["region"] for c in model.clusters}) == len(generate.REGIONS)
    label_placed = [o for o in model.objects if o.match_labels is not None]
    assert len(label_placed) == 5
    assert all(o.rsp_total is None for o in label_placed)
    for obj in label_placed:
        assert 0 < len(model.placed(obj)) < len(model.clusters)


@pytest.mark.parametrize(("total", "n"), [(300, 100), (13, 3), (5, 7), (3000, 1000)])
def test_rsp_split_distributes_everything(total: int, n: int) -> None:
    split = generate.rsp_split(total, generate.cluster_names(n))
    assert sum(split.values()) == total
    assert max(split.values()) - min(split.values()) <= 1


@needs_kubectl
def test_every_overlay_builds_with_real_kustomize(tmp_path: Path) -> None:
    gen = generate.generate(3, 5, tmp_path)
    for cluster in gen.model.clusters:
        built = _by_key(_kustomize(gen.kustomize_dir, cluster.name))
        expected = {("Namespace", "", ns) for ns in gen.model.namespaces} | {
            (o.kind, o.namespace, o.name) for o in gen.model.placed_objects(cluster)
        }
        assert set(built) == expected


@needs_kubectl
def test_label_placed_objects_only_in_matching_overlays(tmp_path: Path) -> None:
    gen = generate.generate(6, 20, tmp_path)  # c0003/c0006 are staging, c0004..6 not aws
    seen_absent = False
    for cluster in gen.model.clusters:
        built = set(_by_key(_kustomize(gen.kustomize_dir, cluster.name)))
        for obj in gen.model.objects:
            present = (obj.kind, obj.namespace, obj.name) in built
            assert present == obj.places(cluster), (cluster.name, obj.name)
            seen_absent |= not present
    assert seen_absent


@needs_kubectl
def test_overlay_output_carries_overrides_and_replica_split(tmp_path: Path) -> None:
    gen = generate.generate(3, 5, tmp_path)
    model = gen.model
    splits = generate.replica_splits(model)
    (overridden,) = model.overridden
    deployments = [o for o in model.objects if o.kind == "Deployment"]
    assert any(o.rsp_total is None for o in deployments)
    assert any(o.rsp_total is not None for o in deployments)

    for cluster in model.clusters:
        built = _by_key(_kustomize(gen.kustomize_dir, cluster.name))
        for obj in deployments:
            spec = built[("Deployment", obj.namespace, obj.name)]["spec"]
            image = spec["template"]["spec"]["containers"][0]["image"]
            wanted = {o.path: o.value for o in obj.overrides.get(cluster.name, [])}
            if cluster.name == overridden:
                assert (
                    image
                    == wanted["/spec/template/spec/containers/0/image"]
                    != (generate.BASE_IMAGE)
                )
            else:
                assert image == generate.BASE_IMAGE
            if obj.rsp_total is not None:
                assert spec["replicas"] == splits[f"{obj.namespace}/{obj.name}"][cluster.name]
            elif cluster.name == overridden:
                assert spec["replicas"] == wanted["/spec/replicas"] != 2
            else:
                assert spec["replicas"] == 2
