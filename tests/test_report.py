"""The reporting layer: per-cluster warnings grouped for people, every entry kept in JSON,
non-UTF-8 file names and non-UTF-8 terminals, and counted nouns."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfedgen.errors import Location, Problem, Severity, noun_for, plural
from kfedgen.report import format_problems, group_repeated, json_text
from kfedgen.streams import prepare_streams, printable
from tests.conftest import RunCli, run_subprocess, snapshot

CLUSTERS = [f"c{i:04d}" for i in range(250)]


def fleet_with_replaced_overrides(directory: Path, clusters: list[str]) -> Path:
    """An RSP whose workload's override (by clusterSelector) sets replicas in every cluster."""
    fleet = directory / "fleet"
    fleet.mkdir(parents=True)
    entries = "".join(f"    - {{name: {name}}}\n" for name in clusters)
    (fleet / "fleet.yaml").write_text(
        f"apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n{entries}"
    )
    (fleet / "web.yaml").write_text(
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\nspec: {placement: {clusterSelector: {}}}\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedDeployment\n"
        "metadata: {name: web, namespace: app}\nspec:\n"
        "  template: {spec: {replicas: 1}}\n"
        "  placement: {clusterSelector: {}}\n"
        "  overrides:\n"
        "    - clusterSelector: {}\n"
        "      clusterOverrides: [{path: /spec/replicas, value: 9}]\n---\n"
        "apiVersion: scheduling.kubefed.io/v1alpha1\nkind: ReplicaSchedulingPreference\n"
        "metadata: {name: web, namespace: app}\n"
        "spec: {targetKind: FederatedDeployment, totalReplicas: 500}\n"
    )
    return directory


REPLACED = (
    "ReplicaSchedulingPreference/app/web sets the replicas of {}; this override's value is replaced"
)


def test_a_warning_per_cluster_is_one_line_per_object(tmp_path: Path, run_cli: RunCli) -> None:
    workdir = fleet_with_replaced_overrides(tmp_path, CLUSTERS)
    text = run_cli("render", "--check", cwd=workdir)
    warnings = [line for line in text.err.splitlines() if ": warning: " in line]
    assert warnings == [
        "fleet/web.yaml:14:49: spec.overrides[0].clusterOverrides[0].value: warning: "
        + REPLACED.format("clusters 'c0000', 'c0001', 'c0002' and 247 more (250 clusters)")
        + " (remove the override, or the RSP's preference for this cluster)"
    ]
    github = run_cli("render", "--check", "--format", "github", cwd=workdir)
    assert github.err.count("::warning ") == 1
    assert "and 247 more (250 clusters)" in github.err
    data = run_cli("render", "--check", "--format", "json", cwd=workdir)
    messages = [problem["message"] for problem in json.loads(data.out)["problems"]]
    assert messages == [REPLACED.format(f"cluster {name!r}") for name in CLUSTERS]


def test_two_or_three_clusters_are_all_named(tmp_path: Path, run_cli: RunCli) -> None:
    for clusters, named in (
        (["east", "west"], "clusters 'east' and 'west'"),
        (["a", "b", "c"], "clusters 'a', 'b' and 'c'"),
    ):
        workdir = fleet_with_replaced_overrides(tmp_path / named.replace("'", ""), clusters)
        result = run_cli("render", "--check", cwd=workdir)
        assert REPLACED.format(named) in result.err


def warning(message: str, line: int = 3, severity: Severity = Severity.WARNING) -> Problem:
    return Problem(Location("fleet/a.yaml", line, 1), ("spec",), message, severity)


def test_grouping_keeps_apart_what_differs() -> None:
    problems = [
        warning("x lands in cluster 'a', where y"),
        warning("x lands in cluster 'b', where y"),
        warning("x lands in cluster 'c', where z"),  # another message
        warning("x lands in cluster 'd', where y", line=4),  # another object
        warning("x is in cluster 'e', and cluster 'f'"),  # two clusters: not one per cluster
        warning("bad cluster 'g'", severity=Severity.ERROR),  # errors are never merged
        warning("bad cluster 'h'", severity=Severity.ERROR),
    ]
    assert [p.message for p in group_repeated(problems)] == [
        "x lands in clusters 'a' and 'b', where y",
        "x lands in cluster 'c', where z",
        "x lands in cluster 'd', where y",
        "x is in cluster 'e', and cluster 'f'",
        "bad cluster 'g'",
        "bad cluster 'h'",
    ]
    assert format_problems(problems[:2], "text").count("\n") == 1
    assert len(json.loads(format_problems(problems[:2], "json"))) == 2


@given(st.lists(st.sampled_from(["a", "b", "c", "dd"]), min_size=1, max_size=30))
def test_grouping_loses_no_cluster(names: list[str]) -> None:
    """Every merged line names all of its clusters, or the first three and the rest's count."""
    problems = [warning(f"w sets cluster {name!r} here") for name in names]
    (merged,) = group_repeated(problems)
    if len(names) == 1:
        assert merged == problems[0]
    elif len(names) <= 3:
        assert all(repr(name) in merged.message for name in names)
    else:
        assert f"and {len(names) - 3} more ({len(names)} clusters)" in merged.message


def test_counted_nouns() -> None:
    assert [plural(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
    assert plural(1, "policy", "policies") == "1 policy"
    assert plural(3, "policy", "policies") == "3 policies"
    assert noun_for(1, "cluster") == "cluster"


def test_one_file_one_cluster(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "fleet.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters: [{name: solo}]\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\nspec: {placement: {clusterSelector: {}}}\n"
    )
    render = run_cli("render", cwd=tmp_path)
    assert "rendered 1 cluster into rendered: " in render.err
    assert "(1 cluster)" in run_cli("render", cwd=tmp_path).err
    (tmp_path / "rendered/solo/_cluster/namespace_app.yaml").unlink()
    check = run_cli("render", "--check", cwd=tmp_path)
    assert "rendered is out of date (1 file: 1 added, 0 changed, 0 stale)" in check.err
    validate = run_cli("validate", cwd=tmp_path)
    assert "the fleet spec is valid (1 cluster, 1 federated object)" in validate.err


# ---------------------------------------------------------------------------------------
# File names that are not UTF-8, terminals that are not UTF-8
# ---------------------------------------------------------------------------------------

NON_UTF8 = os.fsdecode(b"caf\xe9.yaml")  # 'caf\udce9.yaml' on Linux


def test_printable_shows_the_bytes_of_a_file_name() -> None:
    assert printable(f"fleet/{NON_UTF8}") == "fleet/caf\\xe9.yaml"
    assert printable("héllo ✓") == "héllo ✓"  # real characters are kept
    assert json.loads(json_text({"file": f"fleet/{NON_UTF8}"})) == {"file": "fleet/caf\\xe9.yaml"}


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names may hold any bytes")
def test_non_utf8_file_name_is_shown_escaped(tmp_path: Path, run_cli: RunCli) -> None:
    fleet = fleet_with_replaced_overrides(tmp_path, ["east"]) / "fleet"
    (fleet / NON_UTF8).write_text("kind: [unclosed\n")
    text = run_cli("render", cwd=tmp_path)
    assert text.code == 2
    assert "fleet/caf\\xe9.yaml:2:1: invalid YAML" in text.err
    data = run_cli("render", "--format", "json", cwd=tmp_path)
    assert data.code == 2
    assert data.out.isascii()
    problems = json.loads(data.out)["problems"]
    (problem,) = [p for p in problems if p["severity"] == "error"]
    assert problem["file"] == "fleet/caf\\xe9.yaml"
    github = run_cli("render", "--format", "github", cwd=tmp_path)
    assert github.err.startswith("::error file=fleet/caf\\xe9.yaml,line=2,")


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names may hold any bytes")
def test_non_utf8_foreign_file_in_the_output(tmp_path: Path, run_cli: RunCli) -> None:
    """A foreign file's name goes to stdout (the check's list) and into JSON."""
    workdir = fleet_with_replaced_overrides(tmp_path, ["east"])
    assert run_cli("render", cwd=workdir).code == 0
    (workdir / "rendered" / os.fsdecode(b"notes-\xff.txt")).write_text("mine\n")
    (workdir / "rendered/east/kustomization.yaml").unlink()
    text = run_cli("render", "--check", cwd=workdir)
    assert text.code == 1, text.err
    assert "kfedgen: rendered/notes-\\xff.txt: not written by kfedgen; left alone" in text.err
    data = run_cli("render", "--check", "--format", "json", cwd=workdir)
    assert json.loads(data.out)["foreign"] == ["notes-\\xff.txt"]


def test_a_stream_that_cannot_encode_gets_escapes() -> None:
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="ascii")
    prepare_streams(stream)
    stream.write(f"é ✓ {NON_UTF8}\n")
    stream.flush()
    assert buffer.getvalue() == b"\\xe9 \\u2713 caf\\xe9.yaml\n"


@pytest.mark.parametrize(
    "args", [["render", "--check", "-v"], ["explain", "FederatedConfigMap/app/hello"]]
)
def test_ascii_terminal_never_exits_3(tmp_path: Path, args: list[str]) -> None:
    """PYTHONIOENCODING=ascii and non-ASCII values in the output: escaped, the real exit code."""
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "fleet.yaml").write_text(
        "apiVersion: kfedgen.io/v1alpha1\nkind: Fleet\nspec:\n  clusters: [{name: east}]\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedNamespace\n"
        "metadata: {name: app, namespace: app}\nspec: {placement: {clusterSelector: {}}}\n---\n"
        "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
        "metadata: {name: hello, namespace: app}\n"
        "spec:\n  template: {data: {greeting: 'grüß dich ✓'}}\n"
        "  placement: {clusterSelector: {}}\n"
        "  overrides: [{clusterName: east, clusterOverrides: [{path: /data/x, value: 'é'}]}]\n",
        encoding="utf-8",
    )
    env = {"PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    result = run_subprocess(*args, cwd=tmp_path, env=env)
    assert result.code in (0, 1), result.err
    assert "internal error" not in result.err
    assert "\\xe9" in result.out or "\\xfc" in result.out
    before = snapshot(tmp_path / "rendered")
    data = run_subprocess(*args, "--format", "json", cwd=tmp_path, env=env)
    assert data.code == result.code
    assert json.loads(data.out)["exitCode"] == result.code
    assert snapshot(tmp_path / "rendered") == before


def test_a_closed_output_pipe_is_not_a_bug(tmp_path: Path) -> None:
    """``kfedgen ... | head -1``: the reader went away; kfedgen stops quietly, never exit 3."""
    fleet_with_replaced_overrides(tmp_path, CLUSTERS)
    with subprocess.Popen(
        [sys.executable, "-m", "kfedgen", "render", "--check", "-v"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()  # before kfedgen writes its 160 kB of diffs
        err = process.stderr.read().decode()
        code = process.wait()
    assert code == 1, err  # click's exit for a closed pipe
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert "internal error" not in err
    assert "out of date" not in err  # it stopped at the first write that failed
