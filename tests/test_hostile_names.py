"""Hostile names and links: nothing is ever read or written outside where it belongs.

Names end up in output paths (``<cluster>/<namespace>/<kind>.<group>_<name>.yaml``),
so every position a name can come from is tried with path separators, ``..``,
absolute paths, NUL and invalid Kubernetes names.  Each must be refused with
exit 2 before anything is written: the whole directory tree around the fleet
(not only the output) must be byte-for-byte unchanged afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunCli, snapshot

# An absolute path that a successful escape would create; unique per run.
ESCAPE = f"/tmp/kfedgen-escape-{uuid.uuid4().hex}"
HOSTILE = [
    "../../../escaped",
    "..",
    ".",
    ESCAPE,
    "a/b",
    "a\\b",
    "a\0b",
    "%2e%2e",
    "UPPER_case",
    "x" * 300,
]

INVENTORY = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters:
    - name: {cluster}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {{name: shop, namespace: shop}}
spec:
  placement: {{clusterSelector: {{}}}}
"""
CONFIGMAP = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  template: {{data: {{a: b}}}}
  placement: {{clusterSelector: {{}}}}
  overrides: {overrides}
"""
TYPE_CONFIG = """\
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata: {{name: {plural}.{group}}}
spec:
  federatedType: {{group: types.kubefed.io, kind: FederatedWidget, pluralName: federatedwidgets,
                  scope: Namespaced, version: v1beta1}}
  targetType: {{group: {group}, kind: {kind}, pluralName: {plural}, scope: Namespaced,
               version: {version}}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedWidget
metadata: {{name: w, namespace: shop}}
spec:
  placement: {{clusterSelector: {{}}}}
"""
KUBEFED_CLUSTER = """\
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata: {{name: {name}}}
spec: {{apiEndpoint: "https://example.com"}}
"""
KARMADA = """\
apiVersion: {api_version}
kind: ConfigMap
metadata: {{name: {name}, namespace: shop}}
data: {{a: b}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: spread, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: {api_version}, kind: ConfigMap}}]
  placement: {{clusterAffinity: {{clusterNames: [c1]}}}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: tweak, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: {api_version}, kind: ConfigMap}}]
  overrideRules:
    - targetCluster: {{clusterNames: [c1]}}
      overriders:
        plaintext: [{{path: {path}, operator: replace, value: {value}}}]
"""
KARMADA_CLUSTER = """\
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {{name: {name}}}
spec: {{apiEndpoint: "https://example.com"}}
"""


def q(value: str) -> str:
    """``value`` as a YAML double-quoted scalar (escapes NUL and backslashes)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\0", "\\0")
    return f'"{escaped}"'


def inventory(cluster: str = "c1") -> str:
    return INVENTORY.format(cluster=q(cluster))


def configmap(name: str = "cfg", namespace: str = "shop", overrides: str = "[]") -> str:
    return CONFIGMAP.format(name=q(name), namespace=q(namespace), overrides=overrides)


def type_config(
    kind: str = "Widget", group: str = "example.com", version: str = "v1", plural: str = "widgets"
) -> str:
    return TYPE_CONFIG.format(kind=q(kind), group=group, version=q(version), plural=plural)


def karmada(
    name: str = "cfg", api_version: str = "v1", path: str = "/data/a", value: str = "x"
) -> str:
    return KARMADA.format(name=q(name), api_version=q(api_version), path=path, value=q(value))


def override(path: str, value: str) -> str:
    return f"[{{clusterName: c1, clusterOverrides: [{{path: {path}, value: {q(value)}}}]}}]"


# position -> fleet documents for a hostile value in that position
FleetFor = Callable[[str], str]
POSITIONS: dict[str, FleetFor] = {
    "cluster": lambda v: inventory(v) + "---\n" + configmap(),
    "kubefedcluster": lambda v: inventory() + "---\n" + KUBEFED_CLUSTER.format(name=q(v)),
    "namespace": lambda v: inventory() + "---\n" + configmap(namespace=v),
    "object-name": lambda v: inventory() + "---\n" + configmap(name=v),
    "type-kind": lambda v: inventory() + "---\n" + type_config(kind=v),
    "type-version": lambda v: inventory() + "---\n" + type_config(version=v),
    "template-apiversion": lambda v: (
        inventory()
        + "---\n"
        + configmap().replace("template: {", f"template: {{apiVersion: {q(v + '/v1')}, ")
    ),
    "override-apiversion": lambda v: (
        inventory() + "---\n" + configmap(overrides=override("/apiVersion", v + "/v1"))
    ),
    "override-namespace": lambda v: (
        inventory() + "---\n" + configmap(overrides=override("/metadata/namespace", v))
    ),
    "override-name": lambda v: (
        inventory() + "---\n" + configmap(overrides=override("/metadata/name", v))
    ),
    "karmada-cluster": lambda v: inventory() + "---\n" + KARMADA_CLUSTER.format(name=q(v)),
    "karmada-object-name": lambda v: inventory() + "---\n" + karmada(name=v),
    "karmada-object-apiversion": lambda v: inventory() + "---\n" + karmada(api_version=v + "/v1"),
    "karmada-override-name": lambda v: (
        inventory() + "---\n" + karmada(path="/metadata/name", value=v)
    ),
    "karmada-override-namespace": lambda v: (
        inventory() + "---\n" + karmada(path="/metadata/namespace", value=v)
    ),
    "karmada-override-apiversion": lambda v: (
        inventory() + "---\n" + karmada(path="/apiVersion", value=v + "/v1")
    ),
}


def tree_state(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: file bytes, ``link -> target`` or ``dir``; links not followed."""
    state: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[key] = f"link -> {path.readlink()}"
            elif path.is_dir():
                state[key] = "dir"
            else:
                state[key] = path.read_bytes()
    return state


@pytest.fixture
def workspace(tmp_path: Path, run_cli: RunCli) -> Path:
    """``tmp/a/b/repo`` with a valid fleet already rendered, so ``..`` has room to escape."""
    repo = tmp_path / "a" / "b" / "repo"
    (repo / "fleet").mkdir(parents=True)
    (repo / "fleet" / "fleet.yaml").write_text(inventory() + "---\n" + configmap())
    assert run_cli("render", cwd=repo).code == 0
    (tmp_path / "a" / "bystander.txt").write_text("must survive\n")
    return repo


@pytest.mark.parametrize("position", sorted(POSITIONS))
def test_hostile_names_are_refused_before_writing(
    position: str, workspace: Path, run_cli: RunCli
) -> None:
    root = workspace.parent.parent.parent
    for value in HOSTILE:
        fleet = POSITIONS[position](value)
        if position in ("object-name", "type-kind") and value == "UPPER_case":
            continue  # a valid name in these positions: covered by the valid test below
        (workspace / "fleet" / "fleet.yaml").write_text(fleet)
        before = tree_state(root)
        result = run_cli("render", cwd=workspace)
        assert result.code == 2, f"{position}={value!r}: exit {result.code}\n{result.err}"
        assert "Traceback" not in result.err
        assert "fleet/fleet.yaml:" in result.err, result.err
        assert tree_state(root) == before, f"{position}={value!r} changed the disk"
        assert not Path(ESCAPE).exists()
        assert not Path(ESCAPE + "/v1").exists()


def test_valid_unusual_names_stay_inside_the_output(workspace: Path, run_cli: RunCli) -> None:
    """RBAC names may hold almost anything; they are sanitised into one path segment."""
    root = workspace.parent.parent.parent
    role = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedClusterRole
metadata: {name: "system:..:Weird Name~"}
spec:
  template: {rules: []}
  placement: {clusterSelector: {}}
"""
    (workspace / "fleet" / "role.yaml").write_text(role)
    outside = {k: v for k, v in tree_state(root).items() if "/rendered" not in f"/{k}"}
    result = run_cli("render", cwd=workspace)
    assert result.code == 0, result.err
    after = tree_state(root)
    assert {k: v for k, v in after.items() if "/rendered" not in f"/{k}"} == outside
    files = snapshot(workspace / "rendered")
    assert "c1/_cluster/clusterrole.rbac.authorization.k8s.io_system_.._weird_name_.yaml" in files
    assert all(os.path.normpath(p) == p and not p.startswith("..") for p in files)


def test_symlinked_file_outside_the_fleet_is_refused(workspace: Path, run_cli: RunCli) -> None:
    secret = workspace.parent / "outside.yaml"
    secret.write_text(configmap(name="stolen"))
    (workspace / "fleet" / "link.yaml").symlink_to(secret)
    before = snapshot(workspace / "rendered")
    result = run_cli("render", cwd=workspace)
    assert result.code == 2
    assert (
        "fleet/link.yaml: symlink points outside the fleet directory; refusing to read it"
        in result.err
    )
    assert snapshot(workspace / "rendered") == before


def test_symlinked_directory_outside_the_fleet_is_refused(workspace: Path, run_cli: RunCli) -> None:
    outside = workspace.parent / "elsewhere"
    outside.mkdir()
    (outside / "cm.yaml").write_text(configmap(name="stolen"))
    (workspace / "fleet" / "more").symlink_to(outside, target_is_directory=True)
    result = run_cli("render", cwd=workspace)
    assert result.code == 2
    assert "fleet/more: symlink points outside the fleet directory" in result.err


def test_symlink_inside_the_fleet_to_the_fleet_is_read(workspace: Path, run_cli: RunCli) -> None:
    fleet = workspace / "fleet"
    (fleet / "extra").mkdir()
    (fleet / "extra" / "cm.yaml").write_text(configmap(name="linked"))
    (fleet / "alias.yaml").symlink_to(fleet / "extra" / "cm.yaml")
    result = run_cli("render", cwd=workspace)
    # The same document twice (through the link and directly) is a duplicate.
    assert result.code == 2
    assert "FederatedConfigMap/shop/linked is defined twice" in result.err


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_symlink_inside_the_output_is_refused(kind: str, workspace: Path, run_cli: RunCli) -> None:
    target = workspace.parent / "target"
    target.mkdir()
    (target / "keep.yaml").write_text("keep\n")
    output = workspace / "rendered"
    link = output / "c1" / "shop" / "configmap_cfg.yaml"
    if kind == "directory":
        link = output / "c1" / "shop"
        shutil.rmtree(link)
    else:
        link.unlink()
    link.symlink_to(target / "keep.yaml" if kind == "file" else target)
    (workspace / "fleet" / "fleet.yaml").write_text(
        inventory() + "---\n" + configmap().replace("{a: b}", "{a: changed}")
    )
    for command in (["render"], ["render", "--check"]):
        result = run_cli(*command, cwd=workspace)
        assert result.code == 2, result.err
        assert "is a symlink inside the output tree" in result.err
    assert (target / "keep.yaml").read_text() == "keep\n"
    assert sorted(p.name for p in target.iterdir()) == ["keep.yaml"]


def test_output_that_is_a_symlink_is_refused(workspace: Path, run_cli: RunCli) -> None:
    elsewhere = workspace.parent / "real-output"
    (workspace / "rendered").rename(elsewhere)
    (workspace / "rendered").symlink_to(elsewhere, target_is_directory=True)
    before = tree_state(elsewhere)
    result = run_cli("render", cwd=workspace)
    assert result.code == 2
    assert "is a symlink; refusing to write through it" in result.err
    assert tree_state(elsewhere) == before


def test_output_under_a_file_is_an_error_not_a_crash(workspace: Path, run_cli: RunCli) -> None:
    (workspace / "blocker").write_text("a file, not a directory\n")
    result = run_cli("render", "-o", "blocker/rendered", cwd=workspace)
    assert result.code == 2, result.err
    assert "kfedgen: error: cannot write" in result.err
    assert "internal error" not in result.err


def test_fifo_in_the_fleet_is_refused_without_blocking(workspace: Path) -> None:
    os.mkfifo(workspace / "fleet" / "pipe.yaml")
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "kfedgen", "render"],
        cwd=workspace,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "fleet/pipe.yaml: not a regular file; refusing to read it" in completed.stderr
    assert time.monotonic() - started < 30


def test_huge_file_is_refused_without_reading_it(workspace: Path, run_cli: RunCli) -> None:
    huge = workspace / "fleet" / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(64 * 1024**3)  # sparse: 64 GiB that nobody could read
    started = time.monotonic()
    result = run_cli("render", cwd=workspace)
    assert result.code == 2
    assert f"fleet/huge.yaml:1:1: file is {64 * 1024**3} bytes, over the limit of " in result.err
    assert "--max-file-size" in result.err
    assert time.monotonic() - started < 5


def test_max_file_size_is_configurable(workspace: Path, run_cli: RunCli) -> None:
    size = (workspace / "fleet" / "fleet.yaml").stat().st_size
    too_small = run_cli("render", "--max-file-size", str(size - 1), cwd=workspace)
    assert too_small.code == 2
    assert f"over the limit of {size - 1}" in too_small.err
    assert run_cli("render", "--max-file-size", str(size), cwd=workspace).code == 0
    assert run_cli("render", "--max-file-size", "0", cwd=workspace).code == 2


@pytest.mark.parametrize("output", [".", "fleet", "fleet/out", ".."])
def test_output_overlapping_the_fleet_is_refused(
    output: str, workspace: Path, run_cli: RunCli
) -> None:
    """Rendering over the fleet would read the output back, or swap the fleet away."""
    root = workspace.parent.parent.parent
    before = tree_state(root)
    result = run_cli("render", "-o", output, cwd=workspace)
    assert result.code == 2
    assert f"the output directory {output} overlaps the fleet path fleet" in result.err
    assert tree_state(root) == before
