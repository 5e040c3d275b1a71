"""The ``gitops`` section is parsed once, where the Fleet is read, into typed settings."""

from __future__ import annotations

from kfedgen.gitops.settings import ArgoCDSettings, FluxSettings, GitOpsSettings, parse_gitops
from tests.fleets import compile_fleet, fleet_errors

FLEET = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters: [{name: east, server: "https://east.example.com"}]
  gitops:
    repoURL: https://git.example.com/fleet.git
    argocd: {enabled: true, namePrefix: app-, syncPolicy: {syncOptions: [A=b]}}
"""


def test_absent_or_empty_section_has_no_settings() -> None:
    assert parse_gitops(None) is None
    assert parse_gitops({}) is None


def test_the_engines_defaults_apply_to_an_absent_section() -> None:
    settings = parse_gitops({"repoURL": "https://git.example.com/x.git"})
    assert settings == GitOpsSettings(
        repo_url="https://git.example.com/x.git",
        target_revision=None,
        argocd=ArgoCDSettings(
            enabled=False,
            namespace="argocd",
            project="default",
            root_project="default",
            name_prefix="",
            app_project=False,
            sync_policy={},
        ),
        flux=FluxSettings(
            enabled=False,
            namespace="flux-system",
            interval="10m",
            source_interval="1m",
            name_prefix="",
            source_name="fleet",
            source_secret=None,
            ref=None,
            local_cluster=None,
            kubeconfig_template="{cluster}-kubeconfig",
        ),
    )
    assert settings.enabled == ()


def test_the_fleet_spec_holds_the_typed_settings() -> None:
    gitops = compile_fleet(FLEET).spec.gitops
    assert gitops is not None
    assert gitops.enabled == ("argocd",)
    assert gitops.repo_url == "https://git.example.com/fleet.git"
    assert gitops.argocd.name_prefix == "app-"
    assert gitops.argocd.sync_policy == {"syncOptions": ["A=b"]}
    assert not gitops.flux.enabled


def test_a_broken_section_is_reported_once_and_not_checked_further() -> None:
    broken = FLEET.replace("namePrefix: app-", "namePrefix: 7")
    assert fleet_errors(broken) == [
        "fleet/inventory.yaml:7:29: spec.gitops.argocd.namePrefix: expected a string, "
        "got an integer"
    ]


def test_a_disabled_engines_values_are_still_checked() -> None:
    fleet = FLEET + "    flux: {enabled: false, kubeConfigSecretTemplate: ' {cluster}'}\n"
    assert fleet_errors(fleet) == [
        "fleet/inventory.yaml:8:28: spec.gitops.flux.kubeConfigSecretTemplate: "
        "flux.kubeConfigSecretTemplate ' {cluster}' starts or ends with whitespace (remove it)"
    ]
