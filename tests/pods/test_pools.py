"""Which node pools take a pod: pod specs alike in what the judgement reads are judged once."""

from __future__ import annotations

from typing import Any

from kfedgen.errors import Location
from kfedgen.model import Cluster, Compute, NodePool, Taint
from kfedgen.pods import pools as pools_module
from kfedgen.pods.pools import placement, pools_of
from kfedgen.podtemplates import pod_template

GPU = NodePool(
    "gpu",
    2,
    {"nvidia.com/gpu.present": "true"},
    (Taint("nvidia.com/gpu", "true", "NoSchedule"),),
    {"cpu": "8", "memory": "32Gi", "pods": "110"},
)
GENERAL = NodePool("general", 3, {"kubernetes.io/arch": "amd64"}, (), {"cpu": "4"})


def _deployment(image: str, cpu: str = "1", **pod: Any) -> dict[str, Any]:
    container = {"name": "app", "image": image, "resources": {"requests": {"cpu": cpu}}}
    spec = {"containers": [container], **pod}
    return {"kind": "Deployment", "spec": {"template": {"spec": spec}}}


def _placed(manifest: dict[str, Any]) -> Any:
    cluster = Cluster(
        "c", {}, Location("inventory.yaml"), compute=Compute(node_pools=(GENERAL, GPU))
    )
    pools = pools_of(cluster)
    template = pod_template("Deployment", manifest)
    assert template is not None
    return placement(template, pools, tuple(p.key for p in pools))


def test_pod_specs_that_differ_only_in_what_pools_do_not_read_are_judged_once() -> None:
    pools_module._ALIKE.clear()
    first = _placed(_deployment("web:1"))
    again = _placed(_deployment("web:2"))  # another image: another pod spec, the same verdict
    assert again is first
    assert first[1] == (0,)  # the general pool; the GPU pool's taint is not tolerated
    assert "taint" in first[2][0].reason


def test_what_the_judgement_reads_gives_its_own_verdict() -> None:
    tolerating = _placed(
        _deployment("web:1", tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists"}])
    )
    assert tolerating[1] == (0, 1)
    selecting = _placed(_deployment("web:1", nodeSelector={"nvidia.com/gpu.present": "true"}))
    assert selecting[1] == ()  # the GPU pool takes it by label, but not without a toleration
    big = _placed(_deployment("web:1", cpu="6"))
    assert big[1] == () and "one node allocates" in big[2][0].reason
