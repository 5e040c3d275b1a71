"""``kfedgen explain`` end to end, on the replica-scheduling golden fleet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.commands.test_plan import FLEET, drain_west
from tests.conftest import RunCli

RSP = "ReplicaSchedulingPreference/app/api"
PLANS_3 = f"  {RSP} plans 3 replicas here (* (default): weight 1, min 0, max none)"
FROM_RSP = f"  replicas: 3 from the scheduler: {RSP} (fleet/api.yaml:23:1)"

API = f"""\
FederatedDeployment/app/api (fleet/api.yaml:4:1)
replicas scheduled by {RSP}
east: placed -> rendered/east/app/deployment.apps_api.yaml
  placement selects it (clusters [east])
  FederatedNamespace app is placed there too
{PLANS_3}
  {RSP} replaces the value of overrides[0] /spec/replicas (7) with 3, keeping its position
  overrides[0]: replace /spec/replicas = 3
  overrides[0]: replace /spec/template/spec/containers/0/image = 'api:2'
{FROM_RSP}
lab: placed -> rendered/lab/app/deployment.apps_api.yaml
  placement does not select it (clusters [east])
{PLANS_3}
  FederatedNamespace app is placed there too
  scheduler sets /spec/replicas = 3
{FROM_RSP}
west: placed -> rendered/west/app/deployment.apps_api.yaml
  placement does not select it (clusters [east])
{PLANS_3}
  FederatedNamespace app is placed there too
  scheduler sets /spec/replicas = 3
{FROM_RSP}
"""


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Path:
    shutil.copytree(FLEET, tmp_path / "fleet")
    return tmp_path


def test_explain_every_cluster(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("explain", "FederatedDeployment/app/api", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out == API


def test_explain_accepts_the_target_kind_and_one_cluster(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("explain", "Deployment/app/api", "--cluster", "lab", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out == (
        f"FederatedDeployment/app/api (fleet/api.yaml:4:1)\n"
        f"replicas scheduled by {RSP}\n"
        "lab: placed -> rendered/lab/app/deployment.apps_api.yaml\n"
        "  placement does not select it (clusters [east])\n"
        f"{PLANS_3}\n"
        "  FederatedNamespace app is placed there too\n"
        "  scheduler sets /spec/replicas = 3\n"
        f"{FROM_RSP}\n"
    )


def test_explain_a_drained_cluster(run_cli: RunCli, fleet_dir: Path) -> None:
    drain_west(fleet_dir)
    result = run_cli("explain", "deployment/app/web", "--cluster", "west", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out.splitlines()[2:] == [
        "west: placed -> rendered/west/app/deployment.apps_web.yaml",
        "  placement selects it (clusterSelector env in (prod))",
        "  FederatedNamespace app is placed there too",
        "  ReplicaSchedulingPreference/app/web drains it (schedulable: false): 0 replicas, and "
        "it stays placed; its share goes to the other clusters",
        "  scheduler sets /spec/replicas = 0",
        "  replicas: 0 from the scheduler: ReplicaSchedulingPreference/app/web (fleet/web.yaml:20:3)",
    ]


def test_explain_an_object_the_intersection_leaves_out(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("explain", "FederatedDeployment/app/web", "--cluster", "lab", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out.splitlines()[2:] == [
        "lab: not placed",
        "  placement does not select it (clusterSelector env in (prod))",
        "  ReplicaSchedulingPreference/app/web does not plan it either: it is not in the "
        "object's clusterSelector and its FederatedNamespace (intersectWithClusterSelector)",
    ]


def test_explain_retain_replicas(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli(
        "explain", "FederatedDeployment/app/worker", "--cluster", "east", cwd=fleet_dir
    )
    assert result.code == 0, result.err
    assert result.out.splitlines()[-3:] == [
        "  scheduler sets /spec/replicas = 2",
        "  retainReplicas: spec.replicas is left to the cluster (e.g. an HPA)",
        "  replicas: not written, left to the cluster by retainReplicas (fleet/worker.yaml:7:3)",
    ]


def test_explain_an_object_without_scheduler(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("explain", "FederatedReplicaSet/app/cache", "--cluster", "west", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out == (
        "FederatedReplicaSet/app/cache (fleet/cache.yaml:3:1)\n"
        "west: placed -> rendered/west/app/replicaset.apps_cache.yaml\n"
        "  placement selects it (clusterSelector env in (prod))\n"
        "  FederatedNamespace app is placed there too\n"
        "  overrides[0]: replace /spec/replicas = 1\n"
        "  replicas: 1 from overrides[0] (fleet/cache.yaml:16:11)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["FederatedDeployment/app/apj"],
            "no federated object 'FederatedDeployment/app/apj' "
            "(did you mean 'FederatedDeployment/app/api'?)",
        ),
        (
            ["Deployment/api"],
            "no federated object 'Deployment/api' (did you mean 'Deployment/app/api'?)",
        ),
        (["StatefulSet/db/postgres"], "no federated object 'StatefulSet/db/postgres'"),
        (
            ["FederatedDeployment/app/api", "--cluster", "eats"],
            "cluster 'eats' is not in the inventory (did you mean 'east'?)",
        ),
        (
            ["FederatedDeployment"],
            "'FederatedDeployment' is not KIND/NAMESPACE/NAME (or KIND/NAME for a cluster-scoped object)",
        ),
        (
            ["FederatedDeployment/a/b/c"],
            "'FederatedDeployment/a/b/c' is not KIND/NAMESPACE/NAME (or KIND/NAME for a "
            "cluster-scoped object)",
        ),
    ],
)
def test_explain_unknown_names_exit_2(
    run_cli: RunCli, fleet_dir: Path, args: list[str], message: str
) -> None:
    result = run_cli("explain", *args, cwd=fleet_dir)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines()[-1] == f"kfedgen: error: {message}"


WEBAPP = """\
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata: {name: deployments.apps, namespace: kube-federation-system}
spec:
  targetType: {group: apps, version: v1, kind: Deployment, pluralName: deployments, scope: Namespaced}
  federatedType: {group: types.kubefed.io, version: v1beta1, kind: FederatedWebApp,
                  pluralName: federatedwebapps, scope: Namespaced}
  propagation: Enabled
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedWebApp
metadata: {name: web, namespace: app}
spec:
  template: {spec: {replicas: 1}}
  placement: {clusters: [{name: lab}]}
"""


def test_explain_an_ambiguous_target_kind(run_cli: RunCli, fleet_dir: Path) -> None:
    (fleet_dir / "fleet" / "webapp.yaml").write_text(WEBAPP)
    result = run_cli("explain", "Deployment/app/web", cwd=fleet_dir)
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "kfedgen: error: 'Deployment/app/web' is ambiguous: it could be "
        "FederatedDeployment/app/web, FederatedWebApp/app/web; name the federated kind"
    )
    assert run_cli("explain", "FederatedWebApp/app/web", cwd=fleet_dir).code == 0


def test_explain_a_cluster_scoped_object(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(FLEET.parent.parent / "kubefed-sample1" / "fleet", tmp_path / "fleet")
    result = run_cli(
        "explain", "FederatedClusterRole/test-clusterrole", "--cluster", "cluster1", cwd=tmp_path
    )
    assert result.code == 0, result.err
    assert result.out.splitlines()[1] == (
        "cluster1: placed -> rendered/cluster1/_cluster/"
        "clusterrole.rbac.authorization.k8s.io_test-clusterrole.yaml"
    )
