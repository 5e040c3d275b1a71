"""Invalid Karmada input through the command line: exit 2, every problem located, no output."""

from __future__ import annotations

from pathlib import Path

import pytest

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
        "declare it for lab (in the Fleet, compute.nodePools with allocatable or "
        "availableReplicas; on a Karmada Cluster, status.resourceSummary or the "
        "kfedgen.io/available-replicas annotation)",
        "overlays/registry.yaml:9:13: spec.overrideRules[0].overriders.plaintext[0]: value is "
        "required for operator 'add'",
        "overlays/registry.yaml:18:35: spec.overrideRules[0].overriders.imageOverrider[0].operator: "
        '"swap" is not one of "add", "remove", "replace"',
        "kfedgen: the fleet spec has 4 problems; nothing was written",
    ]
    assert snapshot(tmp_path / "rendered") == before


HUGE_CLONESET = """\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web, namespace: app}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - {name: web, image: nginx:1.27, resources: {requests: {cpu: '1e999999'}}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: app}
spec:
  resourceSelectors:
    - {apiVersion: apps.kruise.io/v1alpha1, kind: CloneSet}
  placement:
    clusterAffinity: {clusterNames: [eu, us]}
    replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Aggregated}
"""


def test_a_quantity_too_large_to_count_is_an_input_error_in_a_bundled_script(
    run_cli: RunCli, tmp_path: Path
) -> None:
    pytest.importorskip("lupa", reason="the bundled Lua customizations need lupa")
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "inventory.yaml").write_text(KARMADA_INVENTORY)
    (tmp_path / "fleet" / "web.yaml").write_text(HUGE_CLONESET)

    result = run_cli("render", cwd=tmp_path)

    # The CloneSet's bundled GetReplicas reads the request through kube.accuratePodRequirements.
    assert result.code == 2
    assert result.err.splitlines() == [
        "fleet/web.yaml:2:1: CloneSet/app/web: GetReplicas of Karmada's bundled "
        "ResourceInterpreterCustomization declarative-configuration-cloneset (replicaResource) "
        "failed: fail to convert lua value to PodTemplateSpec: quantity '1e999999' is larger "
        "than 9223372036854775807, the largest amount Kubernetes can count in (an int64)",
        "kfedgen: the fleet spec has 1 problem; nothing was written",
    ]
    assert not (tmp_path / "rendered").exists()
