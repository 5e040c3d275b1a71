"""``--format json``: every command prints exactly one JSON document on stdout.

Success or failure (exit 2 on invalid input, an unknown object or revision),
the document is there, parseable by ``jq``, with the common fields around the
command's own; messages for people stay on stderr.  Every field is in the
README.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Result, RunCli
from tests.gitutil import FleetRepo, rendered_fleet

PROBLEM_FIELDS = ["severity", "file", "line", "column", "path", "pointer", "message", "hint"]
COMMON_HEAD = ["command", "version", "exitCode", "error"]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# A fleet problem (an unknown cluster in an override) and a warning (a plain object).
BREAK = ("fleet/apps.yaml", "clusterName: west", "clusterName: wset")
WARN = ("fleet/plain.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\n")
# A rendered object that Kubernetes' schema refuses (containerPort must be an integer).
BAD_PORT = ("image: nginx:1.27", "image: nginx:1.27\n              ports: [{containerPort: http}]")


@pytest.fixture
def repo(tmp_path: Path, run_cli: RunCli) -> FleetRepo:
    """The test fleet rendered and committed on main, then changed (replicas) in the work tree."""
    repo = rendered_fleet(tmp_path / "repo", run_cli)
    edit(repo, "fleet/apps.yaml", "replicas: 2", "replicas: 4")
    return repo


def edit(repo: FleetRepo, relative: str, old: str, new: str) -> None:
    path = repo.path / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def document_of(result: Result, command: str) -> dict[str, Any]:
    """The one JSON document on stdout, checked for the common fields; stderr holds no JSON."""
    document = json.loads(result.out)  # the whole of stdout is exactly one JSON value
    assert isinstance(document, dict)
    assert list(document)[:4] == COMMON_HEAD
    assert list(document)[-1] == "problems"
    assert document["command"] == command
    assert document["version"] == 1
    assert document["exitCode"] == result.code
    assert (document["error"] is None) == (result.code in (0, 1)), document["error"]
    for problem in document["problems"]:
        assert list(problem) == PROBLEM_FIELDS
        assert problem["severity"] in ("error", "warning")
    assert '"severity"' not in result.err
    assert not result.err.lstrip().startswith(("{", "["))
    if shutil.which("jq"):
        count = subprocess.run(
            ["jq", "-s", "length"], input=result.out, capture_output=True, text=True, check=True
        )
        assert count.stdout == "1\n"
    return document


Case = tuple[list[str], str, int, Callable[[FleetRepo], None]]


def nothing(_repo: FleetRepo) -> None:
    pass


def broken(repo: FleetRepo) -> None:
    edit(repo, *BREAK)


def bad_port(repo: FleetRepo) -> None:
    edit(repo, "fleet/apps.yaml", *BAD_PORT)


CASES: dict[str, Case] = {
    "render": (["render"], "render", 0, nothing),
    "render invalid": (["render"], "render", 2, broken),
    "check": (["render", "--check"], "render --check", 1, nothing),
    "check -v": (["render", "--check", "-v"], "render --check", 1, nothing),
    "check invalid": (["render", "--check"], "render --check", 2, broken),
    "validate": (["validate"], "validate", 0, nothing),
    "validate invalid": (["validate"], "validate", 2, broken),
    "validate kube": (["validate", "--kube-version", "1.30"], "validate", 0, nothing),
    "validate kube invalid": (["validate", "--kube-version", "1.30"], "validate", 2, broken),
    "validate kube findings": (["validate", "--kube-version", "1.30"], "validate", 2, bad_port),
    "validate bad version": (["validate", "--kube-version", "0.1"], "validate", 2, nothing),
    "validate usage error": (["validate", "--crd", "crds"], "validate", 2, nothing),
    "plan": (["plan"], "plan", 0, nothing),
    "plan invalid": (["plan"], "plan", 2, broken),
    "explain": (["explain", "Deployment/web/api"], "explain", 0, nothing),
    "explain invalid": (["explain", "Deployment/web/api"], "explain", 2, broken),
    "explain unknown": (["explain", "Deployment/web/apx"], "explain", 2, nothing),
    "diff": (["diff", "--base", "main"], "diff", 1, nothing),
    "diff invalid": (["diff", "--base", "main"], "diff", 2, broken),
    "diff unknown revision": (["diff", "--base", "nosuchbranch"], "diff", 2, nothing),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_document_on_stdout(case: str, repo: FleetRepo, run_cli: RunCli) -> None:
    args, command, code, prepare = CASES[case]
    repo.write(*WARN)
    prepare(repo)
    result = run_cli(*args, "--format", "json", cwd=repo.path)
    assert result.code == code, result.err
    document = document_of(result, command)
    problems = document["problems"]
    if code == 2:
        assert document["error"], "a failure says why"
        assert result.err, "and tells people on stderr too"
    if prepare is broken:
        assert document["error"].startswith("the fleet spec has 1 problem")
        assert [(p["severity"], p["file"]) for p in problems] == [
            ("error", "fleet/apps.yaml"),
            ("warning", "fleet/plain.yaml"),
        ]
        assert "cluster 'wset' is not in the inventory" in problems[0]["message"]
    elif prepare is bad_port:
        assert document["kubernetes"]["version"] == "1.30"
        assert {p["file"] for p in problems if p["severity"] == "error"} == {
            "rendered/east/web/deployment.apps_api.yaml",
            "rendered/west/web/deployment.apps_api.yaml",
        }
    elif code in (0, 1):
        # The warning is in the document, not on stderr.
        assert [(p["severity"], p["file"]) for p in problems] == [("warning", "fleet/plain.yaml")]
        assert "plain.yaml" not in result.err


def test_render_document(repo: FleetRepo, run_cli: RunCli) -> None:
    result = run_cli("render", "--format", "json", cwd=repo.path)
    document = document_of(result, "render")
    assert {k: v for k, v in document.items() if k not in COMMON_HEAD} == {
        "output": "rendered",
        "current": False,
        "added": [],
        "changed": [".kfedgen/manifest.json", "east/web/deployment.apps_api.yaml"],
        "stale": [],
        "foreign": [],
        "adopted": [],
        "conflicts": [],
        "clusters": 2,
        "unchanged": 7,
        "problems": [],
    }
    again = document_of(run_cli("render", "--format", "json", cwd=repo.path), "render")
    assert (again["current"], again["changed"], again["unchanged"]) == (True, [], 9)
    # People still get the summary line, on stderr.
    assert result.err.startswith("kfedgen: rendered 2 clusters into rendered: 0 added, 2 changed")


def test_check_document_with_diffs(repo: FleetRepo, run_cli: RunCli) -> None:
    result = run_cli("render", "--check", "-v", "--format", "json", cwd=repo.path)
    document = document_of(result, "render --check")
    assert document["changed"] == [".kfedgen/manifest.json", "east/web/deployment.apps_api.yaml"]
    (path,) = document["diffs"]  # the manifest is listed, its diff is not shown
    assert path == "east/web/deployment.apps_api.yaml"
    assert "-  replicas: 2\n+  replicas: 4\n" in document["diffs"][path]
    plain = run_cli("render", "--check", "--format", "json", cwd=repo.path)
    assert "diffs" not in json.loads(plain.out)


def test_validate_document(repo: FleetRepo, run_cli: RunCli) -> None:
    plain = document_of(run_cli("validate", "--format", "json", cwd=repo.path), "validate")
    assert (plain["clusters"], plain["federatedObjects"], plain["kubernetes"]) == (2, 3, None)
    kube = run_cli("validate", "--kube-version", "1.30", "--format", "json", cwd=repo.path)
    assert document_of(kube, "validate")["kubernetes"] == {
        "version": "1.30",
        "objects": 6,
        "distinct": 4,
        "validated": 6,
        "skipped": [],
    }


def test_explain_document(repo: FleetRepo, run_cli: RunCli) -> None:
    args = ("explain", "Deployment/web/api", "--cluster", "west", "--format", "json")
    result = run_cli(*args, cwd=repo.path)
    document = document_of(result, "explain")
    assert {k: v for k, v in document.items() if k not in COMMON_HEAD} == {
        "object": "FederatedDeployment/web/api",
        "file": "fleet/apps.yaml",
        "line": 10,
        "column": 1,
        "scheduledBy": None,
        "requiredBy": {},
        "preservedBy": None,
        "dependencies": [],
        "workloadGroups": [],
        "clusters": [
            {
                "name": "west",
                "placed": True,
                "file": "rendered/west/web/deployment.apps_api.yaml",
                "reasons": [
                    "placement selects it (clusterSelector <everything>)",
                    "FederatedNamespace web is placed there too",
                    "overrides[0]: replace /spec/replicas = 3",
                ],
                "replicas": {
                    "value": 3,
                    "source": "override",
                    "by": "overrides[0]",
                    "file": "fleet/apps.yaml",
                    "line": 35,
                    "column": 11,
                },
                "capacity": None,  # KubeFed placed it: no Karmada capacity estimate
                # Every check, skipped: the inventory entry declares nothing to check against.
                "feasibility": [
                    {
                        "check": check,
                        "result": "skipped",
                        "reasons": [f"the cluster's inventory entry has no {needs}"],
                    }
                    for check, needs in (
                        ("api-versions", "kubernetesVersion"),
                        ("references", "provides"),
                        ("fargate", "compute.fargateProfiles"),
                        ("node-pools", "compute.nodePools"),
                    )
                ],
                "traffic": [],  # the fleet has no traffic settings
            }
        ],
        "problems": [],
    }
    text = run_cli("explain", "Deployment/web/api", "--cluster", "west", cwd=repo.path)
    assert text.out.splitlines()[0] == "FederatedDeployment/web/api (fleet/apps.yaml:10:1)"


def test_internal_error_still_ends_the_document(
    repo: FleetRepo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kfedgen.pipeline  # noqa: PLC0415

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the spec builder fell over")

    monkeypatch.setattr(kfedgen.pipeline, "build_spec", crash)
    result = run_cli("plan", "--format", "json", cwd=repo.path)
    assert result.code == 3
    document = document_of(result, "plan")
    assert document["error"] == "internal error: RuntimeError: the spec builder fell over"
    assert "This is a bug in kfedgen" in result.err


def test_a_real_process_piped_into_jq(repo: FleetRepo) -> None:
    """The console entry point in its own process, its stdout piped straight into jq."""
    jq = shutil.which("jq")
    if jq is None:
        pytest.skip("jq is not installed")
    edit(repo, *BREAK)
    for args, code in ((["render", "--check"], 2), (["plan"], 2), (["validate"], 2)):
        with subprocess.Popen(
            [sys.executable, "-m", "kfedgen", *args, "--format", "json"],
            cwd=repo.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as kfedgen:
            assert kfedgen.stdout is not None
            assert kfedgen.stderr is not None
            filtered = subprocess.run(
                [jq, "-r", ".exitCode, .error, .problems[0].message"],
                stdin=kfedgen.stdout,
                capture_output=True,
                text=True,
                check=True,
            )
            err = kfedgen.stderr.read()
            assert kfedgen.wait() == code
        assert b"the fleet spec has 1 problem" in err
        assert filtered.stdout.splitlines() == [
            str(code),
            "the fleet spec has 1 problem",
            "cluster 'wset' is not in the inventory",
        ]


# ---------------------------------------------------------------------------------------
# Every field is documented
# ---------------------------------------------------------------------------------------

JSON_SECTION = README.split("### Machine-readable output", 1)[-1].split("\n## ", 1)[0]


def documented_fields() -> set[str]:
    """Every field name the section puts in backquotes (``problems[].severity`` counts too)."""
    names = re.findall(r"`([A-Za-z]+(?:\[\])?(?:\.[A-Za-z]+)*)`", JSON_SECTION)
    return {part for name in names for part in name.replace("[]", "").split(".")}


@pytest.mark.parametrize("case", ["render", "check -v", "validate kube", "plan", "explain", "diff"])
def test_every_field_is_in_the_readme(case: str, repo: FleetRepo, run_cli: RunCli) -> None:
    args, command, _, _ = CASES[case]
    repo.write(*WARN)
    document = document_of(run_cli(*args, "--format", "json", cwd=repo.path), command)
    assert "### Machine-readable output" in README
    fields = documented_fields()
    missing = [key for key in document if key not in fields]
    missing += [key for key in PROBLEM_FIELDS if key not in fields]
    assert missing == [], f"README's Machine-readable output section lacks {missing}"
