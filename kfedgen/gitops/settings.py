"""The Fleet's ``spec.gitops`` section as typed values, with the engines' defaults applied.

:func:`parse_gitops` is called once, where the Fleet document is read (stage 2, the
inventory), and only on a section that passed the Fleet schema: the types below are the
schema's, so nothing downstream looks at the mapping again.  An engine's settings are kept
even while it is disabled, because its values are still checked
(:mod:`kfedgen.gitops.values`) once the other engine is enabled.

This module is a leaf of the package: :mod:`kfedgen.model` holds a :class:`GitOpsSettings`,
so nothing here may import the model or the rest of the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kfedgen.errors import DocPath

GITOPS: DocPath = ("spec", "gitops")
# The key of an engine's section, which is also how problems name the engine.
Engine = Literal["argocd", "flux"]


@dataclass(frozen=True)
class ArgoCDClusterSettings:
    """``gitops.argocd.clusters.<name>``: what differs in one cluster's Application."""

    sync_wave: int | None = None
    sync_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArgoCDSettings:
    """``gitops.argocd`` with defaults applied."""

    enabled: bool
    namespace: str
    project: str
    root_project: str
    name_prefix: str
    app_project: bool
    sync_policy: Mapping[str, Any]
    application_set: bool = False
    ignore_differences: tuple[Mapping[str, Any], ...] = ()
    revision_history_limit: int | None = None
    clusters: Mapping[str, ArgoCDClusterSettings] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ArgoCDSettings:
        """The settings of a schema-valid ``gitops.argocd`` mapping (empty when absent)."""
        return cls(
            enabled=bool(raw.get("enabled")),
            namespace=raw.get("namespace", "argocd"),
            project=raw.get("project", "default"),
            root_project=raw.get("rootProject", "default"),
            name_prefix=raw.get("namePrefix", ""),
            app_project=bool(raw.get("appProject", False)),
            application_set=bool(raw.get("applicationSet", False)),
            sync_policy=raw.get("syncPolicy") or {},
            ignore_differences=tuple(raw.get("ignoreDifferences") or ()),
            revision_history_limit=raw.get("revisionHistoryLimit"),
            clusters={
                name: ArgoCDClusterSettings(
                    sync_wave=entry.get("syncWave"),
                    sync_options=tuple(entry.get("syncOptions") or ()),
                )
                for name, entry in (raw.get("clusters") or {}).items()
            },
        )

    def sync_options(self, cluster: str) -> list[str]:
        """The syncOptions of ``cluster``'s Application.

        A cluster's option replaces the fleet-wide option of the same name, in its place;
        the cluster's other options follow, in their order.
        """
        options = {_option_name(o): o for o in self.sync_policy.get("syncOptions") or ()}
        if cluster in self.clusters:
            options.update({_option_name(o): o for o in self.clusters[cluster].sync_options})
        return list(options.values())

    def names(self) -> tuple[tuple[str, str | None], ...]:
        """The settings written as names into the objects, by their key in the Fleet."""
        return (
            ("namespace", self.namespace),
            ("project", self.project),
            ("rootProject", self.root_project),
            ("namePrefix", self.name_prefix),
        )


@dataclass(frozen=True)
class FluxSettings:
    """``gitops.flux`` with defaults applied."""

    enabled: bool
    namespace: str
    interval: str
    source_interval: str
    name_prefix: str
    source_name: str
    source_secret: str | None
    ref: Mapping[str, str] | None
    local_cluster: str | None
    kubeconfig_template: str
    # Each cluster's Kustomization only (the root applies _flux/ itself).
    wait: bool | None = None
    timeout: str | None = None
    retry_interval: str | None = None
    health_checks: tuple[Mapping[str, str], ...] = ()
    # cluster -> the clusters its Kustomization depends on.
    depends_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> FluxSettings:
        """The settings of a schema-valid ``gitops.flux`` mapping (empty when absent)."""
        return cls(
            enabled=bool(raw.get("enabled")),
            namespace=raw.get("namespace", "flux-system"),
            interval=raw.get("interval", "10m"),
            source_interval=raw.get("sourceInterval", "1m"),
            name_prefix=raw.get("namePrefix", ""),
            source_name=raw.get("sourceName", "fleet"),
            source_secret=raw.get("sourceSecretName"),
            ref=raw.get("ref"),
            local_cluster=raw.get("localCluster"),
            kubeconfig_template=raw.get("kubeConfigSecretTemplate", "{cluster}-kubeconfig"),
            wait=raw.get("wait"),
            timeout=raw.get("timeout"),
            retry_interval=raw.get("retryInterval"),
            health_checks=tuple(raw.get("healthChecks") or ()),
            depends_on={
                name: tuple(entry.get("dependsOn") or ())
                for name, entry in (raw.get("clusters") or {}).items()
            },
        )

    def names(self) -> tuple[tuple[str, str | None], ...]:
        """The settings written as names into the objects, by their key in the Fleet."""
        return (
            ("namespace", self.namespace),
            ("namePrefix", self.name_prefix),
            ("sourceName", self.source_name),
            ("sourceSecretName", self.source_secret),
            ("localCluster", self.local_cluster),
            ("kubeConfigSecretTemplate", self.kubeconfig_template),
            ("interval", self.interval),
            ("sourceInterval", self.source_interval),
        )


@dataclass(frozen=True)
class GitOpsSettings:
    """``spec.gitops``: the repository both engines sync from, and each engine's settings."""

    # None when not set: required once an engine is enabled (a check reports it).
    repo_url: str | None
    # As written; None when not set (Argo CD then follows HEAD, Flux needs flux.ref).
    target_revision: str | None
    argocd: ArgoCDSettings
    flux: FluxSettings

    @property
    def enabled(self) -> tuple[Engine, ...]:
        """The engines that are enabled, Argo CD first (the order of their problems)."""
        engines: tuple[tuple[Engine, bool], ...] = (
            ("argocd", self.argocd.enabled),
            ("flux", self.flux.enabled),
        )
        return tuple(engine for engine, on in engines if on)

    @property
    def source_url(self) -> str:
        """``repo_url`` once the checks have passed (an enabled engine requires it)."""
        assert self.repo_url is not None  # noqa: S101 - check_gitops ensured it
        return self.repo_url


def parse_gitops(raw: Mapping[str, Any] | None) -> GitOpsSettings | None:
    """The settings of a schema-valid ``spec.gitops`` mapping; None when it is absent or empty."""
    if not raw:
        return None
    return GitOpsSettings(
        repo_url=raw.get("repoURL"),
        target_revision=raw.get("targetRevision"),
        argocd=ArgoCDSettings.parse(raw.get("argocd") or {}),
        flux=FluxSettings.parse(raw.get("flux") or {}),
    )


def _option_name(option: str) -> str:
    # "CreateNamespace=true" -> "CreateNamespace" (the schema requires Name=value).
    return option.partition("=")[0]
