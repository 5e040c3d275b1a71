"""Tests for the benchmark runner (bench/run.py), against a fake kfedgen."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import proc, rawwrite, run

FAKE = Path(__file__).with_name("fake_kfedgen.py")
FAKE_CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE))}"


def _run_json(tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "results.json"
    argv = ["--sizes", "3,10", "--objects", "12", "--no-kustomize", "--json", str(out), *extra]
    assert run.main(argv) == 0
    payload: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return payload


def test_run_timed_reports_exit_code_time_and_rss(tmp_path: Path) -> None:
    code = "import sys; b = bytearray(64 * 2**20); sys.stderr.write('boom'); sys.exit(3)"
    res = proc.run_timed([sys.executable, "-c", code], tmp_path)
    assert res.returncode == 3 and not res.ok
    assert res.stderr_tail == "boom"
    assert res.seconds > 0
    assert res.maxrss_kib > 64 * 1024  # the 64 MiB buffer, measured for this child only


def test_run_timed_missing_executable(tmp_path: Path) -> None:
    res = proc.run_timed([str(tmp_path / "no-such-kfedgen")], tmp_path)
    assert res.returncode == 127
    assert "cannot start" in res.stderr_tail


def test_run_timed_kills_on_timeout(tmp_path: Path) -> None:
    res = proc.run_timed(
        [sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, timeout=0.5
    )
    assert res.returncode == -9
    assert res.seconds < 10
    assert "timed out after 0.5 s" in res.stderr_tail


def test_diff_trees_tells_rewrites_from_changes(tmp_path: Path) -> None:
    for name in ("same", "rewritten", "changed", "removed"):
        (tmp_path / name).write_text(name)
    before = run.snapshot(tmp_path)
    (tmp_path / "rewritten").unlink()
    (tmp_path / "rewritten").write_text("rewritten")  # new inode, same bytes
    (tmp_path / "changed").write_text("other")
    (tmp_path / "removed").unlink()
    (tmp_path / "added").write_text("added")
    diff = run.diff_trees(before, run.snapshot(tmp_path))
    assert diff.added == ["added"]
    assert diff.removed == ["removed"]
    assert diff.changed == ["changed"]
    assert diff.rewritten_identical == ["rewritten"]
    assert diff.touched == 4


def test_kfedgen_command_keeps_symlinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to(sys.executable)  # like a venv's bin/python
    monkeypatch.chdir(tmp_path)
    argv = run.kfedgen_command("bin/python -m kfedgen --opt a/b")
    assert argv == [str(tmp_path / "bin" / "python"), "-m", "kfedgen", "--opt", "a/b"]


def test_sample_clusters_is_evenly_spaced() -> None:
    names = [f"c{i}" for i in range(1000)]
    assert run.sample_clusters(names, None) == names
    assert run.sample_clusters(names, 5000) == names
    picked = run.sample_clusters(names, 10)
    assert picked == [f"c{i}" for i in range(0, 1000, 100)]


def test_all_stages_against_fake_kfedgen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = _run_json(tmp_path, "--kfedgen", FAKE_CMD, "--repeat", "2")
    for result in payload["results"]:
        assert result["errors"] == []
        assert len(result["render_samples"]) == 2
        assert result["peak_rss_mib"] > 1
        assert result["noop_touched"] == 0
        assert result["check_returncode"] == 0
        change = result["change"]
        assert change["only_affected"], change
        # one file per placed cluster plus the manifest
        assert change["changed"] == change["placed_clusters"] + 1
        assert change["rewritten_identical"] == 0
    assert "kustomize measurements skipped: disabled (--no-kustomize)" in capsys.readouterr().out


def test_rewriting_every_file_fails_the_change_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KFEDGEN_REWRITE_ALL", "1")
    payload = _run_json(tmp_path, "--kfedgen", FAKE_CMD)
    result = payload["results"][-1]
    assert result["noop_touched"] == result["output_files"]
    assert result["change"]["rewritten_identical"] > 0
    assert not result["change"]["only_affected"]
    verdicts = {t["name"]: t["verdict"] for t in payload["targets"]}
    assert verdicts["one-object change rewrites only affected files"] == "FAIL"


def test_failing_kfedgen_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = f"{shlex.quote(sys.executable)} -c 'import sys; sys.exit(\"no kfedgen here\")'"
    payload = _run_json(tmp_path, "--kfedgen", failing)
    for result in payload["results"]:
        assert result["render_seconds"] is None
        assert result["change"] is None
        (error,) = result["errors"]
        assert "full render 1/1 failed (exit 1)" in error
        assert "no kfedgen here" in error
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert "no kfedgen here" in out
    assert all(t["verdict"] == "N/A" for t in payload["targets"])


def test_targets_verdicts() -> None:
    def size(clusters: int, render: float, kustomize: float) -> run.SizeResult:
        r = run.SizeResult(clusters, 50, 0.1, 52, render_seconds=render, peak_rss_mib=900)
        r.noop_seconds, r.check_seconds = 1.0, 4.0
        r.kustomize = run.KustomizeResult(clusters, clusters, False, kustomize, 60, 60, 54)
        return r

    targets = {t.name: t for t in run.evaluate_targets([size(100, 0.2, 6.0), size(1000, 9.0, 60)])}
    assert targets["100x50: kustomize loop / kfedgen >= 20"].verdict == "PASS"
    assert targets["1000x50: full render <= 10 s"].verdict == "PASS"
    assert targets["1000x50: peak RSS <= 1.5 GiB"].verdict == "PASS"
    assert targets["1000x50: no-op re-render <= 2 s"].verdict == "PASS"
    assert targets["1000x50: render --check <= 3 s"].verdict == "FAIL"
    # 1.0 s and 4.0 s of a 9.0 s full render; no change stage ran
    assert targets["1000x50: no-op re-render <= 15% of full render"].verdict == "PASS"
    assert targets["1000x50: no-op re-render <= 15% of full render"].detail == "11.1%"
    assert targets["1000x50: render --check <= 15% of full render"].verdict == "FAIL"
    assert targets["1000x50: one-object change <= 20% of full render"].verdict == "N/A"
    # 9 ms/cluster at 1000 vs 2 ms/cluster at 100: superlinear
    linear = next(t for name, t in targets.items() if name.startswith("linear"))
    assert linear.verdict == "FAIL"


def test_missing_kubectl_skips_kustomize_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    argv = ["--sizes", "2", "--objects", "3", "--kfedgen", FAKE_CMD]
    assert run.main(argv) == 0
    captured = capsys.readouterr()
    assert "kubectl not found on PATH: kustomize measurements are skipped" in captured.err
    assert "kustomize measurements skipped: kubectl not found on PATH" in captured.out
    assert "(a) kfedgen full render" in captured.out


def test_large_size_targets() -> None:
    def size(clusters: int, render: float, rss: float) -> run.SizeResult:
        r = run.SizeResult(clusters, 50, 0.1, 52, render_seconds=render, peak_rss_mib=rss)
        r.noop_seconds, r.check_seconds = render * 0.1, render * 0.2
        return r

    targets = {
        t.name: t
        for t in run.evaluate_targets([size(1000, 3.0, 180), size(run.LARGE_SIZE, 33.0, 1100)])
    }
    assert targets["10000x50: peak RSS <= 1 GiB"].verdict == "FAIL"
    assert targets["10000x50: full render <= 10.5x the 1000x50 one"].detail == "11.00x"
    assert targets["10000x50: full render <= 10.5x the 1000x50 one"].verdict == "FAIL"
    assert targets["10000x50: no-op re-render <= 15% of full render"].verdict == "PASS"
    assert targets["10000x50: render --check <= 15% of full render"].verdict == "FAIL"
    without = {t.name: t.verdict for t in run.evaluate_targets([size(1000, 3.0, 180)])}
    assert without["10000x50 (--large)"] == "N/A"
    assert run.parse_args(["--sizes", "100", "--large"]).sizes == [100, run.LARGE_SIZE]


def test_raw_write_copies_the_tree_and_times_only_the_writing(tmp_path: Path) -> None:
    source = tmp_path / "rendered"
    for relative, content in {"c1/ns/a.yaml": b"a\n", "c1/k.yaml": b"", "x": b"xy"}.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_bytes(content)
    seconds = rawwrite.raw_write_seconds(source, tmp_path / "copy")
    assert seconds > 0
    assert rawwrite.read_tree(tmp_path / "copy") == rawwrite.read_tree(source)
    assert list(rawwrite.read_tree(source)) == ["x", "c1/k.yaml", "c1/ns/a.yaml"]


def test_run_timed_counts_cpu_time(tmp_path: Path) -> None:
    busy = "import time\nend = time.process_time() + 0.2\nwhile time.process_time() < end: pass"
    res = proc.run_timed([sys.executable, "-c", busy], tmp_path)
    assert res.ok and 0.2 <= res.cpu_seconds <= res.seconds + 0.05


FAKE_PEER = Path(__file__).with_name("fake_peer.py")
FAKE_PEER_CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_PEER))}"


def test_peer_commands_from_options_path_or_skipped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        "shutil.which", lambda name: "/opt/k/kapitan" if name == "kapitan" else None
    )
    commands, skips = run.peer_commands(run.parse_args(["--make-argocd-fly", "maf --x"]))
    assert commands == {"make-argocd-fly": ["maf", "--x"], "kapitan": ["/opt/k/kapitan"]}
    assert skips == {}
    commands, skips = run.peer_commands(run.parse_args([]))
    assert commands["make-argocd-fly"] is None
    assert skips["make-argocd-fly"].startswith("not found on PATH; install it (python3 -m venv")
    assert skips["make-argocd-fly"].endswith("and pass --make-argocd-fly CMD")
    commands, skips = run.peer_commands(run.parse_args(["--no-peers", "--kapitan", "k"]))
    assert commands == {"make-argocd-fly": None, "kapitan": None}
    assert set(skips.values()) == {"disabled (--no-peers)"}


def test_peers_are_checked_timed_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # real kfedgen (its plan gives the replicas), the fake peer for both tools
    monkeypatch.setenv("FAKE_PEER_WRONG_REPLICAS", "0")
    out = tmp_path / "results.json"
    argv = ["--sizes", "3", "--objects", "8", "--no-kustomize", "--repeat", "2", "--json", str(out)]
    peers = ["--make-argocd-fly", FAKE_PEER_CMD, "--kapitan", FAKE_PEER_CMD]
    assert run.main([*argv, *peers, "--workdir", str(tmp_path / "w")]) == 0
    (result,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert result["errors"] == [] and result["render_cpu_seconds"] > 0
    fly, kap = result["peers"]
    for peer, name in ((fly, "make-argocd-fly"), (kap, "kapitan")):
        assert peer["name"] == name and peer["equivalent"] is True and peer["skipped"] == ""
        assert len(peer["samples"]) == 2 and peer["speedup"] > 0 and peer["cpu_speedup"] > 0
        # per cluster one file per object, and its 2 Namespaces in one file
        assert peer["objects_compared"] > 3 * 2
        assert peer["output_files"] == peer["objects_compared"] - 3
    printed = capsys.readouterr().out
    assert "peers on the same fleet" in printed
    assert "yes (" in printed and "fake-peer 1.0" in printed
    # the peers' inputs are kept beside the fleet, with one output per run
    assert sorted(p.name for p in (tmp_path / "w/3x8/peers/kapitan").iterdir()) == [
        "inventory",
        "out-1",
        "out-2",
        "out-check",
        "templates",
    ]


def test_without_kfedgen_the_peers_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = _run_json(tmp_path, "--no-kfedgen", "--kapitan", FAKE_PEER_CMD)
    for result in payload["results"]:
        skipped = {p["name"]: p["skipped"] for p in result["peers"]}
        assert skipped["kapitan"] == "needs kfedgen's render (--no-kfedgen)"
        assert skipped["make-argocd-fly"].startswith("not found on PATH")
    assert "kapitan skipped: needs kfedgen's render" in capsys.readouterr().out
