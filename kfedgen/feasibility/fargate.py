"""Check: pods bound for EKS Fargate can run there.

Each rule and where AWS says it (the Amazon EKS User Guide; its source is the
``awsdocs/amazon-eks-user-guide`` repository, ``latest/ug/nodes/fargate.adoc``, section
"AWS Fargate considerations", read at commit 1a98af5c):

=========================================  =============================================
rule                                       source
=========================================  =============================================
a pod runs on Fargate only when a profile  considerations: pods must match a Fargate
matches it when it is scheduled            profile when they are scheduled, else they
                                           may stay ``Pending``
a selector matches the namespace and all   ``fargate-profile.adoc``: selectors, and
its labels, ``*`` and ``?`` allowed in     "Fargate profile wildcards"; of several
the namespace, label keys and values; the  matching profiles Fargate takes the first by
``eks.amazonaws.com/fargate-profile``      name, unless the pod's label names one
label picks a profile
no DaemonSets                              considerations: DaemonSets are not supported
no privileged containers                   considerations: not supported
no ``hostPort``, no ``hostNetwork``        considerations: a Fargate pod cannot specify
                                           them in its manifest
no GPU requests (``nvidia.com/gpu``,       considerations: GPUs are not available (and
``amd.com/gpu``)                           the comparison table: no GPU workloads)
no EBS volumes                             considerations, and the EBS CSI driver page
                                           (:mod:`kfedgen.feasibility.ebs`)
=========================================  =============================================

Not a rule: ``hostPath`` volumes.  Neither the considerations nor the "Fargate storage"
section of ``fargate-pod-configuration.adoc`` (which documents EFS, static provisioning
only, and the pod's ephemeral storage) says anything about ``hostPath``.  Users do report
that Fargate's scheduler refuses some volumes ("Pod not supported on Fargate: volumes not
supported: ... is of an unsupported volume Type"), but AWS does not document which types,
so kfedgen does not guess; ``tests/feasibility/test_fargate.py`` holds that it stays quiet.

A pod that matches a profile is held to those rules.  A pod that matches none runs on
the cluster's nodes, so on a cluster whose inventory declares Fargate profiles and no
node pools it would stay Pending; so would a DaemonSet's pods there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath, Problem
from kfedgen.fargateprofiles import matching_profile
from kfedgen.feasibility.ebs import EBS_DOCS, Storage, ebs_volumes, storage_of
from kfedgen.feasibility.finding import finding, reason_about
from kfedgen.feasibility.memo import ByStandIn, manifest_facts
from kfedgen.feasibility.podspec import PodTemplate, mappings, pod_template
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject

__all__ = ["FARGATE_DOCS", "GPU_RESOURCES", "check_fargate", "fargate_reasons", "matching_profile"]

FARGATE_DOCS = "https://docs.aws.amazon.com/eks/latest/userguide/fargate.html"
_CONTAINERS = ("initContainers", "containers")
# Extended resources that are GPUs (the device plugins' names).
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")


@dataclass(frozen=True)
class _Pods:
    """What the check reads from one workload's manifest, whichever cluster it goes to."""

    kind: str
    namespace: str
    template: PodTemplate
    unsupported: tuple[tuple[DocPath, str], ...]  # what Fargate refuses in it


def _read(manifest: Mapping[str, Any]) -> _Pods | None:
    read = manifest_facts(manifest)
    if read.template is None:
        return None
    return _Pods(read.kind, read.namespace, read.template, tuple(_unsupported(read.template)))


_pods = ByStandIn(_read)


def check_fargate(cluster: Cluster, objects: Sequence[RenderedObject]) -> Iterator[Problem]:
    """Pods that no Fargate profile takes on a Fargate-only cluster, or that Fargate refuses."""
    if cluster.compute is None:
        return
    profiles, only = cluster.compute.fargate_profiles, cluster.compute.fargate_only
    storage: Storage | None = None  # read only when some pod runs on Fargate
    for obj in objects:
        pods = _pods(obj.manifest)
        if pods is None:
            continue
        template = pods.template
        if pods.kind == "DaemonSet":
            if only:
                yield finding(
                    obj,
                    (),
                    "the cluster runs pods on Fargate only, and Fargate does not run DaemonSets",
                    f"run it as a sidecar, or add a node pool to the cluster; see {FARGATE_DOCS}",
                )
            continue
        profile = matching_profile(profiles, pods.namespace, template.labels)
        if profile is None:
            if only:
                yield finding(
                    obj,
                    (*template.path, "metadata", "labels"),
                    f"no Fargate profile matches its pods (namespace {pods.namespace}, labels "
                    f"{_labels(template.labels)}) and the cluster has no node pools: they "
                    "would stay Pending",
                    "add a Fargate profile selector for the namespace and labels, or give "
                    "the pods a profile's labels",
                )
            continue
        for path, reason in pods.unsupported:
            yield finding(
                obj,
                path,
                f"its pods match Fargate profile {profile.name}, and {reason}",
                f"remove it, or keep the pods off Fargate profiles; see {FARGATE_DOCS}",
            )
        storage = storage if storage is not None else storage_of(objects)
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
