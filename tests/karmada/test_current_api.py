"""The current PropagationPolicy API through the command line: ``placement.workloadAffinity``
(Karmada v1.17+) is accepted and checked as Karmada's webhook checks it, and
``dependentOverrides`` must name policies that exist (``pkg/util/helper/policy.go``
``IsDependentOverridesPresent``).

The webhook cases are Karmada's ``pkg/util/validation/validation_test.go``
(``TestValidatePropagationSpec``, the ``workloadAffinity`` rows).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, snapshot
from tests.fleets import compile_fleet, fleet_errors, to_yaml, warnings_of
from tests.karmada._documents import KARMADA_INVENTORY, deployment, policy

AFFINE = """\
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: app}
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {clusterNames: [eu, us]}
    workloadAffinity:
      affinity: {groupByLabelKey: app.group}
      antiAffinity: {groupByLabelKey: app.region}
"""


def _fleet(tmp_path: Path, policies: str, overlays: str = "") -> None:
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "inventory.yaml").write_text(KARMADA_INVENTORY)
    (tmp_path / "fleet" / "web.yaml").write_text(to_yaml(deployment()) + "---\n" + policies)
    if overlays:
        (tmp_path / "overlays").mkdir()
        (tmp_path / "overlays" / "registry.yaml").write_text(overlays)


def _ungrouped(side: str, key: str, line: int) -> str:
    return (
        f"fleet/web.yaml:{line}:7: spec.placement.workloadAffinity.{side}: warning: "
        f"PropagationPolicy app/web: none of the namespaced objects it places has the label "
        f"{key}, so workloadAffinity.{side} groups nothing (a binding's group comes from its "
        f"resource template's label) (label the resource templates with {key}, or remove the "
        "term)"
    )


def test_workload_affinity_is_accepted_and_a_term_whose_label_is_nowhere_warns(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # getWorkloadAffinityGroups: the template has neither label, so its binding gets no
    # groups and the terms do not change where it goes (tests/karmada/test_workload_affinity.py
    # has the grouped fleets).
    _fleet(tmp_path, AFFINE)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "workloadAffinity" in line]
    assert warnings == [
        _ungrouped("affinity", "app.group", 31),
        _ungrouped("antiAffinity", "app.region", 32),
    ]
    placed = sorted(p.parent.parent.name for p in (tmp_path / "rendered").glob("*/app/*.yaml"))
    assert placed == ["eu", "us"]


@pytest.mark.parametrize(
    ("workload_affinity", "expected"),
    [
        # validation_test.go: "workloadAffinity affinity and antiAffinity with same
        # groupByLabelKey"
        (
            {
                "affinity": {"groupByLabelKey": "app.group"},
                "antiAffinity": {"groupByLabelKey": "app.group"},
            },
            "fleet/app.yaml:32:5: spec.placement.workloadAffinity: affinity and antiAffinity "
            "must not use the same groupByLabelKey (group co-located workloads and separated "
            "workloads by different label keys)",
        ),
        # ValidateWorkloadAffinity checks each key with content.IsLabelKey.
        (
            {"antiAffinity": {"groupByLabelKey": "not a key"}},
            "fleet/app.yaml:34:9: spec.placement.workloadAffinity.antiAffinity.groupByLabelKey: "
            "label key 'not a key' is not valid",
        ),
        # The CRD: groupByLabelKey is required.
        (
            {"affinity": {}},
            "fleet/app.yaml:33:7: spec.placement.workloadAffinity.affinity: 'groupByLabelKey' is "
            "required",
        ),
    ],
)
def test_invalid_workload_affinity_is_located(
    workload_affinity: dict[str, object], expected: str
) -> None:
    affine = policy("web", placement={"workloadAffinity": workload_affinity})
    errors = fleet_errors(KARMADA_INVENTORY, [deployment(), affine])
    assert errors == [expected]


@pytest.mark.parametrize(
    "workload_affinity",
    [
        # validation_test.go: the three valid workloadAffinity rows.
        {
            "affinity": {"groupByLabelKey": "app.group"},
            "antiAffinity": {"groupByLabelKey": "app.region"},
        },
        {"affinity": {"groupByLabelKey": "app.group"}},
        {"antiAffinity": {"groupByLabelKey": "app.group"}},
    ],
)
def test_valid_workload_affinity_rows_are_accepted(
    workload_affinity: dict[str, dict[str, str]],
) -> None:
    affine = policy("web", placement={"workloadAffinity": workload_affinity})
    labels = {term["groupByLabelKey"]: "x" for term in workload_affinity.values()}
    labelled = deployment()
    labelled["metadata"]["labels"].update(labels)
    compilation = compile_fleet(KARMADA_INVENTORY, [labelled, affine])
    assert not [w for w in warnings_of(compilation) if "workloadAffinity" in w]


DEPENDENT = """\
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: app}
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  dependentOverrides: [registry, regstry, mirror]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: everything}
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: ConfigMap}
  dependentOverrides: [registry]
"""

OVERRIDES = """\
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: registry, namespace: app}
spec:
  overrideRules:
    - overriders:
        labelsOverrider: [{operator: add, value: {tier: web}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: mirror, namespace: other}
spec:
  overrideRules:
    - overriders:
        labelsOverrider: [{operator: add, value: {tier: web}}]
"""


def test_dependent_overrides_must_exist(run_cli: RunCli, tmp_path: Path) -> None:
    _fleet(tmp_path, DEPENDENT, OVERRIDES)
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if ": warning:" not in line]
    assert errors == [
        "fleet/web.yaml:28:34: spec.dependentOverrides[1]: PropagationPolicy app/web depends on "
        "OverridePolicy 'regstry', which the fleet does not define in namespace 'app'; Karmada "
        "would not apply the policy until it exists (did you mean 'registry'?)",
        "fleet/web.yaml:28:43: spec.dependentOverrides[2]: PropagationPolicy app/web depends on "
        "OverridePolicy 'mirror', which the fleet does not define in namespace 'app'; Karmada "
        "would not apply the policy until it exists (define OverridePolicy 'mirror' or remove it)",
        "fleet/web.yaml:36:24: spec.dependentOverrides[0]: ClusterPropagationPolicy everything "
        "depends on ClusterOverridePolicy 'registry', which the fleet does not define; Karmada "
        "would not apply the policy until it exists (define ClusterOverridePolicy 'registry' or "
        "remove it)",
        "kfedgen: the fleet spec has 3 problems; nothing was written",
    ]
    assert not (tmp_path / "rendered").exists() or snapshot(tmp_path / "rendered") == {}


SPREAD = [{"spreadByField": "cluster", "maxGroups": 1}]
IGNORED = (
    "fleet/app.yaml:36:5: spec.placement.spreadConstraints: warning: PropagationPolicy app/web: "
    "spreadConstraints are ignored under static weights -- Karmada (and kfedgen) divide the "
    "replicas by the static weights alone (weight 1 each without weightPreference) (remove "
    "spreadConstraints, limit the clusters with clusterAffinity, or use dynamicWeight: "
    "AvailableReplicas)"
)


@pytest.mark.parametrize(
    ("scheduling", "warned"),
    [
        # karmada#3184: the policy of the report, static weights 2:8 and maxGroups 1.
        (
            {
                "replicaSchedulingType": "Divided",
                "replicaDivisionPreference": "Weighted",
                "weightPreference": {
                    "staticWeightList": [
                        {"targetCluster": {"clusterNames": ["eu"]}, "weight": 2},
                        {"targetCluster": {"clusterNames": ["us"]}, "weight": 8},
                    ]
                },
            },
            True,
        ),
        ({}, True),  # Divided + Weighted by default, no weightPreference: equal static weights
        ({"replicaSchedulingType": "Duplicated"}, False),
    ],
    ids=["static-weights", "default-weights", "duplicated"],
)
def test_spread_constraints_under_static_weights_warn(
    scheduling: dict[str, object], warned: bool
) -> None:
    placement = {
        "clusterAffinity": {"clusterNames": ["eu", "us"]},
        "spreadConstraints": SPREAD,
        "replicaScheduling": scheduling,
    }
    compilation = compile_fleet(
        KARMADA_INVENTORY, [deployment(), policy("web", placement=placement)]
    )
    assert (IGNORED in warnings_of(compilation)) == warned, warnings_of(compilation)
