"""Clusters alike are checked once: the findings are exactly those of checking each one."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import feasibility, generate
from kfedgen.errors import Location, Problem
from kfedgen.feasibility.alike import Kinds, alike_key
from kfedgen.feasibility.checks import CHECKS, Check, check_feasibility
from kfedgen.model import Cluster
from kfedgen.pipeline import Compilation, Options, compile_fleet
from kfedgen.podtemplates import pod_template
from kfedgen.rendered import RenderedObject


def each_cluster_alone(compilation: Compilation) -> list[Problem]:
    """Every check over every cluster, one by one (what Replay must agree with)."""
    found: list[Problem] = []
    for name, cluster in compilation.spec.clusters.items():
        mine = [o for o in compilation.objects if o.cluster == name]
        for check in CHECKS:
            if mine and check.runs_for(cluster):
                found.extend(check.run(cluster, mine))
    return found


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    """The benchmark's fleet, 40 clusters, every entry with compute; the pools too small.

    One node of each pool, the general one with one CPU: the planned replicas overflow it,
    so each cluster also has a finding at its own inventory entry, besides the Services
    that select nothing.
    """
    work = tmp_path_factory.mktemp("alike")
    model = generate.build_model(40, 24)
    fleet = work / "fleet"
    generate.write_fleet(model, fleet)
    feasibility.write_with_compute(model, fleet)
    inventory = fleet / "inventory.yaml"
    text = inventory.read_text().replace("nodes: 6\n", "nodes: 1\n")
    inventory.write_text(text.replace("cpu: 3920m\n", "cpu: '1'\n"))
    return compile_fleet(Options(fleet=(fleet,), overlays=None, output=work / "out"), work)


def test_the_findings_are_those_of_each_cluster_alone(compiled: Compilation) -> None:
    kinds = {
        alike_key(cluster, [o for o in compiled.objects if o.cluster == name])
        for name, cluster in compiled.spec.clusters.items()
    }
    assert len(kinds) < 40  # some clusters are like another: their findings are replayed
    replayed = check_feasibility(compiled.spec.clusters, compiled.objects)
    alone = each_cluster_alone(compiled)
    assert replayed == alone  # the same findings, in the same order
    messages = [p.message for p in alone]
    at_entries = {p.location for p in alone if "node pool" in p.message and "allocate" in p.message}
    assert len(at_entries) == 40, messages[:3]  # each at its own cluster's entry
    assert any("matches no pod template" in m for m in messages)


def test_unlike_clusters_are_checked_on_their_own(compiled: Compilation) -> None:
    # Give one cluster pools large enough: it is no longer like the others.
    clusters = dict(compiled.spec.clusters)
    first = next(iter(clusters))
    compute = clusters[first].compute
    assert compute is not None
    pools = tuple(replace(p, nodes=100) for p in compute.node_pools)
    clusters[first] = replace(clusters[first], compute=replace(compute, node_pools=pools))
    replayed = check_feasibility(clusters, compiled.objects)
    overfull = [p for p in replayed if "allocate" in p.message]
    assert not any(p.message.startswith(f"cluster {first!r}") for p in overfull)
    assert len(overfull) == 39


def test_clusters_whose_objects_differ_only_in_unread_fields_are_one_replica_free_kind(
    compiled: Compilation,
) -> None:
    cluster = next(iter(compiled.spec.clusters.values()))
    base = next(o for o in compiled.objects if o.kind == "Deployment")
    spec = base.manifest["spec"]
    template = spec["template"]
    pod = template["spec"]
    first, *others = pod["containers"]
    labels = template["metadata"]["labels"]

    def variant(**changes: object) -> RenderedObject:
        return replace(base, manifest={**base.manifest, "spec": {**spec, **changes}})

    def pod_variant(**changes: object) -> dict[str, object]:
        return {**template, "spec": {**pod, **changes}}

    # The caller holds the objects while the kinds are in use (the keys are identities).
    held = [
        [variant(replicas=1)],
        [variant(replicas=2)],
        # another image, as a per-region override gives (patching copies along the path)
        [variant(replicas=3, template=pod_variant(containers=[{**first, "image": "x"}, *others]))],
        # another label, another pull secret: what the checks read
        [variant(replicas=1, template={**template, "metadata": {"labels": {"app": "other"}}})],
        [variant(replicas=1, template=pod_variant(imagePullSecrets=[{"name": "creds"}]))],
        # the same labels in a copy of their mapping: equal, but not known to be
        [variant(replicas=1, template={**template, "metadata": {"labels": {**labels}}})],
    ]
    kinds = Kinds()
    one, two, image, label, secret, copied = (kinds.of(cluster, objects) for objects in held)
    assert one[0] != two[0] and one[1] == two[1]  # alike, but for replicas
    assert image[1] == one[1]  # no replica-free check reads an image
    assert label[1] != one[1] and secret[1] != one[1] and label[1] != secret[1]
    assert copied[1] != one[1]  # identities are compared: a copy is only a missed chance


def test_the_replica_free_checks_run_for_fewer_kinds_in_the_benchmark_fleet(
    compiled: Compilation,
) -> None:
    kinds = Kinds()
    found = [
        kinds.of(cluster, [o for o in compiled.objects if o.cluster == name])
        for name, cluster in compiled.spec.clusters.items()
    ]
    assert len({free for _, free in found}) < len({kind for kind, _ in found})
    assert [c.name for c in CHECKS if c.reads_replicas] == ["node-pools"]


def _unread_changed(obj: RenderedObject, replicas: bool) -> RenderedObject:
    """``obj`` with other images and ConfigMap/Secret data (and replicas, when asked)."""
    manifest = copy.deepcopy(dict(obj.manifest))
    if manifest["kind"] in ("ConfigMap", "Secret"):
        manifest["data"] = {"changed": "by the test"}
    template = pod_template(manifest["kind"], manifest)
    if template is not None:
        for field in ("containers", "initContainers"):
            for container in template.spec.get(field, []):
                container["image"] = "registry.example/changed:latest"
    if replicas and "replicas" in manifest.get("spec", {}):
        manifest["spec"]["replicas"] += 7
    return replace(obj, manifest=manifest)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_no_check_reads_the_fields_that_stand_for_ignores(
    compiled: Compilation, check: Check
) -> None:
    # What lets clusters with other images (or replicas) share one check's findings.
    found = 0
    for name, cluster in compiled.spec.clusters.items():
        mine = [o for o in compiled.objects if o.cluster == name]
        if not check.runs_for(cluster):
            continue
        changed = [_unread_changed(o, not check.reads_replicas) for o in mine]
        before = list(check.run(cluster, mine))
        assert [(p.location, p.path, p.message) for p in check.run(cluster, changed)] == [
            (p.location, p.path, p.message) for p in before
        ]
        found += len(before)
    assert found or check.name in ("api-versions", "fargate")  # the fleet has findings


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | st.sampled_from(("", "x", "team-a", "1")),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(("a", "name", "image", "replicas", "labels")), inner)
    ),
    max_leaves=8,
)
_KINDS = st.sampled_from(
    ("Deployment", "DaemonSet", "CronJob", "Pod", "ConfigMap", "Secret", "Service", "Ingress")
)


@st.composite
def _manifests(draw: st.DrawFn) -> dict[str, object]:
    """Rendered manifests as invalid as the checks may meet them: any content.

    Their identity is valid: an object whose kind, name or namespace is not what its source
    says was dropped with an error before the checks (kfedgen.identity).
    """
    containers = st.lists(
        st.fixed_dictionaries({"name": st.just("app")}, optional={"image": _JSON, "x": _JSON})
        | _JSON,
        max_size=2,
    )
    pod = st.fixed_dictionaries({}, optional={"containers": containers, "volumes": _JSON})
    template = st.fixed_dictionaries({}, optional={"metadata": _JSON, "spec": pod | _JSON})
    spec = st.fixed_dictionaries(
        {}, optional={"replicas": _JSON, "template": template | _JSON, "selector": _JSON}
    )
    metadata = st.fixed_dictionaries(
        {"name": st.sampled_from(("web", "db"))},
        optional={"namespace": st.just("team-a"), "labels": _JSON},
    )
    return draw(
        st.fixed_dictionaries(
            {
                "apiVersion": st.sampled_from(("apps/v1", "v1", "batch/v1")),
                "kind": _KINDS,
                "metadata": metadata,
            },
            optional={"spec": spec | _JSON, "data": _JSON},
        )
    )


@pytest.fixture(scope="module")
def described(compiled: Compilation) -> tuple[dict[str, Cluster], Location]:
    """Three clusters whose entries declare everything, and a source location."""
    return dict(list(compiled.spec.clusters.items())[:3]), compiled.objects[0].location


@settings(max_examples=150, deadline=None)
@given(st.lists(_manifests(), min_size=1, max_size=4))
def test_any_manifests_are_checked_without_a_crash_and_alike_clusters_agree(
    described: tuple[dict[str, Cluster], Location], manifests: list[dict[str, object]]
) -> None:
    clusters, location = described
    objects = [
        RenderedObject(name, manifest, f"Thing/{index}", location)
        for name in clusters
        for index, manifest in enumerate(manifests)
    ]
    replayed = check_feasibility(clusters, objects)
    alone = [
        problem
        for name, cluster in clusters.items()
        for check in CHECKS
        if check.runs_for(cluster)
        for problem in check.run(cluster, [o for o in objects if o.cluster == name])
    ]
    assert replayed == alone
