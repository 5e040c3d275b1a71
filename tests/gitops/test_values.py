"""Values written into Argo CD and Flux objects are what the engines and git accept.

The refusals themselves are corpus fixtures (tests/bad_inputs/gitops-*.yaml); these tests
compare the ref-name rules with real ``git check-ref-format`` and pin down which
repository URLs each engine gets.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kfedgen.gitops.values import ref_name_problem, repo_url_problem, revision_problem
from tests.fleets import compile_fleet, fleet_errors

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")

# Characters every check-ref-format rule is about, plus ordinary ones.
_REF_CHARS = st.sampled_from([*"ab/.-@{}~^:?*[\\ \t\x7fé", "lock", "main", ".."])
_REF_NAMES = st.lists(_REF_CHARS, min_size=1, max_size=8).map("".join)


def git_accepts(name: str) -> bool:
    assert GIT is not None
    done = subprocess.run(
        [GIT, "check-ref-format", "--allow-onelevel", name], capture_output=True, check=False
    )
    return done.returncode == 0


@needs_git
@settings(max_examples=300, deadline=None)
@given(name=_REF_NAMES)
def test_ref_names_follow_git_check_ref_format(name: str) -> None:
    if name.startswith("-"):
        # git would take it as an option; kfedgen refuses it outright.
        assert ref_name_problem(name, "ref") is not None
        return
    assert (ref_name_problem(name, "ref") is None) == git_accepts(name), name


@needs_git
@pytest.mark.parametrize(
    "name",
    ["main", "release/1.x", "v1.2.3", "refs/pull/42/head", "feature/été", "a" * 40, "HEAD"],
)
def test_ordinary_revisions_are_accepted(name: str) -> None:
    assert revision_problem(name) is None
    assert git_accepts(name)


@pytest.mark.parametrize(
    ("url", "flux_too"),
    [
        ("https://github.com/acme/fleet.git", True),
        ("http://git.internal:8080/acme/fleet", True),
        ("ssh://git@github.com/acme/fleet.git", True),
        ("ssh://git@github.com:2222/acme/fleet.git", True),
        ("https://deploy@github.com/acme/fleet.git", True),  # a user name, no password
        ("git@github.com:acme/fleet.git", False),  # Argo CD's scp-like SSH form only
    ],
)
def test_accepted_repository_urls(url: str, flux_too: bool) -> None:
    assert repo_url_problem(url, flux=False) is None
    assert (repo_url_problem(url, flux=True) is None) == flux_too


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://github.com", "names no repository"),
        ("https:///acme/fleet", "has no host"),
        ("https://github.com:port/acme", "is not a valid URL"),
        ("git://github.com/acme/fleet", "scheme 'git'"),
        ("ssh://-oProxyCommand=x/fleet", "host starting with '-'"),
        ("git@-oProxyCommand=x:fleet", "host starting with '-'"),
        ("https://github.com/acme/fleet.git\t", "contains a tab"),
        ("https://github.com/acme/fle et", "contains a space"),
    ],
)
def test_refused_repository_urls(url: str, problem: str) -> None:
    found = repo_url_problem(url, flux=False)
    assert found is not None
    assert problem in found[0]


def test_the_example_gitops_settings_still_render() -> None:
    fleet = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters: [{name: east, server: "https://east.example.com:6443"}, {name: west}]
  gitops:
    repoURL: ssh://git@github.com/acme/fleet.git
    targetRevision: release/2024.06
    argocd: {enabled: false}
    flux: {enabled: true, localCluster: west}
"""
    compilation = compile_fleet(fleet)
    source = compilation.tree.files["_flux/gitrepository.yaml"].decode()
    assert "url: ssh://git@github.com/acme/fleet.git" in source
    assert "branch: release/2024.06" in source


def test_every_bad_value_is_reported_in_one_run() -> None:
    fleet = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters: [{name: east, destinationName: " east"}]
  gitops:
    repoURL: git@github.com:acme/fleet.git
    targetRevision: "feature/x.lock"
    argocd: {enabled: true}
    flux: {enabled: true, ref: {tag: "v1^{}"}}
"""
    problems = fleet_errors(fleet)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "spec.clusters[0].destinationName",
        "spec.gitops.repoURL",
        "spec.gitops.targetRevision",
        "spec.gitops.flux.ref.tag",
    ], problems
