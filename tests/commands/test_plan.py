"""``kfedgen plan`` end to end: the replica-scheduling golden fleet, drained and not.

The numbers are KubeFed's (reference 3.3), worked by hand: with the keys ``app/api``
and ``app/web`` equal weights order lab, west, east; ``app/worker`` orders west, east.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GOLDEN, RunCli, snapshot

FLEET = GOLDEN / "replica-scheduling" / "fleet"
RSP_API = "ReplicaSchedulingPreference/app/api"
RSP_WEB = "ReplicaSchedulingPreference/app/web"
RSP_WORKER = "ReplicaSchedulingPreference/app/worker"


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Path:
    shutil.copytree(FLEET, tmp_path / "fleet")
    return tmp_path


def drain_west(directory: Path) -> None:
    """The one-line change of a blue/green upgrade: west is no longer schedulable."""
    fleet = directory / "fleet" / "fleet.yaml"
    text = fleet.read_text()
    old = "    - {name: west, labels: {env: prod}}\n"
    assert old in text
    fleet.write_text(
        text.replace(old, "    - {name: west, labels: {env: prod}, schedulable: false}\n")
    )


TEXT = """\
OBJECT                          CLUSTER  REPLICAS  SOURCE     PREFERENCE                              NOTES
FederatedDeployment/app/api     east     3         scheduler  * (default): weight 1, min 0, max none
FederatedDeployment/app/api     lab      3         scheduler  * (default): weight 1, min 0, max none
FederatedDeployment/app/api     west     3         scheduler  * (default): weight 1, min 0, max none
FederatedDeployment/app/idle    -        -         unplaced                                           placed in no cluster
FederatedDeployment/app/web     east     4         scheduler  east: weight 3, min 0, max 4            at max
FederatedDeployment/app/web     west     6         scheduler  *: weight 1, min 0, max none
FederatedDeployment/app/worker  east     -         retained   east: weight 1, min 0, max none         retainReplicas (scheduler planned 2)
FederatedDeployment/app/worker  lab      0         scheduler  -                                       no preference
FederatedDeployment/app/worker  west     -         retained   west: weight 1, min 0, max none         retainReplicas (scheduler planned 2)
FederatedReplicaSet/app/cache   east     2         template
FederatedReplicaSet/app/cache   west     1         override
"""

DRAINED_TEXT = """\
OBJECT                          CLUSTER  REPLICAS  SOURCE     PREFERENCE                              NOTES
FederatedDeployment/app/api     east     4         scheduler  * (default): weight 1, min 0, max none
FederatedDeployment/app/api     lab      5         scheduler  * (default): weight 1, min 0, max none
FederatedDeployment/app/api     west     0         scheduler  * (default): weight 1, min 0, max none  drained
FederatedDeployment/app/idle    -        -         unplaced                                           placed in no cluster
FederatedDeployment/app/web     east     4         scheduler  east: weight 3, min 0, max 4            at max
FederatedDeployment/app/web     west     0         scheduler  *: weight 1, min 0, max none            drained
FederatedDeployment/app/worker  east     -         retained   east: weight 1, min 0, max none         retainReplicas (scheduler planned 4)
FederatedDeployment/app/worker  lab      0         scheduler  -                                       no preference
FederatedDeployment/app/worker  west     0         scheduler  west: weight 1, min 0, max none         drained
FederatedReplicaSet/app/cache   east     2         template
FederatedReplicaSet/app/cache   west     1         override
"""

MARKDOWN = """\
### kfedgen plan

| Object | Cluster | Replicas | Source | Preference | Notes |
| --- | --- | ---: | --- | --- | --- |
| `FederatedDeployment/app/api` | east | 3 | scheduler | `* (default): weight 1, min 0, max none` |  |
| `FederatedDeployment/app/api` | lab | 3 | scheduler | `* (default): weight 1, min 0, max none` |  |
| `FederatedDeployment/app/api` | west | 3 | scheduler | `* (default): weight 1, min 0, max none` |  |
| `FederatedDeployment/app/idle` | - | - | unplaced |  | placed in no cluster |
| `FederatedDeployment/app/web` | east | 4 | scheduler | `east: weight 3, min 0, max 4` | at max |
| `FederatedDeployment/app/web` | west | 6 | scheduler | `*: weight 1, min 0, max none` |  |
| `FederatedDeployment/app/worker` | east | - | retained | `east: weight 1, min 0, max none` | retainReplicas (scheduler planned 2) |
| `FederatedDeployment/app/worker` | lab | 0 | scheduler | - | no preference |
| `FederatedDeployment/app/worker` | west | - | retained | `west: weight 1, min 0, max none` | retainReplicas (scheduler planned 2) |
| `FederatedReplicaSet/app/cache` | east | 2 | template |  |  |
| `FederatedReplicaSet/app/cache` | west | 1 | override |  |  |
"""


def test_plan_text(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("plan", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out == TEXT
    assert not (fleet_dir / "rendered").exists(), "plan writes nothing"


def test_plan_markdown(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("plan", "--format", "markdown", cwd=fleet_dir)
    assert result.code == 0, result.err
    assert result.out == MARKDOWN


def row(
    obj: str,
    cluster: str | None,
    replicas: int | None,
    source: str,
    scheduler: str | None = None,
    preference: dict[str, Any] | None = None,
    planned: int | None = None,
    **flags: bool,
) -> dict[str, Any]:
    kind, namespace, name = obj.split("/")
    return {
        "object": obj,
        "kind": kind.removeprefix("Federated"),
        "namespace": namespace,
        "name": name,
        "cluster": cluster,
        "replicas": replicas,
        "source": source,
        "scheduler": scheduler,
        "preference": preference,
        "planned": planned,
        "drained": flags.get("drained", False),
        "atMax": flags.get("atMax", False),
        "retained": flags.get("retained", False),
        "requiredBy": [],
        "placedBy": None,
        "preserved": flags.get("preserved", False),
    }


def pref(
    key: str, weight: int, maximum: int | None = None, default: bool = False
) -> dict[str, Any]:
    return {
        "key": key,
        "weight": weight,
        "minReplicas": 0,
        "maxReplicas": maximum,
        "default": default,
    }


def test_plan_json(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("plan", "--format", "json", cwd=fleet_dir)
    assert result.code == 0, result.err
    api, web, worker = (f"FederatedDeployment/app/{n}" for n in ("api", "web", "worker"))
    star = pref("*", 1, default=True)
    expected = {
        "command": "plan",
        "version": 1,
        "exitCode": 0,
        "error": None,
        "rows": [
            row(api, "east", 3, "scheduler", RSP_API, star, 3),
            row(api, "lab", 3, "scheduler", RSP_API, star, 3),
            row(api, "west", 3, "scheduler", RSP_API, star, 3),
            row("FederatedDeployment/app/idle", None, None, "unplaced"),
            row(web, "east", 4, "scheduler", RSP_WEB, pref("east", 3, 4), 4, atMax=True),
            row(web, "west", 6, "scheduler", RSP_WEB, pref("*", 1), 6),
            row(worker, "east", None, "retained", RSP_WORKER, pref("east", 1), 2, retained=True),
            row(worker, "lab", 0, "scheduler", RSP_WORKER, None, 0),
            row(worker, "west", None, "retained", RSP_WORKER, pref("west", 1), 2, retained=True),
            row("FederatedReplicaSet/app/cache", "east", 2, "template"),
            row("FederatedReplicaSet/app/cache", "west", 1, "override"),
        ],
        "capacity": [],  # no cluster declares node pools
        "schedulerCapacity": [],  # no Karmada schedule read capacity
        "traffic": [],
        # The warnings, which text output prints on stderr.
        "problems": [
            {
                "severity": "warning",
                "file": "fleet/api.yaml",
                "line": 17,
                "column": 34,
                "path": "spec.overrides[0].clusterOverrides[0].value",
                "pointer": "/spec/overrides/0/clusterOverrides/0/value",
                "message": f"{RSP_API} sets the replicas of cluster 'east'; "
                "this override's value is replaced",
                "hint": "remove the override, or the RSP's preference for this cluster",
            },
            {
                "severity": "warning",
                "file": "fleet/worker.yaml",
                "line": 7,
                "column": 3,
                "path": "spec.retainReplicas",
                "pointer": "/spec/retainReplicas",
                "message": "retainReplicas: true leaves spec.replicas to an in-cluster "
                f"autoscaler, so the replica counts of {RSP_WORKER} are not rendered; it still "
                "chooses the clusters (and clusters it plans 0 keep replicas: 0)",
                "hint": "remove retainReplicas to let the RSP set replicas, or the RSP to let "
                "the autoscaler own them",
            },
        ],
    }
    assert result.out == json.dumps(expected, indent=2) + "\n"


def test_plan_of_a_fleet_without_workloads(run_cli: RunCli, fleet_dir: Path) -> None:
    for name in ("api", "web", "worker", "cache"):
        (fleet_dir / "fleet" / f"{name}.yaml").unlink()
    assert run_cli("plan", cwd=fleet_dir).out == "no federated workloads\n"
    assert json.loads(run_cli("plan", "--format", "json", cwd=fleet_dir).out) == {
        "command": "plan",
        "version": 1,
        "exitCode": 0,
        "error": None,
        "rows": [],
        "capacity": [],
        "schedulerCapacity": [],
        "traffic": [],
        "problems": [],
    }


def test_plan_of_an_invalid_fleet_exits_2(run_cli: RunCli, fleet_dir: Path) -> None:
    web = fleet_dir / "fleet" / "web.yaml"
    web.write_text(web.read_text().replace("totalReplicas: 10", "totalReplicas: -10"))
    result = run_cli("plan", cwd=fleet_dir)
    assert result.code == 2
    assert result.out == ""
    assert (
        "fleet/web.yaml:18:3: spec.totalReplicas: -10 is less than the minimum of 0" in result.err
    )


# --------------------------------------------------------------------------------------
# Drain, end to end
# --------------------------------------------------------------------------------------


def deployment_replicas(directory: Path, cluster: str, name: str) -> str:
    text = (directory / "rendered" / cluster / "app" / f"deployment.apps_{name}.yaml").read_text()
    lines = [line.strip() for line in text.splitlines() if line.startswith("  replicas:")]
    return lines[0] if lines else "(none)"


def test_drain_is_a_one_line_change(run_cli: RunCli, fleet_dir: Path) -> None:
    assert run_cli("render", cwd=fleet_dir).code == 0
    before = snapshot(fleet_dir / "rendered")
    drain_west(fleet_dir)

    check = run_cli("render", "--check", cwd=fleet_dir)
    assert check.code == 1
    # only replica counts change; the manifest lists the new hashes
    assert check.out == (
        "changed: rendered/.kfedgen/manifest.json\n"
        "changed: rendered/east/app/deployment.apps_api.yaml\n"
        "changed: rendered/lab/app/deployment.apps_api.yaml\n"
        "changed: rendered/west/app/deployment.apps_api.yaml\n"
        "changed: rendered/west/app/deployment.apps_web.yaml\n"
        "changed: rendered/west/app/deployment.apps_worker.yaml\n"
    )

    result = run_cli("render", cwd=fleet_dir)
    assert result.code == 0, result.err
    # api keeps its 9 replicas: west's 3 move to lab (5) and east (4)
    assert [deployment_replicas(fleet_dir, c, "api") for c in ("east", "lab", "west")] == [
        "replicas: 4",
        "replicas: 5",
        "replicas: 0",
    ]
    # web can only plan east now, capped at 4: a warning says 6 replicas found no room
    assert deployment_replicas(fleet_dir, "west", "web") == "replicas: 0"
    assert (
        "fleet/web.yaml:18:3: spec.totalReplicas: warning: the preferences place only 4 of 10 "
        "replicas" in result.err
    )
    # the autoscaled worker is scaled to 0 in west (an HPA does not scale up from 0)
    assert deployment_replicas(fleet_dir, "west", "worker") == "replicas: 0"
    assert deployment_replicas(fleet_dir, "east", "worker") == "(none)"
    # nothing is deleted: west keeps every object, only replica counts change
    after = snapshot(fleet_dir / "rendered")
    assert sorted(after) == sorted(before)
    assert run_cli("plan", cwd=fleet_dir).out == DRAINED_TEXT


def test_override_precedence_end_to_end(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("render", cwd=fleet_dir)
    assert result.code == 0
    east_api = (fleet_dir / "rendered" / "east" / "app" / "deployment.apps_api.yaml").read_text()
    assert "  replicas: 3\n" in east_api  # the RSP's 3, not the override's 7
    assert "image: api:2" in east_api  # the same entry's image override still applies
    lab_api = (fleet_dir / "rendered" / "lab" / "app" / "deployment.apps_api.yaml").read_text()
    assert "image: api:1" in lab_api
    assert (
        "fleet/api.yaml:17:34: spec.overrides[0].clusterOverrides[0].value: warning: "
        "ReplicaSchedulingPreference/app/api sets the replicas of cluster 'east'; this "
        "override's value is replaced" in result.err
    )


def test_intersect_end_to_end(run_cli: RunCli, fleet_dir: Path) -> None:
    assert run_cli("render", cwd=fleet_dir).code == 0
    rendered = fleet_dir / "rendered"
    assert deployment_replicas(fleet_dir, "east", "web") == "replicas: 4"
    assert deployment_replicas(fleet_dir, "west", "web") == "replicas: 6"
    assert not (rendered / "lab" / "app" / "deployment.apps_web.yaml").exists()


def test_retain_replicas_end_to_end(run_cli: RunCli, fleet_dir: Path) -> None:
    result = run_cli("render", cwd=fleet_dir)
    assert result.code == 0
    assert deployment_replicas(fleet_dir, "east", "worker") == "(none)"
    assert deployment_replicas(fleet_dir, "west", "worker") == "(none)"
    assert deployment_replicas(fleet_dir, "lab", "worker") == "replicas: 0"
    assert (
        "fleet/worker.yaml:7:3: spec.retainReplicas: warning: retainReplicas: true leaves "
        "spec.replicas to an in-cluster autoscaler" in result.err
    )


def test_plan_shows_requested_against_declared_capacity(run_cli: RunCli, tmp_path: Path) -> None:
    from tests.feasibility.fleets import container, deployment, write_fleet  # noqa: PLC0415

    general = "{name: general, nodes: 2, allocatable: {cpu: '4', memory: 16Gi, pods: '10'}}"
    gpu = (
        "{name: gpu, nodes: 1, labels: {gpu: 'true'}, allocatable: {cpu: '8', pods: '10', "
        "nvidia.com/gpu: '4'}, taints: [{key: gpu, value: 'true', effect: NoSchedule}]}"
    )
    clusters = [f"{{name: c, compute: {{nodePools: [{general}, {gpu}]}}}}", "{name: plain}"]
    web = deployment("web", {"containers": [container(resources={"requests": {"cpu": "500m"}})]})
    web["spec"]["replicas"] = 18
    agent = deployment(
        "agent", {"containers": [container(resources={"limits": {"memory": "1Gi"}})]}
    )
    agent["kind"] = "DaemonSet"
    fleet = write_fleet(tmp_path, clusters, [web, agent])
    text = run_cli("plan", cwd=fleet)
    assert text.code == 0, text.err
    assert text.out.split("\n\n", 1)[1] == (
        "CLUSTER  RESOURCE        REQUESTED  DECLARED  NOTES\n"
        "c        cpu             9          16        short on general\n"
        "c        memory          2Gi        -         not declared by every pool\n"
        "c        nvidia.com/gpu  0          4\n"
        "c        pods            20         30\n"
    )  # the agent tolerates no taint: one pod on each general node
    document = json.loads(run_cli("plan", "--format", "json", cwd=fleet).out)
    assert document["capacity"][0] == {
        "cluster": "c",
        "resource": "cpu",
        "requested": "9",
        "declared": "16",
        "shortOn": [["general"]],
    }
    web["spec"]["replicas"] = 16
    fits = write_fleet(tmp_path / "fits", clusters, [web])
    json_fits = json.loads(run_cli("plan", "--format", "json", cwd=fits).out)
    assert [(r["resource"], r["requested"], r["shortOn"]) for r in json_fits["capacity"]] == [
        ("cpu", "8", []),
        ("memory", "0", []),
        ("nvidia.com/gpu", "0", []),
        ("pods", "16", []),
    ]
    markdown = run_cli("plan", "--format", "markdown", cwd=fits).out
    assert "#### Node pool capacity" in markdown
    assert "| c | cpu | 8 | 16 |  |" in markdown
