"""Invalid Karmada input through the command line: exit 2, every problem located, no output."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import (
    RunCli,
    snapshot,
)
from tests.fleets import to_yaml
from tests.karmada._documents import (
    KARMADA_INVENTORY,
    deployment,
)

POLICIES = """\
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: app}
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity:
      clusterNames: [eu, euu, lab]
    clusterTolerations: [{operator: Exists}]
    spreadConstraints:
      - {spreadByField: cluster, maxGroups: 2}
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference: {dynamicWeight: AvailableReplicas}
"""

OVERLAYS = """\
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: registry, namespace: app}
spec:
  overrideRules:
    - targetCluster: {clusterNames: [ap]}
      overriders:
        plaintext:
          - {path: /metadata/labels/x, operator: add}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: mirror}
spec:
  overrideRules:
    - overriders:
        imageOverrider:
          - {component: Registry, operator: swap, value: mirror.example.com}
"""


def test_karmada_problems_are_reported_together_and_nothing_is_written(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "overlays").mkdir()
    (tmp_path / "fleet" / "inventory.yaml").write_text(KARMADA_INVENTORY)
    (tmp_path / "fleet" / "web.yaml").write_text(to_yaml(deployment()) + "---\n" + POLICIES)
    (tmp_path / "overlays" / "registry.yaml").write_text(OVERLAYS)
    (tmp_path / "rendered").mkdir()
    (tmp_path / "rendered" / "keep.txt").write_text("previous output")
    before = snapshot(tmp_path / "rendered")

    result = run_cli("render", cwd=tmp_path)

    assert result.code == 2
    errors = [line for line in result.err.splitlines() if ": warning:" not in line]
    assert errors == [
        "fleet/web.yaml:30:26: spec.placement.clusterAffinity.clusterNames[1]: cluster 'euu' is "
        "not in the inventory (did you mean 'eu'?)",
        "fleet/web.yaml:32:5: spec.placement.spreadConstraints: spreadConstraints with Divided "
        "replicas select clusters by each cluster's capacity, which Karmada estimates live; "
        "declare it for lab (set availableReplicas in the Fleet, or the "
        "kfedgen.io/available-replicas annotation on a Karmada Cluster)",
        "overlays/registry.yaml:9:13: spec.overrideRules[0].overriders.plaintext[0]: value is "
        "required for operator 'add'",
        "overlays/registry.yaml:18:35: spec.overrideRules[0].overriders.imageOverrider[0].operator: "
        '"swap" is not one of "add", "remove", "replace"',
        "kfedgen: the fleet spec has 4 problems; nothing was written",
    ]
    assert snapshot(tmp_path / "rendered") == before
