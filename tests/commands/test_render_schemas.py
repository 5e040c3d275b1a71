"""``render`` checks each cluster's objects against its ``kubernetesVersion``'s schemas.

The fixture (``fixtures/schema-versions/``) has a 1.29 cluster, a 1.31 one, a 1.24 one (no
bundled schemas) and a lab cluster that declares no version; its Service sets
``spec.trafficDistribution``, a field of Kubernetes 1.30 and later.  Only the 1.29
cluster's copy is invalid.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import kfedgen.backend.kubequick
import kfedgen.backend.kubevalidate
from kfedgen.backend.clusterschemas import VERDICTS_FILE
from kfedgen.backend.statcache import cache_dir
from tests.conftest import RunCli, snapshot

FIXTURE = Path(__file__).parent / "fixtures" / "schema-versions"
SERVICE = "rendered/eks-apne1/shop/service_web.yaml"
FINDING = (
    f"{SERVICE}:13:3: spec.trafficDistribution: warning: eks-apne1/Service/shop/web: "
    "unknown field 'trafficDistribution' (allowed: "
)
UNBUNDLED = (
    "kfedgen: no bundled schemas for Kubernetes 1.24 (bundled: 1.25 to {last}); those "
    "clusters' objects are not schema-checked\n"
)


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE / "fleet", tmp_path / "fleet")
    return tmp_path


def forbid_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any validation from now on fails: jsonschema's, and the quick check's."""
    monkeypatch.setattr(kfedgen.backend.kubevalidate, "validate_content", fail)
    monkeypatch.setattr(kfedgen.backend.kubequick.QuickSchemas, "verdict", fail)


def fail(*args: object, **kwargs: object) -> None:
    raise AssertionError("validated again")


def edit(fleet: Path, old: str, new: str) -> None:
    path = fleet / "fleet" / "shop.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problem_lines(err: str) -> list[str]:
    """The lines of ``err`` that report a problem (file:line:column: ...)."""
    return [line for line in err.splitlines() if line.startswith(("rendered/", "fleet/"))]


def test_render_warns_of_an_object_its_clusters_version_rejects_and_writes(
    fleet: Path, run_cli: RunCli
) -> None:
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    [line] = problem_lines(result.err)  # not the 1.31 cluster, nor the 1.24 and lab ones
    assert line.startswith(FINDING)
    assert b"trafficDistribution: PreferClose" in (fleet / SERVICE).read_bytes()
    assert (fleet / "rendered/eks-euw1/shop/service_web.yaml").is_file()


def test_strict_makes_the_finding_an_error_and_writes_nothing(fleet: Path, run_cli: RunCli) -> None:
    result = run_cli("render", "--strict", cwd=fleet)
    assert result.code == 2
    [line] = problem_lines(result.err)
    assert line.startswith(FINDING.replace("warning: ", ""))
    assert "nothing was written" in result.err
    assert not (fleet / "rendered").exists()


def test_check_reports_what_render_reports(fleet: Path, run_cli: RunCli) -> None:
    before = run_cli("render", "--check", cwd=fleet)  # nothing rendered yet: compiled
    assert before.code == 1
    rendered = run_cli("render", cwd=fleet)
    current = run_cli("render", "--check", cwd=fleet)  # the compile cache answers
    assert current.code == 0, current.err
    lines = problem_lines(rendered.err)
    assert lines and problem_lines(before.err) == lines == problem_lines(current.err)
    assert (
        json.loads(run_cli("render", "--format", "json", cwd=fleet).out)["problems"]
        == json.loads(run_cli("render", "--check", "--format", "json", cwd=fleet).out)["problems"]
    )


def test_json_and_github_formats_locate_the_finding_in_the_rendered_file(
    fleet: Path, run_cli: RunCli
) -> None:
    result = run_cli("render", "--format", "json", cwd=fleet)
    assert result.code == 0, result.err
    [problem] = json.loads(result.out)["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == (SERVICE, 13, 3)
    assert problem["severity"] == "warning"
    assert problem["message"].startswith(
        "eks-apne1/Service/shop/web: unknown field 'trafficDistribution'"
    )
    assert "no bundled schemas" not in result.err  # the text format's line
    github = run_cli("render", "--check", "--format", "github", cwd=fleet)
    assert (
        f"::warning file={SERVICE},line=13,col=3,title=kfedgen::spec.trafficDistribution: "
        "eks-apne1/Service/shop/web: unknown field 'trafficDistribution'"
    ) in github.err


def test_a_no_op_render_reports_the_findings_without_validating_again(
    fleet: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_cli("render", cwd=fleet)
    assert first.code == 0, first.err

    forbid_validation(monkeypatch)
    for args in (("render",), ("render", "--check")):
        again = run_cli(*args, cwd=fleet)
        assert again.code == 0, again.err
        assert "rendered is up to date" in again.err
        assert problem_lines(again.err) == problem_lines(first.err)
        assert again.err.count("no bundled schemas for Kubernetes 1.24") == 1
    # An edit that changes a rendered file is a miss: compiled, and that file validated.
    edit(fleet, "replicas: 2", "replicas: 3")
    missed = run_cli("render", cwd=fleet)
    assert missed.code != 0
    assert "validated again" in missed.err


def test_a_render_validates_only_the_files_it_has_not_validated_before(
    fleet: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_cli("render", cwd=fleet)
    assert first.code == 0, first.err
    # A comment changes the input (compiled again) but no rendered file: nothing to validate.
    forbid_validation(monkeypatch)
    edit(
        fleet,
        "apiVersion: types.kubefed.io/v1beta1\n",
        "# edited\napiVersion: types.kubefed.io/v1beta1\n",
    )
    again = run_cli("render", cwd=fleet)
    assert again.code == 0, again.err
    assert "rendered is up to date" in again.err
    assert problem_lines(again.err) == problem_lines(first.err)
    assert again.err.count("no bundled schemas for Kubernetes 1.24") == 1
    # Without the kept outcomes, the same render validates again.
    caches = cache_dir(fleet / "rendered")
    assert caches is not None
    (caches / VERDICTS_FILE).unlink()
    edit(fleet, "# edited\n", "# edited twice\n")
    missed = run_cli("render", cwd=fleet)
    assert missed.code != 0
    assert "validated again" in missed.err


def test_an_unbundled_version_is_said_once_and_a_cluster_without_one_not_at_all(
    fleet: Path, run_cli: RunCli
) -> None:
    last = kfedgen.backend.kubevalidate.supported_versions()[-1]
    result = run_cli("render", cwd=fleet)
    assert result.err.count("no bundled schemas") == 1
    assert UNBUNDLED.format(last=last) in result.err
    assert "lab" not in result.err


def test_without_versions_render_says_nothing_of_schemas(fleet: Path, run_cli: RunCli) -> None:
    inventory = fleet / "fleet" / "fleet.yaml"
    lines = inventory.read_text().splitlines(keepends=True)
    inventory.write_text("".join(line for line in lines if "kubernetesVersion" not in line))
    result = run_cli("render", cwd=fleet)
    assert result.code == 0, result.err
    assert problem_lines(result.err) == []
    assert "schema" not in result.err
    assert (
        "trafficDistribution"
        in snapshot(fleet / "rendered")["eks-apne1/shop/service_web.yaml"].decode()
    )


def test_validate_reports_each_finding_once(fleet: Path, run_cli: RunCli) -> None:
    result = run_cli("validate", cwd=fleet)
    assert result.code == 2
    assert result.err.count("unknown field 'trafficDistribution'") == 1
    assert result.err.count("no bundled schemas") == 1
    assert (
        "kfedgen: checked 3 of 3 rendered objects (3 distinct) against Kubernetes 1.29: 1 problem\n"
    ) in result.err


def test_a_corrupt_outcome_file_is_validated_again(fleet: Path, run_cli: RunCli) -> None:
    first = run_cli("render", cwd=fleet)
    caches = cache_dir(fleet / "rendered")
    assert caches is not None
    verdicts = caches / VERDICTS_FILE
    verdicts.write_bytes(verdicts.read_bytes().replace(b"trafficDistribution", b"x", 1))
    edit(fleet, "replicas: 2", "replicas: 3")
    again = run_cli("render", cwd=fleet)
    assert again.code == 0, again.err
    assert problem_lines(again.err) == problem_lines(first.err)
    assert b"trafficDistribution" in verdicts.read_bytes()  # written anew
