"""Suspended dispatching keeps a cluster's previous file byte for byte (``render`` on disk).

Karmada's execution controller stops updating a suspended Work's objects and leaves them
in place; the previous rendered tree is that cluster's state.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.conftest import RunCli
from tests.fleets import compile_fleet, inventory, to_yaml, warnings_of
from tests.karmada._documents import CLUSTERS, deployment, policy

DEPLOYMENT = Path("app") / "deployment.apps_web.yaml"


def write_fleet(directory: Path, replicas: int, **spec: Any) -> None:
    fleet = directory / "fleet"
    fleet.mkdir(exist_ok=True)
    (fleet / "fleet.yaml").write_text(inventory(*CLUSTERS))
    placement = {"clusterAffinity": {"clusterNames": spec.pop("clusters", ["eu", "us"])}}
    documents = [deployment(replicas=replicas), policy(placement=placement, **spec)]
    (fleet / "app.yaml").write_text(to_yaml(*documents))


def file_of(directory: Path, cluster: str) -> Path:
    return directory / "rendered" / cluster / DEPLOYMENT


def test_a_suspended_cluster_keeps_its_previous_file(run_cli: RunCli, tmp_path: Path) -> None:
    write_fleet(tmp_path, 2)
    assert run_cli("render", cwd=tmp_path).code == 0
    before = file_of(tmp_path, "us").read_bytes()
    # Scale up, suspend us, and add ap, which had nothing.
    suspension = {"dispatchingOnClusters": {"clusterNames": ["us", "ap"]}}
    write_fleet(tmp_path, 5, clusters=["eu", "us", "ap"], suspension=suspension)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "replicas: 5\n" in file_of(tmp_path, "eu").read_text()
    assert file_of(tmp_path, "us").read_bytes() == before
    assert not file_of(tmp_path, "ap").exists()
    assert (
        "app/deployment.apps_web.yaml" in (tmp_path / "rendered/us/kustomization.yaml").read_text()
    )
    warnings = [line for line in result.err.splitlines() if "suspends dispatching" in line]
    assert warnings == [
        "fleet/app.yaml:37:3: spec.suspension: warning: Deployment/app/web: PropagationPolicy "
        "app/spread suspends dispatching to ap, us; its previous file is kept as it was in us; "
        "nothing was rendered before in ap, so nothing is (Karmada stops updating the object "
        "there, it does not delete it) (remove the suspension to render the object there again)"
    ]
    # The kept file is what the tree holds: the tree is current, and stays so.
    assert run_cli("render", "--check", cwd=tmp_path).code == 0
    explain = run_cli("explain", "Deployment/app/web", "--cluster", "us", cwd=tmp_path)
    assert explain.out.splitlines()[-1] == (
        "  suspended: rendered/us/app/deployment.apps_web.yaml is kept as it was, byte for byte"
    )
    # Lifting the suspension renders the object there again.
    write_fleet(tmp_path, 5, clusters=["eu", "us", "ap"])
    assert run_cli("render", cwd=tmp_path).code == 0
    assert "replicas: 5\n" in file_of(tmp_path, "us").read_text()
    assert file_of(tmp_path, "ap").is_file()


def test_a_file_kfedgen_did_not_write_is_not_kept(run_cli: RunCli, tmp_path: Path) -> None:
    write_fleet(tmp_path, 2, clusters=["eu"])
    assert run_cli("render", cwd=tmp_path).code == 0
    foreign = file_of(tmp_path, "us")
    foreign.parent.mkdir(parents=True)
    foreign.write_text("a file of someone else's\n")
    write_fleet(tmp_path, 2, clusters=["eu", "us"], suspension={"dispatching": True})
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    # Only what kfedgen wrote is a cluster's previous state: eu's file is kept, the foreign
    # file is left alone (and not listed in us's kustomization).
    assert (
        "its previous file is kept as it was in eu; nothing was rendered before in us" in result.err
    )
    assert foreign.read_text() == "a file of someone else's\n"
    assert "deployment" not in (tmp_path / "rendered/us/kustomization.yaml").read_text()


CASE = Path(__file__).parent / "cases" / "suspension"
README = (Path(__file__).parents[2] / "README.md").read_text()


def test_the_readme_shows_a_real_suspension(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(CASE / "fleet", tmp_path / "fleet")
    assert run_cli("render", cwd=tmp_path).code == 0
    before = file_of_api(tmp_path, "west").read_bytes()
    web = tmp_path / "fleet" / "web.yaml"
    snippet = README.split("**Suspension.**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    changed = web.read_text().replace("replicas: 2", "replicas: 4").replace("api:1.0", "api:1.1")
    web.write_text(changed + snippet)
    render = run_cli("render", cwd=tmp_path)
    explain = run_cli("explain", "Deployment/web/api", "--cluster", "west", cwd=tmp_path)
    assert file_of_api(tmp_path, "west").read_bytes() == before
    assert "replicas: 4\n" in file_of_api(tmp_path, "east").read_text()
    shown = f"$ kfedgen render\n{render.err}$ kfedgen explain Deployment/web/api --cluster west\n"
    assert shown + explain.out in README


def file_of_api(directory: Path, cluster: str) -> Path:
    return directory / "rendered" / cluster / "web" / "deployment.apps_api.yaml"


def test_without_an_output_tree_nothing_is_kept_and_the_warning_says_why() -> None:
    suspension = {"dispatchingOnClusters": {"clusterNames": ["us"]}}
    placement = {"clusterAffinity": {"clusterNames": ["eu", "us"]}}
    compilation = compile_fleet(
        inventory(*CLUSTERS), [deployment(), policy(placement=placement, suspension=suspension)]
    )
    assert sorted(o.cluster for o in compilation.objects if o.kind == "Deployment") == ["eu"]
    assert [w for w in warnings_of(compilation) if "suspends" in w] == [
        "fleet/app.yaml:36:3: spec.suspension: warning: Deployment/app/web: PropagationPolicy "
        "app/spread suspends dispatching to us; no output tree was read, so nothing is rendered "
        "in us (Karmada stops updating the object there, it does not delete it) (remove the "
        "suspension to render the object there again)"
    ]
