"""Check: pods bound for EKS Fargate can run there.

The rules are AWS's "AWS Fargate considerations" in the Amazon EKS user guide,
https://docs.aws.amazon.com/eks/latest/userguide/fargate.html: a pod runs on Fargate
only when it matches a Fargate profile (a selector's namespace, which may hold ``*`` and
``?``, and all of its labels) when it is scheduled; DaemonSets are not supported;
privileged containers are not supported; pods cannot use ``hostPort`` or
``hostNetwork``; GPUs are not available.  The EBS CSI driver page adds that EBS volumes
cannot be mounted to Fargate pods (:mod:`kfedgen.feasibility.ebs`).

A pod that matches a profile is held to those rules.  A pod that matches none runs on
the cluster's nodes, so on a cluster whose inventory declares Fargate profiles and no
node pools it would stay Pending; so would a DaemonSet's pods there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath, Problem
from kfedgen.feasibility.ebs import EBS_DOCS, ebs_volumes, storage_of
from kfedgen.feasibility.finding import finding, reason_about
from kfedgen.feasibility.podspec import PodTemplate, mappings, pod_template
from kfedgen.model import Cluster
from kfedgen.pods.pools import matching_profile
from kfedgen.rendered import RenderedObject

FARGATE_DOCS = "https://docs.aws.amazon.com/eks/latest/userguide/fargate.html"
_CONTAINERS = ("initContainers", "containers")
# Extended resources that are GPUs (the device plugins' names).
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")


def check_fargate(cluster: Cluster, objects: Sequence[RenderedObject]) -> Iterator[Problem]:
    """Pods that no Fargate profile takes on a Fargate-only cluster, or that Fargate refuses."""
    if cluster.compute is None:
        return
    profiles, only = cluster.compute.fargate_profiles, cluster.compute.fargate_only
    storage = storage_of(objects)
    for obj in objects:
        template = pod_template(obj.kind, obj.manifest)
        if template is None:
            continue
        if obj.kind == "DaemonSet":
            if only:
                yield finding(
                    obj,
                    (),
                    "the cluster runs pods on Fargate only, and Fargate does not run DaemonSets",
                    f"run it as a sidecar, or add a node pool to the cluster; see {FARGATE_DOCS}",
                )
            continue
        profile = matching_profile(profiles, obj.namespace, template.labels)
        if profile is None:
            if only:
                yield finding(
                    obj,
                    (*template.path, "metadata", "labels"),
                    f"no Fargate profile matches its pods (namespace {obj.namespace}, labels "
                    f"{_labels(template.labels)}) and the cluster has no node pools: they "
                    "would stay Pending",
                    "add a Fargate profile selector for the namespace and labels, or give "
                    "the pods a profile's labels",
                )
            continue
        for path, reason in _unsupported(template):
            yield finding(
                obj,
                path,
                f"its pods match Fargate profile {profile.name}, and {reason}",
                f"remove it, or keep the pods off Fargate profiles; see {FARGATE_DOCS}",
            )
        for path, volume in ebs_volumes(obj, template, storage):
            yield finding(
                obj,
                path,
                f"its pods match Fargate profile {profile.name}, and Fargate pods cannot "
                f"mount EBS volumes ({volume})",
                f"use EFS or another storage class, or keep the pods off Fargate profiles; "
                f"see {EBS_DOCS}",
            )


def _unsupported(template: PodTemplate) -> Iterator[tuple[DocPath, str]]:
    spec, base = template.spec, (*template.path, "spec")
    if spec.get("hostNetwork") is True:
        yield (*base, "hostNetwork"), "Fargate does not support hostNetwork"
    for field in _CONTAINERS:
        for index, container in enumerate(mappings(spec.get(field))):
            where = (*base, field, index)
            security = container.get("securityContext")
            if isinstance(security, Mapping) and security.get("privileged") is True:
                path = (*where, "securityContext", "privileged")
                yield path, "Fargate does not run privileged containers"
            for number, port in enumerate(mappings(container.get("ports"))):
                if port.get("hostPort"):
                    path = (*where, "ports", number, "hostPort")
                    yield path, "Fargate does not support hostPort"
            for gpu in _gpus(container.get("resources")):
                path = (*where, "resources")
                yield path, f"Fargate has no GPUs ({gpu} requested)"


def _gpus(resources: Any) -> list[str]:
    if not isinstance(resources, Mapping):
        return []
    asked: set[str] = set()
    for section in ("requests", "limits"):
        values = resources.get(section)
        if isinstance(values, Mapping):
            asked.update(name for name in values if name in GPU_RESOURCES)
    return sorted(asked)


def _labels(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "none"


def fargate_reasons(
    cluster: Cluster, objects: Sequence[RenderedObject], obj: RenderedObject
) -> tuple[bool, list[str]]:
    """For ``explain``: whether Fargate runs ``obj``'s pods there, and why (or why not)."""
    found = [reason_about(p, obj) for p in check_fargate(cluster, objects)]
    reasons = [r for r in found if r is not None]
    if reasons:
        return False, reasons
    template = pod_template(obj.kind, obj.manifest)
    if template is None:
        return True, ["it runs no pods"]
    profiles = cluster.compute.fargate_profiles if cluster.compute is not None else ()
    profile = matching_profile(profiles, obj.namespace, template.labels)
    if obj.kind == "DaemonSet" or profile is None:
        return True, ["no Fargate profile takes its pods: they run on the node pools"]
    return True, [f"its pods match Fargate profile {profile.name}, and Fargate can run them"]
