"""Traffic through the real entry point: plan's table, diff's traffic changes after a drain,
and every traffic object an API server with the upstream CRDs would accept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kfedgen.backend.kubevalidate import load_crds
from kfedgen.errors import Problems
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from tests.conftest import GOLDEN, ROOT, RunCli
from tests.gitutil import FleetRepo

CRDS = ROOT / "tests" / "crds"
TRAFFIC_KINDS = {
    "traffic": {"TrafficSplit", "PriorityClass"},
    "traffic-gateway": {"HTTPRoute", "PriorityClass"},
    "traffic-mcs": {"ServiceExport", "ServiceImport"},
}


def copy_fleet(case: str, target: Path) -> Path:
    shutil.copytree(GOLDEN / case / "fleet", target / "fleet")
    return target


def test_plan_prints_weights_and_headroom(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", cwd=copy_fleet("traffic", tmp_path))
    assert result.code == 0, result.err
    table = result.out.split("\n\n", 1)[1]
    assert table.splitlines()[0].split() == [
        "OBJECT",
        "CLUSTER",
        "KIND",
        "TARGET",
        "VALUE",
        "REPLICAS",
    ]
    rows = {tuple(line.split()[:5]) for line in table.splitlines()[1:]}
    assert ("Service/shop/web", "use1", "dns", "web.shop.example.com", "56") in rows
    assert ("Service/shop/web", "euw1", "split", "web-usw2", "33") in rows
    assert ("Deployment/shop/web", "usw2", "headroom", "Deployment/shop/web-headroom", "4") in rows


def test_plan_json_has_the_traffic_entries(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", "--format", "json", cwd=copy_fleet("traffic-drained", tmp_path))
    entries = json.loads(result.out)["traffic"]
    dns = {e["cluster"]: e["value"] for e in entries if e["kind"] == "dns"}
    assert dns == {"use1": 78, "usw2": 0, "euw1": 22}
    assert entries[0] == {
        "kind": "dns",
        "object": "Service/shop/web",
        "cluster": "euw1",
        "target": "web.shop.example.com",
        "value": 22,
        "replicas": 2,
    }


def test_a_fleet_without_traffic_prints_no_traffic_table(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", cwd=copy_fleet("replica-scheduling", tmp_path))
    assert result.code == 0, result.err
    assert "\n\n" not in result.out
    assert json.loads(run_cli("plan", "--format", "json", cwd=tmp_path).out)["traffic"] == []


@pytest.fixture
def drained(tmp_path: Path, run_cli: RunCli) -> FleetRepo:
    """The traffic example committed on main, then usw2 drained in the work tree."""
    repo = FleetRepo.create(tmp_path / "repo")
    copy_fleet("traffic", repo.path)
    assert run_cli("render", cwd=repo.path).code == 0
    repo.commit("traffic example")
    shutil.copy(GOLDEN / "traffic-drained" / "fleet" / "fleet.yaml", repo.path / "fleet")
    return repo


def test_diff_shows_a_drain_move_replicas_weights_and_headroom(
    drained: FleetRepo, run_cli: RunCli
) -> None:
    result = run_cli("diff", "--base", "main", cwd=drained.path)
    assert result.code == 1, result.err
    replicas, traffic = result.out.split("Replica changes:\n", 1)[1].split("Traffic changes:\n")
    assert "  usw2: Deployment shop/web 3 -> 0\n" in replicas
    assert "  euw1: Deployment shop/web-headroom 1 -> 7\n" in replicas
    assert "  usw2: Deployment shop/web-headroom 4 -> 0\n" in replicas
    assert "  usw2: Service shop/web dns web.shop.example.com 33 -> 0\n" in traffic
    assert "  euw1: TrafficSplit shop/web split web-usw2 33 -> 0\n" in traffic
    assert "  use1: TrafficSplit shop/web split web 56 -> 78\n" in traffic
    # Placeholders hold room: their going down while the total grows is no scale-up warning.
    assert "karmada#6735" not in traffic


def test_diff_markdown_and_json_carry_the_traffic_changes(
    drained: FleetRepo, run_cli: RunCli
) -> None:
    markdown = run_cli("diff", "--base", "main", "--format", "markdown", cwd=drained.path).out
    assert "- `usw2`: Service shop/web dns web.shop.example.com 33 → 0\n" in markdown
    document = json.loads(
        run_cli("diff", "--base", "main", "--format", "json", cwd=drained.path).out
    )
    assert document["summary"]["trafficChanges"] == 12
    usw2 = next(c for c in document["clusters"] if c["name"] == "usw2")
    assert {
        "path": "usw2/shop/service_web.yaml",
        "object": {"apiVersion": "v1", "kind": "Service", "namespace": "shop", "name": "web"},
        "target": "dns web.shop.example.com",
        "before": 33,
        "after": 0,
    } in usw2["traffic"]


@pytest.mark.parametrize("case", sorted(TRAFFIC_KINDS))
def test_the_golden_traffic_trees_hold_the_kinds_their_crds_check(case: str) -> None:
    """test_golden validates every tree against the vendored CRDs; this makes sure the
    traffic trees hold those kinds, so that check is not vacuous."""
    kinds = {
        line.removeprefix("kind: ")
        for path in (GOLDEN / case / "expected").rglob("*.yaml")
        for line in path.read_text().splitlines()
        if line.startswith("kind: ")
    }
    assert TRAFFIC_KINDS[case] <= kinds


@pytest.mark.parametrize(
    ("case", "path", "old", "new", "message"),
    [
        (
            "traffic",
            "use1/shop/trafficsplit.split.smi-spec.io_web.yaml",
            "weight: 56",
            "weight: '56%'",
            "is not of type 'number'",
        ),
        (
            "traffic-gateway",
            "west/api/httproute.gateway.networking.k8s.io_ledger-8080.yaml",
            "weight: 60",
            "weight: -60",
            "less than the minimum of 0",
        ),
        (
            "traffic-mcs",
            "member3/default/serviceimport.multicluster.x-k8s.io_serve.yaml",
            "type: ClusterSetIP",
            "type: ClusterIP",
            "is not one of",
        ),
    ],
)
def test_the_crds_reject_a_broken_traffic_object(
    case: str, path: str, old: str, new: str, message: str
) -> None:
    """The validators test_golden's check builds from the vendored CRDs accept the golden
    file and reject it with a weight or type the CRD forbids."""
    validators = crd_validators()
    text = (GOLDEN / case / "expected" / path).read_text()
    for content, errors in ((text, False), (text.replace(old, new), True)):
        problems = Problems()
        (doc,) = parse_file(SourceFile(path, content.encode()), problems, LoadOptions())
        found = [e.message for e in validators[(doc.api_version, doc.kind)].iter_errors(doc.data)]
        assert any(message in m for m in found) if errors else found == []


def crd_validators() -> dict[tuple[str, str], Any]:
    problems = Problems()
    sources = [SourceFile(p.name, p.read_bytes()) for p in sorted(CRDS.glob("*.yaml"))]
    validators = load_crds(sources, problems)
    assert not problems.items
    return validators


@pytest.mark.parametrize("case", sorted(TRAFFIC_KINDS))
def test_the_multicluster_services_are_valid_karmada_objects(case: str) -> None:
    """The inputs, too, are what Karmada's own CRD accepts."""
    problems = Problems()
    validator = crd_validators()[("networking.karmada.io/v1alpha1", "MultiClusterService")]
    found = 0
    for path in sorted((GOLDEN / case / "fleet").glob("*.yaml")):
        for doc in parse_file(SourceFile(path.name, path.read_bytes()), problems, LoadOptions()):
            if doc.kind == "MultiClusterService":
                found += 1
                assert list(validator.iter_errors(doc.data)) == []
    assert found == 1
    assert not problems.items


def test_loadbalancer_exposure_is_warned_about_and_not_rendered(
    run_cli: RunCli, tmp_path: Path
) -> None:
    workdir = copy_fleet("traffic-mcs", tmp_path)
    mcs = workdir / "fleet" / "serve.yaml"
    mcs.write_text(mcs.read_text().replace("types: [CrossCluster]", "types: [LoadBalancer]"))
    result = run_cli("render", cwd=workdir)
    assert result.code == 0, result.err
    assert (
        "fleet/serve.yaml:59:11: spec.types[0]: warning: MultiClusterService/default/serve: "
        "only CrossCluster exposure is rendered" in result.err
    )
    assert not list((workdir / "rendered").rglob("service*port*_serve.yaml"))


def test_a_consumer_without_the_service_gets_no_split_and_a_warning(
    run_cli: RunCli, tmp_path: Path
) -> None:
    workdir = copy_fleet("traffic-gateway", tmp_path)
    api = workdir / "fleet" / "api.yaml"
    # The Service goes to east only; west still consumes it.
    api.write_text(
        api.read_text().replace(
            "        - {name: grpc, port: 9090}\n  placement:\n    clusterSelector: {}",
            "        - {name: grpc, port: 9090}\n  placement:\n    clusters: [{name: east}]",
        )
    )
    result = run_cli("render", cwd=workdir)
    assert result.code == 0, result.err
    assert (
        "MultiClusterService/api/ledger: consumer 'west' does not receive Service api/ledger, "
        "the split's apex; no split is rendered there" in result.err
    )
    assert not list((workdir / "rendered").rglob("httproute*"))


def test_explain_says_what_the_traffic_stage_wrote_there(run_cli: RunCli) -> None:
    # The example fleet: checkout's Service gets DNS and split weights, its Deployment headroom.
    service = run_cli("explain", "Service/shop/checkout", "--cluster", "cluster1", cwd=ROOT)
    assert service.code == 0, service.err
    assert [line for line in service.out.splitlines() if "traffic:" in line] == [
        "  traffic: DNS weight 33 for checkout.shop.example.com (from 2 replicas here)",
        "  traffic: split weight 33 to checkout (from the 2 replicas behind it)",
        "  traffic: split weight 67 to checkout-cluster0 (from the 4 replicas behind it)",
    ]
    document = json.loads(
        run_cli("explain", "Deployment/shop/checkout", "--format", "json", cwd=ROOT).out
    )
    headroom = {c["name"]: c["traffic"] for c in document["clusters"]}
    assert headroom["cluster0"] == [
        {
            "kind": "headroom",
            "object": "Deployment/shop/checkout",
            "cluster": "cluster0",
            "target": "Deployment/shop/checkout-headroom",
            "value": 2,
            "replicas": 4,
        }
    ]
    assert headroom["cluster2"] == []  # not placed there
