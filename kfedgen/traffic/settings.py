"""The Fleet's ``spec.traffic`` section as typed values, with kfedgen's defaults applied.

Parsed once, where the Fleet is read, and only from a section that passed the Fleet schema.
A leaf: :mod:`kfedgen.model` holds a :class:`TrafficSettings`, so nothing here may import
the model or the rest of the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kfedgen.errors import DocPath

TRAFFIC: DocPath = ("spec", "traffic")

# external-dns's annotation prefix before v0.22.0, and the one the users run; v0.22.0
# switched its default to ``external-dns.kubernetes.io/`` (source/annotations/annotations.go,
# DefaultAnnotationPrefix) and keeps the old one behind ``--annotation-prefix``.
DEFAULT_DNS_PREFIX = "external-dns.alpha.kubernetes.io/"
# Route 53 weights are 0..255 (ChangeResourceRecordSets, Weight); 100 reads as a percentage.
DNS_WEIGHT_TOTAL = 100
# The kubernetes.io examples' pause image; cluster-autoscaler's FAQ uses the same kind of pod.
DEFAULT_PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
# Negative, so placeholders yield to every workload, but not below cluster-autoscaler's
# --expendable-pods-priority-cutoff (default -10): pods below it never trigger a scale-up.
DEFAULT_PRIORITY = -1
DEFAULT_PRIORITY_CLASS = "kfedgen-overprovisioning"

Mechanism = Literal["mcs-api", "linkerd"]
Split = Literal["smi", "gateway-api"]
HeadroomPolicy = Literal["absorb-largest-cluster", "percent"]


@dataclass(frozen=True)
class DNSSettings:
    """``traffic.dns``: the external-dns provider whose weighted records kfedgen writes."""

    provider: Literal["aws"]
    prefix: str = DEFAULT_DNS_PREFIX


@dataclass(frozen=True)
class MultiClusterSettings:
    """``traffic.multiCluster``: how MultiClusterServices are rendered, and the split."""

    mechanism: Mechanism
    split: Split | None = None


@dataclass(frozen=True)
class HeadroomSettings:
    """``traffic.headroom``: how much spare capacity each cluster keeps for a failure."""

    policy: HeadroomPolicy
    percent: int = 0
    priority: int = DEFAULT_PRIORITY
    priority_class: str = DEFAULT_PRIORITY_CLASS
    image: str = DEFAULT_PAUSE_IMAGE


@dataclass(frozen=True)
class TrafficSettings:
    """``spec.traffic``: each part is None when it is not set (nothing is rendered for it)."""

    dns: DNSSettings | None = None
    multi_cluster: MultiClusterSettings | None = None
    headroom: HeadroomSettings | None = None


def parse_traffic(raw: Mapping[str, Any] | None) -> TrafficSettings | None:
    """The settings of a schema-valid ``spec.traffic`` mapping; None when absent or empty."""
    if not raw:
        return None
    dns, multi, headroom = raw.get("dns"), raw.get("multiCluster"), raw.get("headroom")
    return TrafficSettings(
        dns=DNSSettings(dns["provider"], dns.get("annotationPrefix", DEFAULT_DNS_PREFIX))
        if dns
        else None,
        multi_cluster=MultiClusterSettings(multi["mechanism"], multi.get("split"))
        if multi
        else None,
        headroom=HeadroomSettings(
            policy=headroom["policy"],
            percent=headroom.get("percent", 0),
            priority=headroom.get("priority", DEFAULT_PRIORITY),
            priority_class=headroom.get("priorityClassName", DEFAULT_PRIORITY_CLASS),
            image=headroom.get("image", DEFAULT_PAUSE_IMAGE),
        )
        if headroom
        else None,
    )


def traffic_problems(raw: Mapping[str, Any]) -> list[tuple[DocPath, str, str]]:
    """What a schema-valid ``spec.traffic`` combines wrongly: (path, message, hint) each."""
    found = []
    multi, headroom = raw.get("multiCluster") or {}, raw.get("headroom") or {}
    if "split" in multi and multi.get("mechanism") != "linkerd":
        found.append(
            (
                (*TRAFFIC, "multiCluster", "split"),
                f"a split needs mechanism linkerd, not {multi.get('mechanism')}",
                "the MCS API merges every provider's endpoints behind one ServiceImport, so "
                "traffic already follows the replicas; remove 'split' or use linkerd",
            )
        )
    if headroom.get("policy") == "percent" and "percent" not in headroom:
        found.append(
            (
                (*TRAFFIC, "headroom"),
                "policy percent needs 'percent'",
                "add percent: N (the headroom as N% of each workload's replicas)",
            )
        )
    return found
