"""`plan` and `explain` show Karmada-propagated objects like KubeFed ones."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kfedgen.commands.explain import explain, explain_lines, find_resolution
from kfedgen.errors import KfedgenError
from kfedgen.views.plan import build_plan
from tests.conftest import (
    GOLDEN,
    RunCli,
)
from tests.fleets import (
    compile_fleet,
)
from tests.karmada._documents import (
    KARMADA_INVENTORY,
    configmap,
    deployment,
    override,
    policy,
    selector,
    static_weights,
)

DIVIDED = {"replicaScheduling": static_weights(eu=2, us=1)}


def rows(
    *docs: Mapping[str, Any], overlays: list[dict[str, Any]] | None = None
) -> list[tuple[object, ...]]:
    compilation = compile_fleet(KARMADA_INVENTORY, list(docs), overlays=overlays or [])
    return [
        (
            r.object,
            r.cluster,
            r.replicas,
            r.source,
            r.planned,
            r.preference.text if r.preference else None,
        )
        for r in build_plan(compilation)
    ]


def test_divided_workloads_show_their_weights_and_replicas() -> None:
    assert rows(
        deployment(replicas=7),
        configmap(),
        policy(selectors=[selector(), selector("ConfigMap")], placement=DIVIDED),
    ) == [
        ("Deployment/app/web", "eu", 5, "scheduler", 5, "eu: static weight 2"),
        ("Deployment/app/web", "us", 2, "scheduler", 2, "us: static weight 1"),
    ]


def test_duplicated_replicas_come_from_the_template_or_an_override() -> None:
    overlays = [
        override(
            "eu-more",
            [
                {
                    "targetCluster": {"clusterNames": ["eu"]},
                    "overriders": {
                        "plaintext": [{"path": "/spec/replicas", "operator": "replace", "value": 9}]
                    },
                }
            ],
            selectors=[selector()],
        )
    ]
    docs = (
        deployment(replicas=3),
        policy(placement={"clusterAffinity": {"clusterNames": ["eu", "us"]}}),
    )
    assert rows(*docs, overlays=overlays) == [
        ("Deployment/app/web", "eu", 9, "override", 3, "eu: duplicated"),
        ("Deployment/app/web", "us", 3, "template", 3, "us: duplicated"),
    ]
    compilation = compile_fleet(KARMADA_INVENTORY, list(docs), overlays=overlays)
    resolution = find_resolution(compilation.resolutions, "Deployment/app/web")
    said = [
        line
        for line in explain_lines(explain(compilation, resolution, None, "rendered"))
        if line.startswith("  replicas:")
    ]
    by_rule = "ClusterOverridePolicy eu-more overrideRules[0] (overlays/policies.yaml:10:5)"
    assert said[0] == f"  replicas: 9 from {by_rule}"
    assert said[1] == "  replicas: 3 from the resource template (fleet/app.yaml:20:3)"


def test_jobs_show_parallelism_pods_one_replica_and_unscheduled_workloads_no_cluster() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "batch", "namespace": "app"},
        "spec": {"parallelism": 3, "template": {"spec": {"containers": []}}},
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "one", "namespace": "app"},
        "spec": {"containers": []},
    }
    got = rows(
        job,
        pod,
        deployment(),
        policy("jobs", selectors=[selector("Job"), selector("Pod")], placement=DIVIDED),
        policy(
            "nowhere",
            selectors=[selector()],
            placement={"clusterAffinity": {"clusterNames": ["lab"]}},
        ),
    )
    assert got == [
        ("Deployment/app/web", None, None, "unplaced", None, None),
        ("Job/app/batch", "eu", 2, "scheduler", 2, "eu: static weight 2"),
        ("Job/app/batch", "us", 1, "scheduler", 1, "us: static weight 1"),
        ("Pod/app/one", "eu", 1, "scheduler", 1, "eu: static weight 2"),
    ]


def golden(tmp_path: Path) -> Path:
    for part in ("fleet", "overlays"):
        shutil.copytree(GOLDEN / "karmada-hello" / part, tmp_path / part)
    return tmp_path


def test_plan_json_carries_the_weight(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", "--format", "json", cwd=golden(tmp_path))
    assert result.code == 0, result.err
    first = json.loads(result.out)["rows"][0]
    assert (
        first["object"],
        first["cluster"],
        first["replicas"],
        first["preference"]["weight"],
    ) == (
        "Deployment/hello/hello",
        "ap",
        1,
        1,
    )
    assert first["scheduler"].startswith("PropagationPolicy hello/hello: Divided by static weights")


def test_explain_a_propagated_object(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("explain", "deployment/hello/hello", "--cluster", "ap", cwd=golden(tmp_path))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "Deployment/hello/hello (fleet/hello.yaml:7:1)",
        "replicas scheduled by PropagationPolicy hello/hello: Divided by static weights "
        "(Webster method, ties by cluster name)",
        "ap: placed -> rendered/ap/hello/deployment.apps_hello.yaml",
        "  selected by PropagationPolicy hello/hello (priority 0, name match)",
        "  clusterAffinity selects it (clusterNames [eu, ap, us])",
        "  static weight 1 → 1 replica (spec.replicas = 1)",
        "  OverridePolicy hello/ap-registry overrideRules[0] (targetCluster fieldSelector region "
        "In (ap-northeast-1)): imageOverrider",
        "  replicas: 1 from the scheduler: PropagationPolicy hello/hello (fleet/hello.yaml:47:3)",
    ]


def test_explain_a_synced_namespace_and_suggest_propagated_names(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = golden(tmp_path)
    namespace = run_cli("explain", "Namespace/hello", "--cluster", "us", cwd=directory)
    assert namespace.out.splitlines()[1:] == [
        "us: placed -> rendered/us/_cluster/namespace_hello.yaml",
        "  Karmada's namespace sync propagates every namespace to every cluster",
    ]
    typo = run_cli("explain", "Service/hello/helo", cwd=directory)
    assert typo.code == 2
    assert "(did you mean 'Service/hello/hello'?)" in typo.err


# -- one result type: KubeFed and Karmada objects side by side ------------------------------------


def _mixed_fleet() -> Any:
    """A FederatedDeployment app/web in us and a plain Deployment app/web Karmada sends to eu."""
    federated = [
        {
            "apiVersion": "types.kubefed.io/v1beta1",
            "kind": "FederatedNamespace",
            "metadata": {"name": "app", "namespace": "app"},
            "spec": {"placement": {"clusters": [{"name": "eu"}, {"name": "us"}]}},
        },
        {
            "apiVersion": "types.kubefed.io/v1beta1",
            "kind": "FederatedDeployment",
            "metadata": {"name": "web", "namespace": "app"},
            "spec": {
                "template": {"spec": {"replicas": 2}},
                "placement": {"clusters": [{"name": "us"}]},
            },
        },
    ]
    return compile_fleet(
        KARMADA_INVENTORY,
        [
            *federated,
            deployment(replicas=3),
            policy(placement={"clusterAffinity": {"clusterNames": ["eu"]}}),
        ],
    )


def test_one_list_of_resolutions_holds_both_front_ends_kubefed_first() -> None:
    compilation = _mixed_fleet()
    assert [(r.ref, r.clusters) for r in compilation.resolutions] == [
        ("FederatedNamespace/app/app", ["eu", "us"]),
        ("FederatedDeployment/app/web", ["us"]),
        ("Deployment/app/web", ["eu"]),
    ]
    assert [r.propagation is not None for r in compilation.resolutions] == [False, False, True]
    karmada = compilation.resolution("Deployment/app/web")
    assert karmada is not None and karmada.clusters == ["eu"]
    kubefed = compilation.resolution("FederatedDeployment/app/web")
    assert kubefed is not None and kubefed.clusters == ["us"]
    assert compilation.resolution("Deployment/app/nothing") is None


def test_plan_rows_of_both_front_ends_come_from_the_one_list() -> None:
    assert [
        (r.object, r.kind, r.cluster, r.replicas, r.source) for r in build_plan(_mixed_fleet())
    ] == [
        ("Deployment/app/web", "Deployment", "eu", 3, "template"),
        ("FederatedDeployment/app/web", "Deployment", "us", 2, "template"),
    ]


def test_explain_finds_an_object_by_its_own_kind_before_a_target_kind() -> None:
    resolutions = _mixed_fleet().resolutions
    # The plain Deployment is named by its own kind; the FederatedDeployment only by the
    # kind it produces: the own kind wins, in any case.
    assert find_resolution(resolutions, "Deployment/app/web").ref == "Deployment/app/web"
    assert find_resolution(resolutions, "deployment/app/web").ref == "Deployment/app/web"
    assert (
        find_resolution(resolutions, "federateddeployment/app/web").ref
        == "FederatedDeployment/app/web"
    )
    assert find_resolution(resolutions, "namespace/app/app").ref == "FederatedNamespace/app/app"
    with pytest.raises(KfedgenError) as caught:
        find_resolution(resolutions, "Deployment/app/wbe")
    assert str(caught.value) == (
        "no federated object 'Deployment/app/wbe' (did you mean 'Deployment/app/web'?)"
    )
    with pytest.raises(KfedgenError) as caught:
        find_resolution(resolutions, "Deployment/app/web/x")
    assert str(caught.value) == (
        "'Deployment/app/web/x' is not KIND/NAMESPACE/NAME (or KIND/NAME for a cluster-scoped "
        "object)"
    )


# -- propagateDeps (the golden case karmada-deps) ------------------------------------------------


def deps_fleet(tmp_path: Path) -> Path:
    for part in ("fleet", "overlays"):
        shutil.copytree(GOLDEN / "karmada-deps" / part, tmp_path / part)
    return tmp_path


def test_plan_marks_dependencies_and_preserved_objects(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", cwd=deps_fleet(tmp_path))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["OBJECT", "CLUSTER", "REPLICAS", "SOURCE", "PREFERENCE", "NOTES"]
    settings = [line.split(None, 4) for line in lines if line.startswith("ConfigMap/shop/settings")]
    assert settings == [
        [
            "ConfigMap/shop/settings",
            "ap",
            "-",
            "dependency",
            "required by Deployment/shop/worker, preserved on deletion",
        ],
        [
            "ConfigMap/shop/settings",
            "eu",
            "-",
            "dependency",
            "required by Deployment/shop/web, preserved on deletion",
        ],
        [
            "ConfigMap/shop/settings",
            "us",
            "-",
            "dependency",
            "required by Deployment/shop/web, Deployment/shop/worker, preserved on deletion",
        ],
    ]
    # shared-ca's own policy places it in ap; the workloads pull it into eu and us.
    shared = [line.split(None, 4) for line in lines if line.startswith("ConfigMap/shop/shared-ca")]
    assert shared == [
        [
            "ConfigMap/shop/shared-ca",
            "ap",
            "-",
            "dependency",
            "placed by PropagationPolicy shop/shared-ca",
        ],
        ["ConfigMap/shop/shared-ca", "eu", "-", "dependency", "required by Deployment/shop/web"],
        ["ConfigMap/shop/shared-ca", "us", "-", "dependency", "required by Deployment/shop/web"],
    ]
    assert next(line for line in lines if line.startswith("Deployment/shop/worker")).endswith(
        "preserved on deletion"
    )


def test_plan_json_lists_what_requires_a_dependency(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("plan", "--format", "json", cwd=deps_fleet(tmp_path))
    rows = {(r["object"], r["cluster"]): r for r in json.loads(result.out)["rows"]}
    row = rows[("ConfigMap/shop/settings", "us")]
    assert (row["replicas"], row["source"], row["preserved"]) == (None, "dependency", True)
    assert row["requiredBy"] == ["Deployment/shop/web", "Deployment/shop/worker"]
    web = rows[("Deployment/shop/web", "eu")]
    assert (web["requiredBy"], web["placedBy"], web["preserved"]) == ([], None, False)
    own = rows[("ConfigMap/shop/shared-ca", "ap")]
    assert (own["source"], own["requiredBy"], own["placedBy"]) == (
        "dependency",
        [],
        "PropagationPolicy shop/shared-ca",
    )


def test_explain_says_which_workloads_pulled_a_dependency_where(
    run_cli: RunCli, tmp_path: Path
) -> None:
    directory = deps_fleet(tmp_path)
    result = run_cli("explain", "ConfigMap/shop/shared-ca", cwd=directory)
    assert result.code == 0, result.err
    assert result.out == (
        "ConfigMap/shop/shared-ca (fleet/shop.yaml:77:1)\n"
        "dependency (propagateDeps) of Deployment/shop/web\n"
        "ap: placed -> rendered/ap/shop/configmap_shared-ca.yaml\n"
        "  selected by PropagationPolicy shop/shared-ca (priority 0, name match)\n"
        "  clusterAffinity selects it (clusterNames [ap])\n"
        "  not a workload: it goes to every selected cluster\n"
        "eu: placed -> rendered/eu/shop/configmap_shared-ca.yaml\n"
        "  selected by PropagationPolicy shop/shared-ca (priority 0, name match)\n"
        "  clusterAffinity does not select it: it is not in clusterNames\n"
        "  required by Deployment/shop/web (propagateDeps), which is scheduled here\n"
        "us: placed -> rendered/us/shop/configmap_shared-ca.yaml\n"
        "  selected by PropagationPolicy shop/shared-ca (priority 0, name match)\n"
        "  clusterAffinity does not select it: it is not in clusterNames\n"
        "  required by Deployment/shop/web (propagateDeps), which is scheduled here\n"
    )
    settings = run_cli("explain", "ConfigMap/shop/settings", "--cluster", "ap", cwd=directory)
    assert settings.out == (
        "ConfigMap/shop/settings (fleet/shop.yaml:71:1)\n"
        "dependency (propagateDeps) of Deployment/shop/worker\n"
        "preserved on deletion (a workload requiring it whose policy sets "
        "preserveResourcesOnDeletion): rendered with the GitOps engines' no-prune annotations\n"
        "ap: placed -> rendered/ap/shop/configmap_settings.yaml\n"
        "  required by Deployment/shop/worker (propagateDeps), which is scheduled here\n"
        "  OverridePolicy shop/settings-region overrideRules[0] (targetCluster clusterNames [ap]): "
        "plaintext\n"
    )
    document = json.loads(
        run_cli("explain", "ConfigMap/shop/settings", "--format", "json", cwd=directory).out
    )
    assert document["requiredBy"] == {
        "ap": ["Deployment/shop/worker"],
        "eu": ["Deployment/shop/web"],
        "us": ["Deployment/shop/web", "Deployment/shop/worker"],
    }
    assert document["preservedBy"].startswith("a workload requiring it")


def test_explain_names_what_a_workload_takes_along_and_who_preserves_it(
    run_cli: RunCli, tmp_path: Path
) -> None:
    args = ("explain", "Deployment/shop/worker", "--cluster", "us")
    result = run_cli(*args, cwd=deps_fleet(tmp_path))
    # worker-flags is not in the fleet: a warning says so, and nothing takes it along.
    assert result.out.splitlines()[2:4] == [
        "takes along (propagateDeps): ConfigMap/shop/settings",
        "preserved on deletion (preserveResourcesOnDeletion of PropagationPolicy shop/worker): "
        "rendered with the GitOps engines' no-prune annotations",
    ]


def test_render_warns_about_the_dependency_the_fleet_lacks(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("render", cwd=deps_fleet(tmp_path))
    assert result.code == 0
    assert (
        "fleet/shop.yaml:42:45: spec.template.spec.containers[0].env[0].valueFrom."
        "configMapKeyRef.name: warning: Deployment/shop/worker needs ConfigMap shop/worker-flags "
        "in ap, us (propagateDeps of PropagationPolicy shop/worker), but the fleet does not "
        "define it; its pods would fail there with CreateContainerConfigError"
    ) in result.err
    assert not (tmp_path / "rendered" / "ap" / "shop" / "configmap_batch-env.yaml").exists()
