"""Tests for the peers' input generators and the equivalence check (bench/peers/).

They run real kfedgen (render and plan) on a small generated fleet; none needs
make-argocd-fly or Kapitan.  The tests at the end run the real tools when they are
installed (``make-argocd-fly``/``kapitan`` on PATH, or the commands in
``BENCH_MAKE_ARGOCD_FLY``/``BENCH_KAPITAN``) and skip otherwise.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bench import generate
from bench.peers import compare, fleet, kapitan, makeargocdfly, stage
from bench.peers.base import Peer
from tests.bench import fake_peer
from tests.conftest import run_subprocess

CLUSTERS, OBJECTS = 12, 24


@dataclass(frozen=True)
class Rendered:
    """A generated fleet, kfedgen's render of it and its replica plan."""

    model: generate.FleetModel
    work: Path
    out: Path
    replicas: dict[str, dict[str, int]]

    def peer_fleet(self) -> fleet.PeerFleet:
        return fleet.build(self.model, self.replicas)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    work = tmp_path_factory.mktemp("peers")
    gen = generate.generate(CLUSTERS, OBJECTS, work, seed=3, kustomize=False)
    res = run_subprocess("render", "-f", gen.fleet_dir, "-o", work / "rendered", cwd=work)
    assert res.code == 0, res.err
    plan = run_subprocess("plan", "-f", gen.fleet_dir, "--format", "json", cwd=work)
    assert plan.code == 0, plan.err
    replicas = fleet.scheduled_replicas(json.loads(plan.out))
    return Rendered(gen.model, work, work / "rendered", replicas)


# --------------------------------------------------------------------------- the peer fleet


def test_replicas_come_from_kfedgen_plan_not_the_generator(rendered: Rendered) -> None:
    rsp = [o for o in rendered.model.objects if o.rsp_total is not None]
    assert rsp and set(rendered.replicas) == {f"{o.namespace}/{o.name}" for o in rsp}
    for obj in rsp:
        split = rendered.replicas[f"{obj.namespace}/{obj.name}"]
        assert sorted(split) == [c.name for c in rendered.model.clusters]
        assert sum(split.values()) == obj.rsp_total
        # the planner is not the generator's rsp_split; the values are the rendered ones
        for cluster, replicas in split.items():
            path = rendered.out / cluster / obj.namespace / f"deployment.apps_{obj.name}.yaml"
            assert yaml.safe_load(path.read_text(encoding="utf-8"))["spec"]["replicas"] == replicas
    peers = rendered.peer_fleet()
    for obj in rsp:
        key = f"{obj.namespace}/{obj.name}"
        default = next(o for o in peers.objects if o.key == key).defaults["replicas"]
        for cluster, replicas in rendered.replicas[key].items():
            # a cluster's values hold what differs from the template's default
            got = peers.values[cluster].get(key, {}).get("replicas", default)
            assert got == replicas
            assert ("replicas" in peers.values[cluster].get(key, {})) == (replicas != default)


def test_peer_fleet_variables_defaults_and_groups(rendered: Rendered) -> None:
    peers = rendered.peer_fleet()
    by_key = {o.key: o for o in peers.objects}
    assert len(by_key) == OBJECTS
    for obj in rendered.model.objects:
        peer = by_key[f"{obj.namespace}/{obj.name}"]
        assert peer.group == obj.group_key
        expected = {
            p.rsplit("/", 1)[-1] for ops in obj.overrides.values() for p in (o.path for o in ops)
        }
        if obj.rsp_total is not None:
            expected.add("replicas")
        assert set(peer.variables) == expected
        for name, pointer in peer.variables.items():
            assert peer.defaults[name] == fleet.resolve_pointer(peer.doc, pointer)
        # values are only what differs from the defaults, only where the object is placed
        for name_of_cluster, values in peers.values.items():
            if peer.key in values:
                member = next(c for c in rendered.model.clusters if c.name == name_of_cluster)
                assert obj.places(member)
                assert all(values[peer.key][n] != peer.defaults[n] for n in values[peer.key])
    for cluster in rendered.model.clusters:
        groups = peers.groups[cluster.name]
        assert groups[0] == fleet.ALL_GROUP
        assert set(groups) == {o.group_key for o in rendered.model.placed_objects(cluster)} | {
            "all"
        }
    assert "kubefed.io/managed" not in json.dumps([o.doc for o in peers.objects])


def test_missing_plan_row_is_an_error(rendered: Rendered) -> None:
    replicas = copy.deepcopy(rendered.replicas)
    key = next(iter(replicas))
    del replicas[key]["c0002"]
    with pytest.raises(ValueError, match=f"kfedgen plan has no replicas for {key} in c0002"):
        fleet.build(rendered.model, replicas)


def test_templates_substitute_only_the_variables(rendered: Rendered) -> None:
    for obj in rendered.peer_fleet().objects:
        text = fleet.template_text(obj, "objects")
        if not obj.variables:
            assert "{{" not in text and yaml.safe_load(text) == obj.doc
            continue
        assert text.startswith('{%- set o = objects["' + obj.key + '"] -%}\n')
        for name in obj.variables:
            assert text.count('{{ o["' + name + '"] | tojson }}') == 1
        # with its defaults substituted, a template is the base document again
        assert yaml.safe_load(fake_peer.render(text, {obj.key: obj.defaults})) == obj.doc
        assert '"' + obj.key + '"' in fleet.template_text(obj, kapitan.LOOKUP)


def test_multiline_strings_are_quoted_and_jinja_delimiters_refused() -> None:
    text = fleet.dump_static([{"data": {"a.properties": "x=1\ny=2\n"}}])
    assert text == 'data:\n  a.properties: "x=1\\ny=2\\n"\n'
    with pytest.raises(ValueError, match="Jinja2 delimiters"):
        fleet.dump_static([{"data": {"t": "{{ x }}"}}])


def test_json_pointers() -> None:
    doc = {"a": [{"b~c": 1, "d/e": 2}]}
    assert fleet.resolve_pointer(doc, "/a/0/b~0c") == 1
    fleet.set_pointer(doc, "/a/0/d~1e", 3)
    assert doc == {"a": [{"b~c": 1, "d/e": 3}]}
    with pytest.raises(KeyError):
        fleet.resolve_pointer(doc, "/a/0/x")


# --------------------------------------------------------------------------- input trees


def test_make_argocd_fly_tree(rendered: Rendered, tmp_path: Path) -> None:
    peers = rendered.peer_fleet()
    files = makeargocdfly.write_input(peers, tmp_path)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == files == 2 + OBJECTS
    config = yaml.safe_load((tmp_path / "config" / "config.yml").read_text(encoding="utf-8"))
    assert set(config) == {"vars", "envs"}
    assert list(config["envs"]) == [c.name for c in rendered.model.clusters]
    for cluster, env in config["envs"].items():
        assert list(env["apps"]) == peers.groups[cluster]
        assert env.get("vars", {}).get("objects", {}) == peers.values[cluster]
    assert config["vars"]["objects"] == peers.defaults()
    for obj in peers.objects:
        assert f"source/{obj.group}/{obj.file}" in written
    assert yaml.safe_load_all((tmp_path / "source/all/namespaces.yml").read_text()) is not None
    argv = makeargocdfly.argv(["maf"], "out-1")
    assert argv[:3] == ["maf", "--output-dir", "out-1"] and "--skip-latest-version-check" in argv


def test_kapitan_tree(rendered: Rendered, tmp_path: Path) -> None:
    peers = rendered.peer_fleet()
    files = kapitan.write_input(peers, tmp_path)
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert len(written) == files
    common = yaml.safe_load((tmp_path / "inventory/classes/common.yml").read_text())
    assert common["parameters"]["kapitan"]["vars"]["target"] == "${_reclass_:name:short}"
    assert common["parameters"]["objects"] == peers.defaults()
    for group in peers.group_names():
        entry = yaml.safe_load((tmp_path / f"inventory/classes/groups/{group}.yml").read_text())
        (compile_entry,) = entry["parameters"]["kapitan"]["compile"]
        assert compile_entry["input_paths"] == [f"templates/{group}"]
        assert compile_entry["output_path"] == group
    for cluster in peers.clusters:
        doc = yaml.safe_load((tmp_path / f"inventory/targets/{cluster}.yml").read_text())
        assert doc["classes"] == ["common", *(f"groups.{g}" for g in peers.groups[cluster])]
        assert doc.get("parameters", {}).get("objects", {}) == peers.values[cluster]
    assert kapitan.argv(["kapitan"], "out-1") == ["kapitan", "compile", "--output-path", "out-1"]


# --------------------------------------------------------------------------- equivalence


def _run_fake(peer: Peer, peers: fleet.PeerFleet, root: Path, wrong: bool = False) -> Path:
    peer.write_input(peers, root)
    env = {**os.environ, "FAKE_PEER_WRONG_REPLICAS": "1" if wrong else "0"}
    argv = peer.argv([sys.executable, fake_peer.__file__], "out")
    subprocess.run(argv, cwd=root, env=env, check=True, timeout=120)
    return peer.clusters_root(root / "out")


@pytest.mark.parametrize("peer", [makeargocdfly.PEER, kapitan.PEER], ids=lambda p: p.name)
def test_generated_inputs_reproduce_kfedgens_objects(
    rendered: Rendered, tmp_path: Path, peer: Peer
) -> None:
    expected = compare.load_tree(rendered.out)
    assert len(expected.clusters) == CLUSTERS and expected.problems == []
    result = compare.compare(
        expected, compare.load_tree(_run_fake(peer, rendered.peer_fleet(), tmp_path))
    )
    assert result.mismatches == [] and result.equivalent
    assert result.objects == expected.objects > CLUSTERS * 4


def test_a_wrong_replica_count_is_found(rendered: Rendered, tmp_path: Path) -> None:
    root = _run_fake(makeargocdfly.PEER, rendered.peer_fleet(), tmp_path, wrong=True)
    result = compare.compare(compare.load_tree(rendered.out), compare.load_tree(root))
    assert not result.equivalent
    (message,) = result.mismatches
    assert message.startswith("c0001: Deployment team-a/deploy-000 (apps/v1): /spec/replicas is ")
    want = rendered.replicas["team-a/deploy-000"]["c0001"]
    assert message.endswith(f"is {want + 1}, kfedgen has {want}")


def _write(root: Path, relative: str, text: str) -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text, encoding="utf-8")


def test_same_objects_in_another_layout_and_style_are_equal(
    rendered: Rendered, tmp_path: Path
) -> None:
    # A hand-made peer output: each cluster's objects in one multi-document file, keys in
    # another order, flow style, an explicit document start, and no kustomization.yaml.
    for cluster in sorted(p.name for p in rendered.out.iterdir() if not p.name.startswith(".")):
        docs = [
            yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((rendered.out / cluster).rglob("*.yaml"))
            if p.name != "kustomization.yaml"
        ]
        flipped = [dict(reversed(list(d.items()))) for d in docs]
        text = "---\n" + yaml.safe_dump_all(flipped, default_flow_style=True)
        _write(tmp_path, f"{cluster}/app/all.yml", text)
    result = compare.compare(compare.load_tree(rendered.out), compare.load_tree(tmp_path))
    assert result.equivalent, result.mismatches


def _tree(files: dict[str, str], root: Path) -> compare.Tree:
    for relative, text in files.items():
        _write(root, relative, text)
    return compare.load_tree(root)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: n}\ndata: {a: '1'}\n"


def test_differences_are_named(tmp_path: Path) -> None:
    expected = _tree(
        {
            "c1/n/cm.yaml": CM,
            "c1/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            "c2/n/cm.yaml": CM,
            ".kfedgen/m.yaml": "x: 1\n",
        },
        tmp_path / "kfedgen",
    )
    assert sorted(expected.clusters) == ["c1", "c2"] and expected.objects == 2
    actual = _tree(
        {
            "c1/a.yml": CM.replace("'1'", "1"),  # an int, not the string "1"
            "c1/b.yml": CM.replace("name: x", "name: y"),
            "c3/a.yml": CM,
        },
        tmp_path / "peer",
    )
    result = compare.compare(expected, actual)
    assert result.mismatches == [
        'c1: ConfigMap n/x (v1): /data/a is 1, kfedgen has "1"',
        "c1: ConfigMap n/y (v1) is not in kfedgen's output",
        "c2: no output for this cluster",
        "c3: not a cluster in kfedgen's output",
    ]
    assert result.mismatch_count == 4 and not result.equivalent
    assert compare.compare(expected, actual, limit=1).mismatches == result.mismatches[:1]


def test_missing_extra_keys_booleans_and_duplicates(tmp_path: Path) -> None:
    expected = _tree({"c1/cm.yaml": CM.replace("{a: '1'}", "{a: '1', b: x, c: 1}")}, tmp_path / "k")
    actual = _tree(
        {"c1/a.yml": CM.replace("{a: '1'}", "{a: '1', c: true, d: [1]}"), "c1/b.yml": CM},
        tmp_path / "p",
    )
    assert actual.problems == [f"c1: ConfigMap n/x (v1) appears twice ({tmp_path}/p/c1/b.yml)"]
    one = _tree({"c1/a.yml": CM.replace("{a: '1'}", "{a: '1', c: true}")}, tmp_path / "q")
    result = compare.compare(expected, one)
    assert result.mismatches == ["c1: ConfigMap n/x (v1): /data/b is missing"]
    assert compare.first_difference({"c": 1}, {"c": True}) == "/c is true, kfedgen has 1"
    assert compare.first_difference({"l": [1]}, {"l": [1, 2]}) == "/l is [1,2], kfedgen has [1]"
    assert compare.first_difference({}, {"d": [1]}) == "/d is extra ([1])"
    bad = _tree({"c1/x.yml": "- a list\n", "c1/y.yml": "a: [\n"}, tmp_path / "bad")
    assert len(bad.problems) == 2 and all("not readable" in p for p in bad.problems)


# --------------------------------------------------------------------------- the real peers


def _peer_command(peer: Peer) -> list[str] | None:
    variable = "BENCH_" + peer.name.upper().replace("-", "_")
    if os.environ.get(variable):
        return shlex.split(os.environ[variable])
    found = shutil.which(peer.name)
    return [found] if found else None


@pytest.mark.parametrize("peer", [makeargocdfly.PEER, kapitan.PEER], ids=lambda p: p.name)
def test_real_peer_produces_kfedgens_objects(
    rendered: Rendered, tmp_path: Path, peer: Peer
) -> None:
    command = _peer_command(peer)
    variable = "BENCH_" + peer.name.upper().replace("-", "_")
    if command is None:
        pytest.skip(f"{peer.name} is not installed (not on PATH and ${variable} is not set)")
    peer.write_input(rendered.peer_fleet(), tmp_path)
    res = subprocess.run(
        peer.argv(command, "out"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    actual = compare.load_tree(peer.clusters_root(tmp_path / "out"))
    result = compare.compare(compare.load_tree(rendered.out), actual)
    assert result.equivalent, result.mismatches


def test_stage_checks_then_times_and_reports_mismatches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "3x8"
    gen = generate.generate(3, 8, work, seed=1, kustomize=False)
    res = run_subprocess("render", "-f", gen.fleet_dir, "-o", work / "rendered", cwd=work)
    assert res.code == 0, res.err
    fake = [sys.executable, fake_peer.__file__]

    def prepare() -> list[stage.Prepared]:
        return stage.prepare(
            {"make-argocd-fly": fake, "kapitan": None},
            {"kapitan": "not found on PATH"},
            gen.model,
            [sys.executable, "-m", "kfedgen"],
            gen.fleet_dir,
            work,
            timeout=120,
        )

    monkeypatch.setenv("FAKE_PEER_WRONG_REPLICAS", "0")
    fly, kap = stage.measure(prepare(), work / "rendered", stage.Times(0.5, 0.25), 2, 120)
    assert fly.version == "fake-peer 1.0" and fly.equivalent and fly.skipped == ""
    assert len(fly.samples) == len(fly.cpu_samples) == 2
    assert fly.seconds is not None and fly.speedup == fly.seconds / 0.5
    assert fly.cpu_seconds is not None and fly.cpu_speedup == fly.cpu_seconds / 0.25
    assert fly.input_files == 2 + 8 and fly.output_files and fly.objects_compared
    assert kap.skipped == "not found on PATH" and kap.seconds is None

    monkeypatch.setenv("FAKE_PEER_WRONG_REPLICAS", "1")  # one replica count off by one
    fly, _ = stage.measure(prepare(), work / "rendered", stage.Times(0.5, 0.25), 2, 120)
    assert fly.equivalent is False and fly.samples == [] and fly.seconds is None
    assert fly.skipped == "not timed: 1 difference(s) from kfedgen's objects"
    assert "/spec/replicas is" in fly.mismatches[0]


def test_stage_without_a_plan_skips_the_peers(tmp_path: Path) -> None:
    gen = generate.generate(2, 4, tmp_path, seed=1, kustomize=False)
    failing = [sys.executable, "-c", "import sys; sys.exit('no plan here')"]
    prepared = stage.prepare(
        {"make-argocd-fly": ["maf"], "kapitan": None},
        {},
        gen.model,
        failing,
        gen.fleet_dir,
        tmp_path,
        timeout=60,
    )
    fly, kap = stage.measure(prepared, tmp_path / "none", stage.Times(None, None), 1, 60)
    assert fly.skipped.startswith("no peer input: kfedgen plan failed (exit 1): no plan here")
    assert kap.skipped == "not requested"
