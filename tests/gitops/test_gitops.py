"""The Argo CD / Flux wiring: what is generated, when, and how bad gitops settings are reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kfedgen.errors import InvalidInput
from kfedgen.pipeline import Compilation, Options
from tests.conftest import RunCli, snapshot
from tests.fleets import compile_fleet, fleet_errors, warnings_of

FLEET = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
metadata:
  name: demo
spec:
  clusters:
    - name: alpha
      server: https://alpha.example.com
    - name: beta
      destinationName: beta-in-argocd
    - name: gamma
      server: https://gamma.example.com
  gitops:
    repoURL: https://git.example.com/demo.git
    targetRevision: main
    argocd:
      enabled: true
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [PruneLast=true, ServerSideApply=true]
    flux:
      enabled: true
      localCluster: alpha
"""

NAMESPACE = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: demo, namespace: demo}
spec:
  placement:
    clusterSelector: {}
"""


def compile_gitops(fleet: str, repo_path: str = "rendered") -> Compilation:
    """``fleet`` as ``fleet/fleet.yaml`` (the Fleet with its gitops settings) and NAMESPACE."""
    return compile_fleet(
        None, options=Options(output_repo_path=repo_path), files={"fleet": fleet, "ns": NAMESPACE}
    )


def objects(compilation: Compilation, directory: str) -> dict[str, Any]:
    """The parsed files of one gitops directory, by file name."""
    prefix = f"{directory}/"
    return {
        path.removeprefix(prefix): yaml.safe_load(content)
        for path, content in compilation.tree.files.items()
        if path.startswith(prefix)
    }


# --- what is generated ----------------------------------------------------------


def test_argocd_app_of_apps() -> None:
    argocd = objects(compile_gitops(FLEET, "deploy/out"), "_argocd")
    assert sorted(argocd) == [
        "alpha.yaml",
        "beta.yaml",
        "gamma.yaml",
        "kustomization.yaml",
        "root.yaml",
    ]
    alpha, beta, root = argocd["alpha.yaml"], argocd["beta.yaml"], argocd["root.yaml"]
    assert alpha["metadata"] == {
        "name": "alpha",
        "namespace": "argocd",
        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
    }
    assert alpha["spec"]["source"] == {
        "repoURL": "https://git.example.com/demo.git",
        "targetRevision": "main",
        "path": "deploy/out/alpha",
    }
    assert alpha["spec"]["destination"] == {"server": "https://alpha.example.com"}
    assert beta["spec"]["destination"] == {"name": "beta-in-argocd"}
    assert alpha["spec"]["project"] == "default"
    assert alpha["spec"]["syncPolicy"] == {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": ["PruneLast=true", "ServerSideApply=true"],
    }
    # The root syncs _argocd itself (it manages itself) in the cluster Argo CD runs in,
    # and deleting it must not cascade into every cluster.
    assert root["spec"]["source"]["path"] == "deploy/out/_argocd"
    assert root["spec"]["destination"] == {
        "server": "https://kubernetes.default.svc",
        "namespace": "argocd",
    }
    assert "finalizers" not in root["metadata"]
    assert argocd["kustomization.yaml"]["resources"] == [
        "alpha.yaml",
        "beta.yaml",
        "gamma.yaml",
        "root.yaml",
    ]


def test_argocd_without_sync_policy_is_manual_and_settings_apply() -> None:
    fleet = FLEET.replace(
        """      enabled: true
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [PruneLast=true, ServerSideApply=true]
""",
        """      enabled: true
      namespace: cd
      project: demo
      rootProject: platform
      namePrefix: demo-
      appProject: true
""",
    )
    argocd = objects(compile_gitops(fleet), "_argocd")
    assert "syncPolicy" not in argocd["alpha.yaml"]["spec"]
    assert argocd["alpha.yaml"]["metadata"]["name"] == "demo-alpha"
    assert argocd["alpha.yaml"]["metadata"]["namespace"] == "cd"
    assert argocd["alpha.yaml"]["spec"]["project"] == "demo"
    assert argocd["root.yaml"]["metadata"]["name"] == "demo-root"
    assert argocd["root.yaml"]["spec"]["project"] == "platform"
    project = argocd["appproject.yaml"]
    assert project["metadata"] == {"name": "demo", "namespace": "cd"}
    assert project["spec"]["sourceRepos"] == ["https://git.example.com/demo.git"]
    assert project["spec"]["destinations"] == [
        {"server": "https://alpha.example.com", "namespace": "*"},
        {"name": "beta-in-argocd", "namespace": "*"},
        {"server": "https://gamma.example.com", "namespace": "*"},
    ]
    assert project["spec"]["clusterResourceWhitelist"] == [{"group": "*", "kind": "*"}]
    assert argocd["kustomization.yaml"]["resources"][0] == "appproject.yaml"


def test_flux_objects() -> None:
    flux = objects(compile_gitops(FLEET), "_flux")
    assert sorted(flux) == [
        "alpha.yaml",
        "beta.yaml",
        "gamma.yaml",
        "gitrepository.yaml",
        "kustomization.yaml",
        "root.yaml",
    ]
    source = flux["gitrepository.yaml"]
    assert source["metadata"] == {"name": "fleet", "namespace": "flux-system"}
    assert source["spec"] == {
        "url": "https://git.example.com/demo.git",
        "interval": "1m",
        "ref": {"branch": "main"},
    }
    alpha, beta = flux["alpha.yaml"], flux["beta.yaml"]
    assert alpha["spec"] == {
        "interval": "10m",
        "path": "./rendered/alpha",
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": "fleet"},
    }
    # Flux runs in alpha; every other cluster is reached through its kubeconfig.
    assert beta["spec"]["kubeConfig"] == {"secretRef": {"name": "beta-kubeconfig"}}
    assert flux["gamma.yaml"]["spec"]["kubeConfig"] == {"secretRef": {"name": "gamma-kubeconfig"}}
    assert flux["root.yaml"]["spec"]["path"] == "./rendered/_flux"
    assert "kubeConfig" not in flux["root.yaml"]["spec"]
    assert flux["kustomization.yaml"]["resources"][0] == "gitrepository.yaml"


@pytest.mark.parametrize(
    ("revision", "flux_ref", "expected"),
    [
        ("main", None, {"branch": "main"}),
        (
            "0123456789abcdef0123456789abcdef01234567",
            None,
            {"commit": "0123456789abcdef0123456789abcdef01234567"},
        ),
        ("HEAD", "{tag: v1.2.0}", {"tag": "v1.2.0"}),
        ("main", "{semver: '>=1.0.0'}", {"semver": ">=1.0.0"}),
    ],
)
def test_flux_ref(revision: str, flux_ref: str | None, expected: dict[str, str]) -> None:
    fleet = FLEET.replace("targetRevision: main", f"targetRevision: {revision!r}")
    if flux_ref is not None:
        fleet = fleet.replace(
            "      localCluster: alpha\n", f"      localCluster: alpha\n      ref: {flux_ref}\n"
        )
    assert objects(compile_gitops(fleet), "_flux")["gitrepository.yaml"]["spec"]["ref"] == expected


def test_argocd_defaults_to_head_without_target_revision() -> None:
    fleet = FLEET.replace("    targetRevision: main\n", "").replace(
        "      enabled: true\n      localCluster", "      enabled: false\n      localCluster"
    )
    argocd = objects(compile_gitops(fleet), "_argocd")
    assert argocd["alpha.yaml"]["spec"]["source"]["targetRevision"] == "HEAD"


def test_output_at_repository_root() -> None:
    compilation = compile_gitops(FLEET, ".")
    assert objects(compilation, "_argocd")["alpha.yaml"]["spec"]["source"]["path"] == "alpha"
    assert objects(compilation, "_flux")["alpha.yaml"]["spec"]["path"] == "./alpha"


def test_disabled_engines_write_nothing() -> None:
    fleet = FLEET.replace("enabled: true", "enabled: false")
    paths = compile_gitops(fleet).tree.paths()
    assert not [p for p in paths if p.startswith(("_argocd/", "_flux/"))]
    no_gitops = FLEET.split("  gitops:\n", maxsplit=1)[0]
    assert not [p for p in compile_gitops(no_gitops).tree.paths() if p.startswith("_")]


# --- re-rendering: pruning ---------------------------------------------------------


def test_removed_cluster_and_disabled_engine_are_pruned(run_cli: RunCli, tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "fleet.yaml").write_text(FLEET)
    (fleet / "ns.yaml").write_text(NAMESPACE)
    first = run_cli("render", cwd=tmp_path)
    assert first.code == 0, first.err
    rendered = tmp_path / "rendered"
    for directory in ("_argocd", "_flux"):
        assert (rendered / directory / "gamma.yaml").is_file()
    (rendered / "_argocd" / "NOTES.md").write_text("mine\n")  # a foreign file survives

    # gamma leaves the inventory, Flux is switched off.
    (fleet / "fleet.yaml").write_text(
        FLEET.replace("    - name: gamma\n      server: https://gamma.example.com\n", "").replace(
            "    flux:\n      enabled: true\n", "    flux:\n      enabled: false\n"
        )
    )
    second = run_cli("render", cwd=tmp_path)
    assert second.code == 0, second.err
    files = snapshot(rendered)
    assert not (rendered / "_argocd" / "gamma.yaml").exists()
    assert not (rendered / "gamma").exists()
    assert not [p for p in files if p.startswith("_flux/")]
    assert sorted(p for p in files if p.startswith("_argocd/")) == [
        "_argocd/NOTES.md",
        "_argocd/alpha.yaml",
        "_argocd/beta.yaml",
        "_argocd/kustomization.yaml",
        "_argocd/root.yaml",
    ]
    assert b"gamma" not in files["_argocd/kustomization.yaml"]
    check = run_cli("render", "--check", cwd=tmp_path)
    assert check.code == 0, check.out + check.err


def test_rendered_example_fleet_has_argocd_wiring() -> None:
    """The committed example output carries the app-of-apps (the fleet enables Argo CD)."""
    root = Path(__file__).resolve().parents[2] / "rendered" / "_argocd"
    assert sorted(p.name for p in root.iterdir()) == [
        "cluster0.yaml",
        "cluster1.yaml",
        "cluster2.yaml",
        "cluster3.yaml",
        "kustomization.yaml",
        "root.yaml",
    ]
    assert not (root.parent / "_flux").exists()


# --- bad gitops settings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "    repoURL: https://git.example.com/demo.git\n",
            "",
            [
                f"fleet/fleet.yaml:{line}:7: spec.gitops.repoURL: gitops.repoURL is required when "
                f"{engine} is enabled (set it to the URL of the git repository that holds the "
                "rendered output)"
                for line, engine in ((16, "argocd"), (21, "flux"))
            ],
            id="repoURL-missing",
        ),
        pytest.param(
            "      destinationName: beta-in-argocd\n",
            "",
            [
                "fleet/fleet.yaml:9:7: spec.clusters[1]: cluster 'beta' has neither server nor "
                "destinationName, so its Argo CD Application has no destination (add server: "
                "<API server URL> or destinationName: <Argo CD cluster name>)"
            ],
            id="no-destination",
        ),
        pytest.param(
            "localCluster: alpha",
            "localCluster: alpah",
            [
                "fleet/fleet.yaml:23:7: spec.gitops.flux.localCluster: cluster 'alpah' is not in "
                "the inventory (did you mean 'alpha'?)"
            ],
            id="localCluster-unknown",
        ),
        pytest.param(
            "name: gamma",
            "name: root",
            [
                "fleet/fleet.yaml:11:7: spec.clusters[2]: cluster name 'root' is reserved while "
                "argocd is enabled: it would collide with _argocd/root.yaml (rename the cluster)",
                "fleet/fleet.yaml:11:7: spec.clusters[2]: cluster name 'root' is reserved while "
                "flux is enabled: it would collide with _flux/root.yaml (rename the cluster)",
            ],
            id="reserved-name",
        ),
        pytest.param(
            "      enabled: true\n      syncPolicy:",
            "      enabled: true\n      appProject: true\n      syncPolicy:",
            [
                "fleet/fleet.yaml:18:7: spec.gitops.argocd.appProject: appProject would overwrite "
                "Argo CD's built-in 'default' project (set argocd.project to a project name of "
                "your own)"
            ],
            id="appProject-default",
        ),
        pytest.param(
            "      enabled: true\n      syncPolicy:",
            "      enabled: true\n      appProject: true\n      project: demo\n"
            "      rootProject: demo\n      syncPolicy:",
            [
                "fleet/fleet.yaml:18:7: spec.gitops.argocd.appProject: the root Application "
                "cannot be in project 'demo': the project is created by the root Application "
                "itself (set argocd.rootProject to an existing project such as 'default')"
            ],
            id="appProject-root",
        ),
        pytest.param(
            "targetRevision: main",
            "targetRevision: HEAD",
            [
                "fleet/fleet.yaml:15:5: spec.gitops.targetRevision: Flux needs a branch, tag or "
                "commit to follow, and targetRevision is 'HEAD' (set gitops.targetRevision to a "
                "branch (e.g. main) or give flux.ref)"
            ],
            id="flux-head",
        ),
        pytest.param(
            "      localCluster: alpha\n",
            "      localCluster: alpha\n      kubeConfigSecretTemplate: '{cluster}_kc'\n",
            [
                "fleet/fleet.yaml:24:7: spec.gitops.flux.kubeConfigSecretTemplate: 'beta_kc' (for "
                "cluster 'beta') is not a valid Secret name (use lower-case letters, digits, '-' "
                "and '.' around {cluster})",
                "fleet/fleet.yaml:24:7: spec.gitops.flux.kubeConfigSecretTemplate: 'gamma_kc' "
                "(for cluster 'gamma') is not a valid Secret name (use lower-case letters, "
                "digits, '-' and '.' around {cluster})",
            ],
            id="kubeconfig-secret-name",
        ),
        pytest.param(
            "      localCluster: alpha\n",
            "      localCluster: alpha\n      kubeConfigSecretTemplate: shared\n",
            [
                "fleet/fleet.yaml:24:7: spec.gitops.flux.kubeConfigSecretTemplate: 'shared' must "
                "contain {cluster}, which is replaced by each cluster's name (did you mean "
                "'{cluster}-shared'?)"
            ],
            id="kubeconfig-template-schema",
        ),
        pytest.param(
            "    argocd:\n      enabled: true\n",
            "    argocd:\n      namespace: argocd\n",
            ["fleet/fleet.yaml:16:5: spec.gitops.argocd: 'enabled' is required"],
            id="enabled-required",
        ),
    ],
)
def test_bad_gitops_settings(old: str, new: str, expected: list[str]) -> None:
    assert old in FLEET
    assert fleet_errors(None, files={"fleet": FLEET.replace(old, new), "ns": NAMESPACE}) == expected


def test_kubefed_cluster_without_endpoint_has_no_argocd_destination() -> None:
    kubefed_cluster = (
        "apiVersion: core.kubefed.io/v1beta1\n"
        "kind: KubeFedCluster\n"
        "metadata: {name: delta, namespace: kube-federation-system}\n"
    )
    with pytest.raises(InvalidInput) as raised:
        compile_fleet(None, files={"fleet": FLEET, "kubefed": kubefed_cluster})
    assert [str(p) for p in raised.value.problems] == [
        "fleet/kubefed.yaml:1:1: cluster 'delta' has neither server nor destinationName, so its "
        "Argo CD Application has no destination (give the KubeFedCluster a spec.apiEndpoint)"
    ]


def test_object_names_fit_in_a_label() -> None:
    # Argo CD and Flux write the object name into a label value: 63 characters at most.
    long_name = "g" * 30
    fleet = (
        FLEET.replace("name: gamma", f"name: {long_name}")
        .replace(
            "      enabled: true\n      syncPolicy:",
            "      enabled: true\n      namePrefix: " + "x" * 34 + "\n      syncPolicy:",
        )
        .replace("      localCluster: alpha\n", "      localCluster: alpha\n      namePrefix: f-\n")
    )
    assert compile_gitops(fleet.replace(long_name, "g" * 29))  # 63 characters is fine
    assert fleet_errors(None, files={"fleet": fleet, "ns": NAMESPACE}) == [
        f"fleet/fleet.yaml:18:7: spec.gitops.argocd.namePrefix: '{'x' * 34}{long_name}' (for "
        f"cluster '{long_name}') is not a valid argocd object name (shorten namePrefix)"
    ]
    fleet = fleet.replace("namePrefix: f-", "namePrefix: " + "f" * 34)
    assert fleet_errors(None, files={"fleet": fleet, "ns": NAMESPACE})[1] == (
        f"fleet/fleet.yaml:25:7: spec.gitops.flux.namePrefix: '{'f' * 34}{long_name}' (for "
        f"cluster '{long_name}') is not a valid flux object name (shorten namePrefix)"
    )


def test_bad_gitops_leaves_output_untouched(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "fleet.yaml").write_text(FLEET)
    assert run_cli("render", cwd=tmp_path).code == 0
    before = snapshot(tmp_path / "rendered")
    (tmp_path / "fleet" / "fleet.yaml").write_text(
        FLEET.replace("localCluster: alpha", "localCluster: zeta")
    )
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    assert (
        "fleet/fleet.yaml:23:7: spec.gitops.flux.localCluster: cluster 'zeta' is not in the "
        "inventory" in result.err
    )
    assert "Traceback" not in result.err
    assert snapshot(tmp_path / "rendered") == before


def test_output_outside_a_repository_is_a_warning() -> None:
    compilation = compile_gitops(FLEET, "/srv/out")
    warnings = [str(p) for p in compilation.problems.warnings]
    assert warnings == [
        "fleet/fleet.yaml:13:3: spec.gitops: warning: the output directory '/srv/out' is not "
        "inside a git repository; Argo CD and Flux paths use it as given (render into a "
        "directory of the repository that repoURL points at)"
    ]


# --- the engines' settings people use ------------------------------------------------

ENGINE_SETTINGS = FLEET.replace(
    "        syncOptions: [PruneLast=true, ServerSideApply=true]\n",
    "        syncOptions: [ServerSideApply=true, PruneLast=true]\n"
    "        retry: {limit: -1, backoff: {duration: 10s, factor: 3, maxDuration: 5m}}\n"
    "      revisionHistoryLimit: 0\n"
    "      ignoreDifferences:\n"
    "        - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}\n"
    "      clusters:\n"
    "        alpha: {syncWave: -2}\n"
    "        gamma: {syncOptions: [PruneLast=false, Replace=true]}\n",
).replace(
    "      localCluster: alpha\n",
    "      localCluster: alpha\n"
    "      timeout: 3m\n"
    "      retryInterval: 30s\n"
    "      wait: true\n"
    "      clusters:\n"
    "        beta: {dependsOn: [alpha]}\n"
    "        gamma: {dependsOn: [alpha, beta]}\n",
)


def test_argocd_settings_per_cluster_and_fleet_wide() -> None:
    assert ENGINE_SETTINGS != FLEET
    compilation = compile_gitops(ENGINE_SETTINGS)
    assert warnings_of(compilation) == []
    argocd = objects(compilation, "_argocd")
    alpha, beta, gamma, root = (argocd[f"{n}.yaml"] for n in ("alpha", "beta", "gamma", "root"))
    retry = {"limit": -1, "backoff": {"duration": "10s", "factor": 3, "maxDuration": "5m"}}
    for app in (alpha, beta, gamma, root):
        assert app["spec"]["syncPolicy"]["retry"] == retry
        assert app["spec"]["revisionHistoryLimit"] == 0
    # A wave is a string annotation; clusters without one have none.
    assert alpha["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-2"}
    assert "annotations" not in beta["metadata"]
    # A cluster's option replaces the fleet-wide one of its name, in place; others follow.
    assert beta["spec"]["syncPolicy"]["syncOptions"] == ["ServerSideApply=true", "PruneLast=true"]
    assert gamma["spec"]["syncPolicy"]["syncOptions"] == [
        "ServerSideApply=true",
        "PruneLast=false",
        "Replace=true",
    ]
    # Differences to ignore are the workloads': the clusters' Applications, not the root.
    ignored = [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]
    assert [app["spec"].get("ignoreDifferences") for app in (alpha, beta, gamma, root)] == [
        ignored,
        ignored,
        ignored,
        None,
    ]


def test_flux_settings_per_cluster_and_fleet_wide() -> None:
    flux = objects(compile_gitops(ENGINE_SETTINGS), "_flux")
    alpha, beta, gamma, root = (flux[f"{n}.yaml"] for n in ("alpha", "beta", "gamma", "root"))
    for kustomization in (alpha, beta, gamma):
        spec = kustomization["spec"]
        assert (spec["wait"], spec["timeout"], spec["retryInterval"]) == (True, "3m", "30s")
    assert "wait" not in root["spec"] and "timeout" not in root["spec"]
    assert "dependsOn" not in alpha["spec"]
    assert beta["spec"]["dependsOn"] == [{"name": "alpha"}]
    assert gamma["spec"]["dependsOn"] == [{"name": "alpha"}, {"name": "beta"}]


def test_create_namespace_does_nothing_and_says_so() -> None:
    fleet = FLEET.replace(
        "        syncOptions: [PruneLast=true, ServerSideApply=true]\n",
        "        syncOptions: [CreateNamespace=true, ServerSideApply=true]\n"
        "      clusters:\n        beta: {syncOptions: [CreateNamespace=true]}\n",
    )
    message = (
        "warning: CreateNamespace=true does nothing here: the clusters' Applications have no "
        "destination.namespace to create (their Namespaces are rendered in _cluster/) (remove "
        "it; put a FederatedNamespace (or a Namespace) in the fleet instead)"
    )
    assert warnings_of(compile_gitops(fleet)) == [
        f"fleet/fleet.yaml:20:23: spec.gitops.argocd.syncPolicy.syncOptions[0]: {message}",
        f"fleet/fleet.yaml:22:30: spec.gitops.argocd.clusters.beta.syncOptions[0]: {message}",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "        alpha: {syncWave: -2}\n",
            "        alhpa: {syncWave: -2}\n",
            [
                "fleet/fleet.yaml:26:9: spec.gitops.argocd.clusters.alhpa: cluster 'alhpa' is "
                "not in the inventory (did you mean 'alpha'?)"
            ],
            id="argocd-cluster-unknown",
        ),
        pytest.param(
            "        beta: {dependsOn: [alpha]}\n",
            "        beta: {dependsOn: [alpa]}\n",
            [
                "fleet/fleet.yaml:35:28: spec.gitops.flux.clusters.beta.dependsOn[0]: cluster "
                "'alpa' is not in the inventory (did you mean 'alpha'?)"
            ],
            id="flux-depends-on-unknown",
        ),
        pytest.param(
            "        beta: {dependsOn: [alpha]}\n",
            "        beta: {dependsOn: [gamma]}\n",
            [
                "fleet/fleet.yaml:35:16: spec.gitops.flux.clusters.beta.dependsOn: the "
                "clusters' Kustomizations wait for each other in a circle, so none is ever "
                "applied: beta -> gamma -> beta (remove one of these dependsOn entries)"
            ],
            id="flux-depends-on-cycle",
        ),
        pytest.param(
            "        retry: {limit: -1,",
            "        retry: {limit: -2,",
            [
                "fleet/fleet.yaml:21:17: spec.gitops.argocd.syncPolicy.retry.limit: -2 is "
                "less than the minimum of -1"
            ],
            id="retry-limit",
        ),
    ],
)
def test_bad_engine_settings(old: str, new: str, expected: list[str]) -> None:
    assert old in ENGINE_SETTINGS
    fleet = ENGINE_SETTINGS.replace(old, new)
    assert fleet_errors(None, files={"fleet": fleet, "ns": NAMESPACE}) == expected


def test_flux_wait_overrides_health_checks() -> None:
    fleet = ENGINE_SETTINGS.replace(
        "      wait: true\n",
        "      wait: true\n      healthChecks: [{kind: Deployment, name: web, namespace: demo}]\n",
    )
    assert warnings_of(compile_gitops(fleet)) == [
        "fleet/fleet.yaml:34:7: spec.gitops.flux.healthChecks: warning: Flux ignores "
        "healthChecks when wait is true (it then checks every object it applied) (remove "
        "healthChecks, or wait)"
    ]


# --- Argo CD's ApplicationSet mode ------------------------------------------------------

APPLICATION_SET = FLEET.replace(
    "      destinationName: beta-in-argocd\n", "      destinationName: beta\n"
).replace(
    "      enabled: true\n      syncPolicy:",
    "      enabled: true\n      applicationSet: true\n      syncPolicy:",
)


def test_application_set_replaces_the_clusters_applications() -> None:
    assert APPLICATION_SET != FLEET
    argocd = objects(compile_gitops(APPLICATION_SET, "deploy/rendered"), "_argocd")
    assert sorted(argocd) == ["applicationset.yaml", "kustomization.yaml", "root.yaml"]
    appset = argocd["applicationset.yaml"]
    assert appset["metadata"] == {"name": "clusters", "namespace": "argocd"}
    assert appset["spec"]["generators"][0]["git"]["directories"] == [
        {"path": "deploy/rendered/*"},
        {"path": "deploy/rendered/_argocd", "exclude": True},
        {"path": "deploy/rendered/_flux", "exclude": True},
        {"path": "deploy/rendered/.kfedgen", "exclude": True},
    ]
    assert argocd["kustomization.yaml"]["resources"] == ["applicationset.yaml", "root.yaml"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "      destinationName: beta\n",
            "      destinationName: beta-in-argocd\n",
            [
                "fleet/fleet.yaml:10:7: spec.clusters[1].destinationName: with applicationSet: "
                "true the Applications address each cluster by its kfedgen name, and cluster "
                "'beta' is 'beta-in-argocd' in Argo CD (register it in Argo CD as 'beta' and "
                "remove destinationName)"
            ],
            id="destination-name",
        ),
        pytest.param(
            "      applicationSet: true\n",
            "      applicationSet: true\n      clusters: {alpha: {syncWave: 1}}\n",
            [
                "fleet/fleet.yaml:19:7: spec.gitops.argocd.clusters: per-cluster Application "
                "settings cannot apply with applicationSet: true, where one template makes "
                "every cluster's Application (remove argocd.clusters, or applicationSet)"
            ],
            id="per-cluster-settings",
        ),
    ],
)
def test_bad_application_set_settings(old: str, new: str, expected: list[str]) -> None:
    assert old in APPLICATION_SET
    fleet = APPLICATION_SET.replace(old, new)
    assert fleet_errors(None, files={"fleet": fleet, "ns": NAMESPACE}) == expected


def test_application_set_needs_an_output_directory_of_its_own() -> None:
    options = Options(output_repo_path=".")
    errors = fleet_errors(None, files={"fleet": APPLICATION_SET, "ns": NAMESPACE}, options=options)
    assert errors == [
        "fleet/fleet.yaml:18:7: spec.gitops.argocd.applicationSet: with the output at the root "
        "of the repository, the ApplicationSet's directory generator would make an Application "
        "of every top-level directory (render into a directory of its own (-o rendered))"
    ]
