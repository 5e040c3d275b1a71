"""Which volumes of a pod are Amazon EBS volumes, as far as the rendered objects say.

AWS's EBS CSI driver page (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html,
"You can't mount Amazon EBS volumes to Fargate Pods") is why :mod:`kfedgen.feasibility.fargate`
asks.  A volume is EBS when it is an in-tree ``awsElasticBlockStore`` volume, an inline
``csi`` volume of the ``ebs.csi.aws.com`` driver, or a claim (a ``persistentVolumeClaim``
of a PVC rendered to the cluster, an ``ephemeral`` volume's template, a StatefulSet's
``volumeClaimTemplates``) whose StorageClass, named or the cluster's default, is rendered
to the cluster with an EBS provisioner.  What the rendered objects do not say (a
StorageClass the platform created) is not guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath
from kfedgen.feasibility.podspec import PodTemplate, mappings
from kfedgen.rendered import RenderedObject

EBS_DOCS = "https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html"
EBS_PROVISIONERS = frozenset({"ebs.csi.aws.com", "kubernetes.io/aws-ebs"})
_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True)
class Storage:
    """The cluster's rendered StorageClasses (EBS or not, and the default) and PVCs."""

    ebs_classes: frozenset[str]
    default_class: str | None
    claims: Mapping[tuple[str, str], Any]  # (namespace, name) -> the PVC's spec

    def is_ebs(self, claim_spec: Any) -> bool:
        """Whether a claim of this spec is provisioned on EBS."""
        spec = claim_spec if isinstance(claim_spec, Mapping) else {}
        name = spec.get("storageClassName")
        if name is None:  # absent or null: the default class ("" asks for none)
            name = self.default_class
        return isinstance(name, str) and name in self.ebs_classes


def storage_of(objects: Sequence[RenderedObject]) -> Storage:
    """What the cluster's rendered objects say about its storage."""
    ebs: set[str] = set()
    default: str | None = None
    claims: dict[tuple[str, str], Any] = {}
    for obj in objects:
        if obj.kind == "StorageClass" and obj.api_version == "storage.k8s.io/v1":
            if obj.manifest.get("provisioner") in EBS_PROVISIONERS:
                ebs.add(obj.name)
            annotations = obj.manifest.get("metadata", {}).get("annotations") or {}
            if annotations.get(_DEFAULT_CLASS) == "true":
                default = obj.name
        elif obj.kind == "PersistentVolumeClaim" and obj.api_version == "v1":
            claims[(obj.namespace, obj.name)] = obj.manifest.get("spec")
    return Storage(frozenset(ebs), default, claims)


def ebs_volumes(
    obj: RenderedObject, template: PodTemplate, storage: Storage
) -> Iterator[tuple[DocPath, str]]:
    """Each EBS volume of the pod: where it is and what makes it EBS."""
    base = (*template.path, "spec", "volumes")
    for index, volume in enumerate(mappings(template.spec.get("volumes"))):
        where = (*base, index)
        csi = volume.get("csi")
        claim = volume.get("persistentVolumeClaim")
        ephemeral = volume.get("ephemeral")
        if "awsElasticBlockStore" in volume:
            yield (*where, "awsElasticBlockStore"), "an awsElasticBlockStore volume"
        elif isinstance(csi, Mapping) and csi.get("driver") == "ebs.csi.aws.com":
            yield (*where, "csi", "driver"), "a volume of the EBS CSI driver"
        elif isinstance(claim, Mapping) and isinstance(claim.get("claimName"), str):
            spec = storage.claims.get((obj.namespace, claim["claimName"]))
            if spec is not None and storage.is_ebs(spec):
                name = claim["claimName"]
                yield (*where, "persistentVolumeClaim"), f"PersistentVolumeClaim {name} is on EBS"
        elif isinstance(ephemeral, Mapping):
            template_spec = (ephemeral.get("volumeClaimTemplate") or {}).get("spec")
            if storage.is_ebs(template_spec):
                yield (*where, "ephemeral"), "an ephemeral volume claimed on EBS"
    if obj.kind == "StatefulSet":
        spec = obj.manifest.get("spec") or {}
        for index, claim_template in enumerate(mappings(spec.get("volumeClaimTemplates"))):
            if storage.is_ebs(claim_template.get("spec")):
                yield ("spec", "volumeClaimTemplates", index), "a volume claim template on EBS"
