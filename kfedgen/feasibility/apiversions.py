"""Check: every rendered object's apiVersion/kind is served by the cluster it is rendered to.

The rules are :mod:`kfedgen.servedapis` (Kubernetes' removed and not-yet-served APIs by
version; custom kinds through ``apis`` or a CustomResourceDefinition rendered to the same
cluster).  Karmada's scheduler already keeps an object away from a cluster that does not
serve it (:mod:`kfedgen.karmada.scheduler`), so what reaches this check is what KubeFed
placed there, or what Karmada could not decide at placement (a kind whose CRD the fleet
holds but did not render to that cluster).  The object would be rejected by the member
cluster's API server, so it is an error, reported once per object and cluster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from kfedgen.errors import Problem, Severity
from kfedgen.feasibility.finding import finding
from kfedgen.model import Cluster
from kfedgen.rendered import RenderedObject
from kfedgen.servedapis import Enablement, Served, crd_kinds, served


def check_api_versions(cluster: Cluster, objects: Sequence[RenderedObject]) -> Iterator[Problem]:
    """Objects whose API the cluster's ``kubernetesVersion`` (and ``apis``) does not serve."""
    crds = crd_kinds(obj.manifest for obj in objects)
    answers: dict[tuple[str, str], Served] = {}  # a cluster's objects are of a few kinds
    for obj in objects:
        key = (obj.api_version, obj.kind)
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = served(cluster, *key, crds)
        if answer.enablement is Enablement.DISABLED:
            problem = finding(obj, ("apiVersion",), answer.reason, answer.fix)
            yield replace(problem, severity=Severity.ERROR)
