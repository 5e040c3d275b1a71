"""``kfedgen explain`` on a fleet whose only errors are feasibility findings.

Such a fleet compiled to the end (the findings come after the tree is emitted), so
``explain`` shows it, the failed check with its reason, reports the errors and exits
with 2; every other command fails as for any invalid fleet.  The fleet is the README's
"Will it run there?" fixture: its FederatedPodDisruptionBudget targets
``policy/v1beta1``, which the 1.29 cluster eks-apne1 no longer serves.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kfedgen.servedapis import GUIDE
from tests.conftest import RunCli, snapshot
from tests.feasibility.fleets import PDB_V1BETA1, shop_fleet
from tests.fleets import inventory
from tests.gitutil import FleetRepo

PDB = "FederatedPodDisruptionBudget/shop/web"
REMOVED = (
    "apiVersion: policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25 and the "
    f"cluster runs 1.29 (use policy/v1, served since 1.21; see {GUIDE})"
)
# The error, as every command reports it (file:line:column, the cluster, the object).
ERROR = (
    "fleet/shop.yaml:22:1: cluster 'eks-apne1': PodDisruptionBudget/shop/web (from "
    f"FederatedPodDisruptionBudget/shop/web) {REMOVED}"
)
NOT_PROVIDED = (
    "spec.template.spec.imagePullSecrets[0].name: Secret shop/registry-creds is not rendered "
    "to the cluster and not in its provides (render Secret shop/registry-creds to that "
    "cluster, or add {kind: Secret, namespace: shop, name: registry-creds} to its provides "
    "if the platform creates it)"
)


def checks(out: str) -> list[str]:
    """The ``will it run there`` lines of an explanation of one cluster."""
    lines = out.splitlines()
    start = lines.index("  will it run there:")
    return lines[start + 1 :]


def test_a_served_api_passes(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = shop_fleet(tmp_path, pdb_version="v1")
    result = run_cli("explain", PDB, "--cluster", "eks-apne1", cwd=fleet)
    assert result.code == 0, result.err
    assert checks(result.out)[0] == "    api-versions: passed"
    assert "nothing was written" not in result.err


def test_a_removed_api_is_explained_with_the_failed_check(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = shop_fleet(tmp_path)
    result = run_cli("explain", PDB, "--cluster", "eks-apne1", cwd=fleet)
    assert result.code == 2
    assert result.out == (
        "FederatedPodDisruptionBudget/shop/web (fleet/shop.yaml:22:1)\n"
        "eks-apne1: placed -> rendered/eks-apne1/shop/poddisruptionbudget.policy_web.yaml\n"
        "  placement selects it (clusterSelector <everything>)\n"
        "  FederatedNamespace shop is placed there too\n"
        "  will it run there:\n"
        f"    api-versions: failed: {REMOVED}\n"
        "    references: passed\n"
        "    fargate: skipped: the cluster's inventory entry has no compute.fargateProfiles\n"
        "    node-pools: skipped: the cluster's inventory entry has no compute.nodePools\n"
    )
    # Reported as validate and render report it: the warning, the error, the count.
    assert result.err.splitlines()[1:] == [
        ERROR,
        "kfedgen: the fleet spec has 1 problem; nothing was written",
    ]
    assert result.err.startswith("fleet/shop.yaml:7:1: warning: cluster 'eks-euw1': ")
    assert snapshot(tmp_path / "rendered") == {}


def test_the_other_clusters_say_what_holds_there(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = shop_fleet(tmp_path)
    result = run_cli("explain", PDB, cwd=fleet)
    assert result.code == 2
    lines = result.out.splitlines()
    # 1.24 still serves policy/v1beta1; the lab cluster declares nothing, so runs no check.
    assert lines[lines.index("eks-euw1: placed -> " + _pdb_file("eks-euw1")) + 4] == (
        "    api-versions: passed"
    )
    assert lines.count("  will it run there:") == 2
    assert f"    api-versions: failed: {REMOVED}" in lines
    # The Deployment on the same cluster runs: its checks pass.
    deployment = run_cli("explain", "Deployment/shop/web", "--cluster", "eks-apne1", cwd=fleet)
    assert deployment.code == 2
    assert checks(deployment.out)[:2] == ["    api-versions: passed", "    references: passed"]


def _pdb_file(cluster: str) -> str:
    return f"rendered/{cluster}/shop/poddisruptionbudget.policy_web.yaml"


def test_the_json_document_has_the_explanation_and_the_error(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = shop_fleet(tmp_path)
    result = run_cli("explain", PDB, "--cluster", "eks-apne1", "--format", "json", cwd=fleet)
    assert result.code == 2
    document = json.loads(result.out)
    assert document["exitCode"] == 2
    assert document["error"] == "the fleet spec has 1 problem"
    assert document["object"] == PDB
    [cluster] = document["clusters"]
    assert cluster["file"] == _pdb_file("eks-apne1")
    assert cluster["feasibility"][0] == {
        "check": "api-versions",
        "result": "failed",
        "reasons": [REMOVED],
    }
    error = next(p for p in document["problems"] if p["severity"] == "error")
    assert (error["file"], error["line"], error["column"]) == ("fleet/shop.yaml", 22, 1)
    assert error["message"].startswith("cluster 'eks-apne1': PodDisruptionBudget/shop/web ")
    assert error["hint"].startswith("use policy/v1, served since 1.21")
    assert [p["severity"] for p in document["problems"]] == ["warning", "error"]


def test_github_annotations_report_the_error(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = shop_fleet(tmp_path)
    result = run_cli("explain", PDB, "--cluster", "eks-apne1", "--format", "github", cwd=fleet)
    assert result.code == 2
    assert f"    api-versions: failed: {REMOVED}" in result.out.splitlines()
    assert "::error file=fleet/shop.yaml,line=22,col=1,title=kfedgen::cluster 'eks-apne1'" in (
        result.err
    )
    assert "nothing was written" not in result.err


@pytest.mark.parametrize("command", [("render",), ("render", "--check"), ("plan",), ("validate",)])
def test_the_other_commands_fail_as_before(
    tmp_path: Path, run_cli: RunCli, command: tuple[str, ...]
) -> None:
    fleet = shop_fleet(tmp_path)
    result = run_cli(*command, cwd=fleet)
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.splitlines()[1:] == [
        ERROR,
        "kfedgen: the fleet spec has 1 problem; nothing was written",
    ]
    assert snapshot(tmp_path / "rendered") == {}


def test_diff_fails_on_the_head_as_before(tmp_path: Path, run_cli: RunCli) -> None:
    repo = FleetRepo.create(tmp_path / "repo")
    shop_fleet(repo.path, pdb_version="v1")
    assert run_cli("render", cwd=repo.path).code == 0
    repo.commit("served")
    before = snapshot(repo.path / "rendered")
    types = repo.path / "fleet" / "types.yaml"
    types.write_text(types.read_text().replace(PDB_V1BETA1.replace("v1beta1", "v1"), PDB_V1BETA1))
    result = run_cli("diff", "--base", "HEAD", cwd=repo.path)
    assert result.code == 2
    assert result.out == ""
    assert ERROR in result.err.splitlines()
    assert snapshot(repo.path / "rendered") == before


def test_strict_findings_are_explained_too(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = shop_fleet(tmp_path, pdb_version="v1")
    args = ("explain", "Deployment/shop/web", "--cluster", "eks-euw1")
    assert run_cli(*args, cwd=fleet).code == 0
    result = run_cli(*args, "--strict", cwd=fleet)
    assert result.code == 2
    assert checks(result.out)[:2] == [
        "    api-versions: passed",
        f"    references: failed: {NOT_PROVIDED}",
    ]
    assert result.err.splitlines()[-1] == (
        "kfedgen: the fleet spec has 1 problem; nothing was written"
    )
    assert run_cli("render", "--strict", cwd=fleet).code == 2
    assert snapshot(tmp_path / "rendered") == {}


LOOSE = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose, namespace: shop}\n"


def test_an_error_of_an_earlier_stage_still_stops_explain(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = shop_fleet(tmp_path)
    shop = fleet / "fleet" / "shop.yaml"
    shop.write_text(shop.read_text() + LOOSE)  # a plain object nothing federates: a warning
    result = run_cli("explain", PDB, "--cluster", "eks-apne1", "--strict", cwd=fleet)
    assert result.code == 2
    assert result.out == ""
    assert "fleet/shop.yaml:33:1: ConfigMap shop/loose is a plain object" in result.err
    assert result.err.splitlines()[-1] == (
        "kfedgen: the fleet spec has 3 problems; nothing was written"
    )
    # Without --strict it is a warning, and the removed API alone is explained again.
    assert run_cli("explain", PDB, "--cluster", "eks-apne1", cwd=fleet).out.count("failed") == 1


INGRESS_TYPE = """\
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata: {name: ingresses.extensions}
spec:
  federatedType: {group: types.kubefed.io, version: v1beta1, kind: FederatedIngress,
                  pluralName: federatedingresses, scope: Namespaced}
  targetType: {group: extensions, version: v1beta1, kind: Ingress, pluralName: ingresses,
               scope: Namespaced}
  propagation: Enabled
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec: {placement: {clusterSelector: {}}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedIngress
metadata: {name: web, namespace: shop}
spec:
  placement: {clusterSelector: {}}
  template: {spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}}
"""


def test_an_ingress_kubefed_still_sends_as_extensions_v1beta1(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    clusters = ('{name: old, kubernetesVersion: "1.21"}', '{name: new, kubernetesVersion: "1.22"}')
    (fleet / "fleet.yaml").write_text(inventory(*clusters))
    (fleet / "ingress.yaml").write_text(INGRESS_TYPE)
    old = run_cli("explain", "Ingress/shop/web", "--cluster", "old", cwd=tmp_path)
    assert old.code == 2
    assert checks(old.out)[0] == "    api-versions: passed"
    new = run_cli("explain", "FederatedIngress/shop/web", "--cluster", "new", cwd=tmp_path)
    assert new.code == 2
    assert checks(new.out)[0] == (
        "    api-versions: failed: apiVersion: extensions/v1beta1 Ingress was removed in "
        "Kubernetes 1.22 and the cluster runs 1.22 (use networking.k8s.io/v1, served since "
        f"1.19; see {GUIDE})"
    )
    assert "cluster 'new': Ingress/shop/web (from FederatedIngress/shop/web)" in new.err
    assert "cluster 'old'" not in new.err
