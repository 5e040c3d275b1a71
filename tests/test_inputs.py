"""Real-world inputs: kubectl exports, Karmada's and KubeFed's own files, namespaces, inventory.

The golden cases ``kubectl-export``, ``karmada-nginx`` and ``kubefed-chart-types`` render such
inputs byte for byte; these tests check the rules behind them one at a time.
"""

from __future__ import annotations

import copy
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kfedgen.backend.serverfields import strip_server_fields
from kfedgen.errors import Problems
from kfedgen.frontends.nearmiss import meant_api_version
from kfedgen.frontends.spec import FEDERATION_GROUPS
from kfedgen.pipeline import Options
from kfedgen.source.lists import unpack_lists
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from tests.conftest import GOLDEN, RunCli
from tests.fleets import compile_fleet

INVENTORY = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
metadata: {name: t}
spec:
  clusters: [{name: east}, {name: west}]
"""
PROPAGATE_ALL = """\
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}, {apiVersion: example.com/v1, kind: Widget},
                      {apiVersion: example.com/v1, kind: Gadget}, {apiVersion: other.io/v1, kind: Thing},
                      {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole}]
"""


def documents(text: str) -> tuple[list[Any], Problems]:
    problems = Problems()
    parsed = parse_file(SourceFile("f.yaml", text.encode()), problems, LoadOptions())
    return unpack_lists(parsed, problems), problems


def compile_texts(*texts: str, namespace: str = "default") -> Any:
    """The texts as ``fleet/0.yaml``, ``fleet/1.yaml``, ... (the first one is the inventory)."""
    files = {f"{i}": text for i, text in enumerate(texts)}
    return compile_fleet(None, options=Options(namespace=namespace), files=files)


def rendered(compilation: Any, cluster: str) -> dict[str, Any]:
    return {
        f"{o.kind}/{o.namespace}/{o.name}": o.manifest
        for o in compilation.objects
        if o.cluster == cluster
    }


# -- kind: List -----------------------------------------------------------------------------


def test_list_items_become_documents_with_their_own_positions() -> None:
    docs, problems = documents(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
        "- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: b\n"
        "metadata: {resourceVersion: ''}\n"
    )
    assert not problems.items
    assert [(d.kind, d.data["metadata"]["name"]) for d in docs] == [
        ("ConfigMap", "a"),
        ("Secret", "b"),
    ]
    assert str(docs[0].location(("metadata", "name"))) == "f.yaml:6:14"
    assert str(docs[1].location()) == "f.yaml:7:3"
    assert str(docs[1].location(("metadata", "name"))) == "f.yaml:10:5"


def test_typed_list_items_take_the_list_type_and_lists_nest() -> None:
    docs, _ = documents(
        "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n"
        "- apiVersion: v1\n  kind: List\n  items: [{apiVersion: v1, kind: Secret, metadata: {name: s}}]\n"
    )
    assert [(d.api_version, d.kind) for d in docs] == [("v1", "ConfigMap"), ("v1", "Secret")]
    assert str(docs[1].location()) == "f.yaml:7:11"


def test_an_object_kind_ending_in_list_without_items_is_an_object() -> None:
    docs, _ = documents("apiVersion: example.com/v1\nkind: AllowList\nspec: {}\n")
    assert [d.kind for d in docs] == ["AllowList"]


def _unpack_seconds(count: int) -> float:
    """The best of three timings of unpacking a List of ``count`` items."""
    items = "".join(
        f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}}}, data: {{k: v}}}}\n"
        for i in range(count)
    )
    text = f"apiVersion: v1\nkind: List\nitems:\n{items}"
    parsed = parse_file(SourceFile("f.yaml", text.encode()), Problems(), LoadOptions())
    best = float("inf")
    for _ in range(3):
        problems = Problems()
        started = time.perf_counter()
        assert len(unpack_lists(parsed, problems)) == count
        best = min(best, time.perf_counter() - started)
    return best


def test_a_large_list_unpacks_in_linear_time() -> None:
    """Four times the items, about four times the time (quadratic would be sixteen).

    A ratio of best-of-three timings, not a time limit: it holds on a slow or busy machine.
    """
    assert _unpack_seconds(20_000) < 8 * _unpack_seconds(5_000)


def test_an_exported_list_is_propagated_and_reported_per_item() -> None:
    export = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: app}}\n"
        "- {apiVersion: v1, kind: Secret, metadata: {name: b, namespace: app}}\n"
    )
    compilation = compile_texts(INVENTORY, PROPAGATE_ALL, export)
    assert "ConfigMap/app/a" in rendered(compilation, "east")
    warnings = [str(p) for p in compilation.problems.warnings]
    assert warnings == [
        "fleet/2.yaml:5:20: warning: Secret app/b is a plain object that nothing federates or "
        "propagates; it is not rendered (wrap it in a Federated type, or select it with a Karmada "
        "PropagationPolicy)"
    ]
    assert not any("List" in w for w in warnings)


# -- server-populated fields ----------------------------------------------------------------

EXPORTED = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "app",
        "uid": "u",
        "resourceVersion": "1",
        "generation": 2,
        "creationTimestamp": "2024-01-01T00:00:00Z",
        "deletionTimestamp": "2024-01-02T00:00:00Z",
        "deletionGracePeriodSeconds": 30,
        "managedFields": [{"manager": "kubectl"}],
        "selfLink": "/apis/apps/v1/namespaces/app/deployments/web",
        "finalizers": ["example.com/keep"],
        "ownerReferences": [{"kind": "X", "name": "x", "uid": "o", "apiVersion": "v1"}],
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "deployment.kubernetes.io/revision": "4",
            "deployment.kubernetes.io/revision-history": "1,2",
            "team": "web",
        },
        "labels": {"app": "web"},
    },
    "spec": {"replicas": 2},
    "status": {"replicas": 2},
}


@pytest.mark.parametrize("karmada", [True, False])
def test_server_fields_are_removed_and_the_input_is_not_changed(karmada: bool) -> None:
    original = copy.deepcopy(EXPORTED)
    stripped, removed = strip_server_fields(EXPORTED, karmada)
    assert original == EXPORTED
    metadata = stripped["metadata"]
    assert metadata["annotations"] == {"team": "web"}
    assert set(metadata) == {"name", "namespace", "labels", "annotations"} | (
        set() if karmada else {"finalizers", "ownerReferences"}
    )
    assert "status" not in stripped and stripped["spec"] is EXPORTED["spec"]
    assert "metadata.uid" in removed and "status" in removed
    assert ("metadata.finalizers" in removed) is karmada


def test_an_object_without_server_fields_is_returned_as_is() -> None:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}
    assert strip_server_fields(manifest, True) == (manifest, [])
    assert strip_server_fields(manifest, True)[0] is manifest


@pytest.mark.parametrize(
    ("manifest", "karmada", "expected"),
    [
        # an allocated cluster IP is the source cluster's; a headless Service keeps "None"
        (
            {
                "kind": "Service",
                "spec": {"clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "ports": []},
            },
            True,
            {"kind": "Service", "spec": {"ports": []}},
        ),
        (
            {"kind": "Service", "spec": {"clusterIP": "None"}},
            True,
            {"kind": "Service", "spec": {"clusterIP": "None"}},
        ),
        # a Job's generated selector goes (and the map it empties); a manual one stays
        (
            {
                "kind": "Job",
                "spec": {
                    "selector": {"matchLabels": {"controller-uid": "u"}},
                    "template": {"metadata": {"labels": {"job-name": "j", "app": "a"}}},
                    "ttlSecondsAfterFinished": 10,
                },
            },
            True,
            {"kind": "Job", "spec": {"template": {"metadata": {"labels": {"app": "a"}}}}},
        ),
        (
            {
                "kind": "Job",
                "spec": {
                    "manualSelector": True,
                    "selector": {"matchLabels": {"controller-uid": "u"}},
                },
            },
            False,
            {
                "kind": "Job",
                "spec": {
                    "manualSelector": True,
                    "selector": {"matchLabels": {"controller-uid": "u"}},
                },
            },
        ),
        (
            {"kind": "Job", "spec": {"ttlSecondsAfterFinished": 10}},
            False,
            {"kind": "Job", "spec": {"ttlSecondsAfterFinished": 10}},
        ),
        # generated token Secrets of a ServiceAccount, a token Secret's data
        (
            {
                "kind": "ServiceAccount",
                "metadata": {"name": "sa"},
                "secrets": [{"name": "sa-token-x"}, {"name": "own"}],
            },
            True,
            {"kind": "ServiceAccount", "metadata": {"name": "sa"}, "secrets": [{"name": "own"}]},
        ),
        (
            {
                "kind": "Secret",
                "type": "kubernetes.io/service-account-token",
                "metadata": {"annotations": {"kubernetes.io/service-account.uid": "u"}},
                "data": {"token": "eA=="},
            },
            True,
            {"kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {}},
        ),
        (
            {
                "kind": "PersistentVolumeClaim",
                "metadata": {"annotations": {"volume.kubernetes.io/selected-node": "n1"}},
            },
            True,
            {"kind": "PersistentVolumeClaim", "metadata": {}},
        ),
    ],
)
def test_kind_specific_fields(
    manifest: dict[str, Any], karmada: bool, expected: dict[str, Any]
) -> None:
    assert strip_server_fields(manifest, karmada)[0] == expected


_keys = st.sampled_from(
    [
        "uid",
        "status",
        "name",
        "spec",
        "metadata",
        "annotations",
        "labels",
        "selector",
        "template",
        "matchLabels",
        "clusterIP",
        "secrets",
        "data",
        "controller-uid",
        "job-name",
        "x",
    ]
)
_values = st.recursive(
    st.none() | st.integers() | st.sampled_from(["", "None", "sa-token-1", "x"]),
    lambda c: st.dictionaries(_keys, c, max_size=3) | st.lists(c, max_size=2),
    max_leaves=10,
)
_manifests = st.tuples(
    st.sampled_from(
        ["Deployment", "Service", "Job", "ServiceAccount", "Secret", "PersistentVolumeClaim"]
    ),
    st.dictionaries(_keys, _values, max_size=5),
).map(lambda pair: {**pair[1], "kind": pair[0]})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_manifests, st.booleans())
def test_stripping_is_idempotent_and_never_raises(manifest: dict[str, Any], karmada: bool) -> None:
    once, _ = strip_server_fields(manifest, karmada)
    twice, removed = strip_server_fields(once, karmada)
    assert twice == once and removed == []


def test_explain_says_which_fields_were_removed(tmp_path: Path, run_cli: RunCli) -> None:
    shutil.copytree(GOLDEN / "kubectl-export" / "fleet", tmp_path / "fleet")
    result = run_cli("explain", "Service/shop/web", "--cluster", "east", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (
        "server-populated fields removed: metadata.creationTimestamp, metadata.resourceVersion, "
        "metadata.uid, status, spec.clusterIP, spec.clusterIPs" in result.out
    )
    assert "warning" not in run_cli("render", cwd=tmp_path).err


# -- namespaces -----------------------------------------------------------------------------


def test_karmada_sample_honours_namespace_option(tmp_path: Path, run_cli: RunCli) -> None:
    shutil.copytree(GOLDEN / "karmada-nginx" / "fleet", tmp_path / "fleet")
    result = run_cli("render", "--namespace", "web", cwd=tmp_path)
    assert result.code == 0, result.err
    out = tmp_path / "rendered" / "member1"
    assert (
        yaml.safe_load((out / "web" / "deployment.apps_nginx.yaml").read_text())["spec"]["replicas"]
        == 1
    )
    # namespace sync creates `web` (never `default`) where its objects land
    assert (out / "_cluster" / "namespace_web.yaml").is_file()
    assert not (out / "default").exists()


def test_an_invalid_namespace_option_is_an_error(tmp_path: Path, run_cli: RunCli) -> None:
    shutil.copytree(GOLDEN / "karmada-nginx" / "fleet", tmp_path / "fleet")
    result = run_cli("validate", "--namespace", "Web_1", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("--namespace: namespace 'Web_1' is not a DNS-1123 label")


def test_namespaced_kinds_get_the_default_namespace_and_others_do_not() -> None:
    crds = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec: {group: example.com, scope: Cluster, names: {kind: Gadget, plural: gadgets}}
"""
    objects = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
---
apiVersion: other.io/v1
kind: Thing
metadata: {name: t}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
"""
    compilation = compile_texts(INVENTORY, PROPAGATE_ALL, crds, objects, namespace="team")
    assert set(rendered(compilation, "east")) >= {
        "ConfigMap/team/c",
        "Widget/team/w",
        "Gadget//g",  # the fleet's CRD says it is cluster-scoped
        "Thing//t",  # no CRD: kept as written
        "ClusterRole//r",
    }


def test_a_federated_object_without_namespace_is_in_default() -> None:
    text = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: default, namespace: default}
spec: {placement: {clusterSelector: {}}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: settings}
spec:
  template: {data: {a: b}}
  placement: {clusters: [{name: west}]}
"""
    compilation = compile_texts(INVENTORY, text)
    assert list(rendered(compilation, "west")) == ["ConfigMap/default/settings"]


# -- apiVersion near misses -----------------------------------------------------------------

KNOWN = [
    ("types.kubefed.io/v1beta1", "FederatedDeployment"),
    ("policy.karmada.io/v1alpha1", "PropagationPolicy"),
    ("cluster.karmada.io/v1alpha1", "Cluster"),
    ("kfedgen.io/v1alpha1", "Fleet"),
]


@pytest.mark.parametrize(
    ("api_version", "kind", "meant"),
    [
        ("karmada.io/v1alpha1", "PropagationPolicy", "policy.karmada.io/v1alpha1"),
        ("types.kubefed.i/v1beta1", "FederatedDeployment", "types.kubefed.io/v1beta1"),
        ("Types.Kubefed.io/v1beta1", "FederatedDeployment", "types.kubefed.io/v1beta1"),
        ("polcy.karmada.io/v1alpha1", "PropagationPolicy", "policy.karmada.io/v1alpha1"),
        ("v1", "FederatedDeployment", "types.kubefed.io/v1beta1"),
        ("kfedgen.oi/v1alpha1", "Fleet", "kfedgen.io/v1alpha1"),
    ],
)
def test_near_misses_are_recognised(api_version: str, kind: str, meant: str) -> None:
    assert meant_api_version(api_version, kind, KNOWN, FEDERATION_GROUPS) == meant


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("scheduling.k8s.io/v1", "PriorityClass"),
        ("cluster.x-k8s.io/v1beta1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("agones.dev/v1", "Fleet"),
        ("work.karmada.io/v1alpha1", "Work"),
        ("autoscaling.karmada.io/v1alpha1", "FederatedHPA"),
        ("apps.karmada.io/v1alpha1", "WorkloadRebalancer"),
        ("config.karmada.io/v1alpha1", "ResourceInterpreterCustomization"),
        ("policy/v1", "PodDisruptionBudget"),
        ("multiclusterdns.kubefed.io/v1alpha1", "Domain"),
        ("apps/v1", "Deployment"),
        # GKE's multi-cluster Services share the kind name with Karmada's.
        ("networking.gke.io/v1", "MultiClusterService"),
    ],
)
def test_real_api_groups_are_not_near_misses(api_version: str, kind: str) -> None:
    assert meant_api_version(api_version, kind, KNOWN, FEDERATION_GROUPS) is None


# -- FederatedTypeConfigs -------------------------------------------------------------------


def test_kubefeds_chart_type_configs_are_accepted_without_a_problem(
    tmp_path: Path, run_cli: RunCli
) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    shutil.copy(GOLDEN / "kubefed-chart-types" / "fleet" / "federatedtypeconfig.yaml", fleet)
    (fleet / "fleet.yaml").write_text(INVENTORY)
    result = run_cli("validate", "--strict", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.err.count("\n") == 1  # only the summary line


# -- the inventory --------------------------------------------------------------------------


def test_kubefedclusters_alone_are_an_inventory(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "clusters.yaml").write_text(
        "apiVersion: core.kubefed.io/v1beta1\nkind: KubeFedCluster\nmetadata: {name: west}\n"
        "spec: {apiEndpoint: 'https://west.example.com'}\n"
    )
    (fleet / "ns.yaml").write_text(
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: web, namespace: web}\nspec: {placement: {clusters: [{name: west}]}}\n"
    )
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "rendered" / "west" / "_cluster" / "namespace_web.yaml").is_file()


def test_no_inventory_names_the_paths_given(tmp_path: Path, run_cli: RunCli) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cm.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
        )
    result = run_cli("validate", "-f", "one", "-f", "two/cm.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith(
        "one: no inventory: one, two/cm.yaml holds no kfedgen.io/v1alpha1 Fleet"
    )


@pytest.mark.parametrize("make_dir", [True, False])
def test_an_empty_or_missing_fleet_is_one_problem(
    make_dir: bool, tmp_path: Path, run_cli: RunCli
) -> None:
    if make_dir:
        (tmp_path / "fleet").mkdir()
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[-1] == "kfedgen: the fleet spec has 1 problem; nothing was written"
    expected = (
        "fleet: no inventory: fleet holds no YAML document" if make_dir else "fleet: no such file"
    )
    assert lines[0].startswith(expected)
