"""kfedgen.views.plan: which objects are workloads, what decided their replicas, row sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kfedgen.pipeline import Compilation
from kfedgen.views import plan
from kfedgen.views.plan import PlanRow, build_plan, format_plan
from tests.fleets import (
    INVENTORY,
    compile_fleet,
)
from tests.placement.rsp_documents import (
    deployment,
    namespace,
    rsp,
)

FTC_WIDGET = """\
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata: {name: widgets.example.io, namespace: kube-federation-system}
spec:
  targetType: {group: example.io, version: v1, kind: Widget, pluralName: widgets, scope: Namespaced}
  federatedType: {group: types.kubefed.io, version: v1beta1, kind: FederatedWidget,
                  pluralName: federatedwidgets, scope: Namespaced}
  propagation: Enabled
"""


def federated(
    kind: str, name: str, template: str, placement: str = "{clusters: [{name: east}]}"
) -> str:
    return (
        f"apiVersion: types.kubefed.io/v1beta1\nkind: {kind}\n"
        f"metadata: {{name: {name}, namespace: app}}\n"
        f"spec:\n  template: {template}\n  placement: {placement}\n"
    )


def test_workloads_are_the_objects_with_replicas() -> None:
    documents = "---\n".join(
        [
            namespace(),
            FTC_WIDGET,
            federated("FederatedDeployment", "bare", "{spec: {}}"),
            federated("FederatedWidget", "scaled", "{spec: {replicas: 2}}"),
            federated("FederatedWidget", "plain", "{spec: {size: 2}}"),
            federated("FederatedConfigMap", "cfg", "{data: {a: b}}"),
            federated("FederatedJob", "job", "{spec: {parallelism: 2}}"),
        ]
    )
    rows = build_plan(compile_fleet(INVENTORY, files={"app": documents}))
    assert [(r.object, r.cluster, r.replicas, r.source) for r in rows] == [
        ("FederatedDeployment/app/bare", "east", None, "unset"),
        ("FederatedWidget/app/scaled", "east", 2, "template"),
    ]
    assert rows[0].notes() == ["Kubernetes default 1"]


def test_a_later_spec_override_is_reported_as_the_source() -> None:
    overrides = (
        "    - clusterName: east\n      clusterOverrides:\n"
        "        - {path: /spec/replicas, value: 7}\n"
        "        - {path: /spec, value: {replicas: 1}}\n"
    )
    compilation = compile_fleet(
        INVENTORY,
        files={
            "app": namespace() + "---\n" + deployment(overrides=overrides),
            "rsp": rsp("  totalReplicas: 9\n"),
        },
    )
    east = next(row for row in build_plan(compilation) if row.cluster == "east")
    assert (east.replicas, east.planned, east.source) == (1, 3, "override")


def test_a_new_row_source_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    def other_rows(compilation: Compilation) -> Iterator[PlanRow]:
        del compilation
        yield PlanRow("Deployment/app/aaa", "Deployment", "app", "aaa", "west", 4, "scheduler")

    monkeypatch.setattr(plan, "ROW_SOURCES", (*plan.ROW_SOURCES, other_rows))
    compilation = compile_fleet(INVENTORY, files={"app": namespace() + "---\n" + deployment()})
    rows = build_plan(compilation)
    assert [r.object for r in rows] == ["Deployment/app/aaa", *["FederatedDeployment/app/web"] * 3]
    assert format_plan(rows, "text").splitlines()[1].split() == [
        "Deployment/app/aaa",
        "west",
        "4",
        "scheduler",
    ]


def test_markdown_escapes_pipes() -> None:
    row = PlanRow("Deployment/a|b/c", "Deployment", "a|b", "c", "east", 1, "template")
    assert format_plan([row], "markdown").splitlines()[-1] == (
        "| `Deployment/a\\|b/c` | east | 1 | template |  |  |"
    )
