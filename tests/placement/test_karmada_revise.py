"""CRD replicas through the pipeline: customizations divide them like Deployments.

The fleet's ResourceInterpreterCustomization for Argo Rollouts reads and writes
``spec.replicas``; under the same policy a Rollout must land exactly where a Deployment
does, with the same counts.  Failing and hostile scripts are input errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")

from kfedgen.karmada import luaops
from tests.conftest import RunCli, snapshot
from tests.fleets import compile_fleet, fleet_errors, to_yaml, warnings_of
from tests.karmada._documents import (
    KARMADA_INVENTORY,
    deployment,
    policy,
    rendered,
    replicas,
    static_weights,
)

ROLLOUT = ("argoproj.io/v1alpha1", "Rollout")
GET_REPLICAS = """local kube = require("kube")
function GetReplicas(obj)
  return obj.spec.replicas, kube.accuratePodRequirements(obj.spec.template)
end
"""
REVISE = """function ReviseReplica(obj, desiredReplica)
  obj.spec.replicas = desiredReplica
  return obj
end
"""


def customization(
    name: str = "rollout",
    target: tuple[str, str] = ROLLOUT,
    **scripts: str,
) -> dict[str, Any]:
    rules = scripts or {"replicaResource": GET_REPLICAS, "replicaRevision": REVISE}
    return {
        "apiVersion": "config.karmada.io/v1alpha1",
        "kind": "ResourceInterpreterCustomization",
        "metadata": {"name": name},
        "spec": {
            "target": {"apiVersion": target[0], "kind": target[1]},
            "customizations": {rule: {"luaScript": text} for rule, text in rules.items()},
        },
    }


def rollout(count: int | None = 6, name: str = "web") -> dict[str, Any]:
    document = deployment(name, replicas=count)
    document["apiVersion"], document["kind"] = ROLLOUT
    document["spec"]["strategy"] = {"canary": {"steps": [{"setWeight": 20}]}}
    return document


def _selector(kind: str, api_version: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "name": "web"}


def _policy(kind: str, api_version: str, placement: dict[str, Any]) -> dict[str, Any]:
    return policy(selectors=[_selector(kind, api_version)], placement=placement)


PLACEMENTS = st.one_of(
    st.fixed_dictionaries(
        {
            "clusterAffinity": st.just({"clusterNames": ["ap", "eu", "us"]}),
            "replicaScheduling": st.builds(
                lambda a, e, u: static_weights(ap=a, eu=e, us=u),
                st.integers(1, 9),
                st.integers(1, 9),
                st.integers(1, 9),
            ),
        }
    ),
    st.just(
        {
            "clusterAffinity": {"clusterNames": ["ap", "eu", "us"]},
            "replicaScheduling": {
                "replicaSchedulingType": "Divided",
                "replicaDivisionPreference": "Aggregated",
            },
        }
    ),
    st.just({"clusterAffinity": {"clusterNames": ["ap", "us"]}}),  # Duplicated
)


@settings(max_examples=25, deadline=None)
@given(count=st.integers(0, 40), placement=PLACEMENTS)
def test_a_customized_rollout_divides_exactly_like_a_deployment(
    count: int, placement: dict[str, Any]
) -> None:
    as_deployment = compile_fleet(
        KARMADA_INVENTORY, [deployment(replicas=count), _policy("Deployment", "apps/v1", placement)]
    )
    as_rollout = compile_fleet(
        KARMADA_INVENTORY,
        [rollout(count), customization(), _policy(ROLLOUT[1], ROLLOUT[0], placement)],
    )
    assert replicas(as_rollout, "Rollout") == replicas(as_deployment)
    for cluster, obj in rendered(as_rollout, "Rollout").items():
        # Only spec.replicas differs from the template as written.
        expected = rollout(count)
        expected["spec"]["replicas"] = obj.manifest["spec"]["replicas"]
        assert obj.manifest == expected, cluster


def test_the_rollout_plan_rows_are_the_deployments() -> None:
    from kfedgen.views.plan import build_plan  # noqa: PLC0415 - a view, for the comparison

    placement = {
        "clusterAffinity": {"clusterNames": ["ap", "eu", "us"]},
        "replicaScheduling": static_weights(ap=1, eu=2, us=3),
    }
    plain = build_plan(
        compile_fleet(
            KARMADA_INVENTORY, [deployment(), _policy("Deployment", "apps/v1", placement)]
        )
    )
    custom = build_plan(
        compile_fleet(
            KARMADA_INVENTORY,
            [rollout(), customization(), _policy("Rollout", ROLLOUT[0], placement)],
        )
    )
    strip = [(r.cluster, r.replicas, r.source, r.preference) for r in plain]
    assert [(r.cluster, r.replicas, r.source, r.preference) for r in custom] == strip


def test_the_fleets_customization_wins_over_the_bundled_one() -> None:
    clone = rollout(4)
    clone["apiVersion"], clone["kind"] = "apps.kruise.io/v1alpha1", "CloneSet"
    doubled = "function GetReplicas(obj) return obj.spec.replicas * 2, nil end\n"
    placement = {
        "clusterAffinity": {"clusterNames": ["ap", "eu"]},
        "replicaScheduling": static_weights(ap=1, eu=1),
    }
    documents = [clone, _policy("CloneSet", "apps.kruise.io/v1alpha1", placement)]
    bundled = compile_fleet(KARMADA_INVENTORY, documents)
    assert replicas(bundled, "CloneSet") == {"ap": 2, "eu": 2}
    # Only GetReplicas is the fleet's: ReviseReplica still comes from Karmada's bundle.
    ours = customization("kruise", ("apps.kruise.io/v1alpha1", "CloneSet"), replicaResource=doubled)
    assert replicas(compile_fleet(KARMADA_INVENTORY, [*documents, ours]), "CloneSet") == {
        "ap": 4,
        "eu": 4,
    }


def test_duplicated_scheduling_does_not_revise() -> None:
    placement = {"clusterAffinity": {"clusterNames": ["ap", "eu"]}}
    compilation = compile_fleet(
        KARMADA_INVENTORY, [rollout(5), customization(), _policy("Rollout", ROLLOUT[0], placement)]
    )
    assert {c: o.manifest for c, o in rendered(compilation, "Rollout").items()} == {
        "ap": rollout(5),
        "eu": rollout(5),
    }


def test_divided_replicas_without_a_revise_script_are_an_error() -> None:
    placement = {
        "clusterAffinity": {"clusterNames": ["ap", "eu"]},
        "replicaScheduling": static_weights(ap=1, eu=1),
    }
    errors = fleet_errors(
        KARMADA_INVENTORY,
        [
            rollout(),
            customization(replicaResource=GET_REPLICAS),
            _policy("Rollout", ROLLOUT[0], placement),
        ],
    )
    assert len(errors) == 1
    assert "no ReviseReplica script writes a cluster's share" in errors[0]
    assert errors[0].startswith("fleet/app.yaml:")


def test_a_webhook_interpreter_is_a_warning() -> None:
    webhook = {
        "apiVersion": "config.karmada.io/v1alpha1",
        "kind": "ResourceInterpreterWebhookConfiguration",
        "metadata": {"name": "examples"},
        "webhooks": [{"name": "workloads.example.com"}],
    }
    compilation = compile_fleet(KARMADA_INVENTORY, [webhook])
    (warning,) = warnings_of(compilation)
    assert "cannot call them offline" in warning


def test_a_customization_defined_twice_is_an_error() -> None:
    errors = fleet_errors(KARMADA_INVENTORY, [customization(), customization()])
    assert errors == [
        "fleet/app.yaml:20:3: metadata.name: ResourceInterpreterCustomization rollout is "
        "defined twice; the first is at fleet/app.yaml:1:1"
    ]


# -- hostile and failing scripts, through the command line --------------------------------

HOSTILE = {
    "infinite loop": ("while true do end", "time limit"),
    "a loop that swallows the limit": (
        "while true do pcall(function() while true do end end) end",
        "time limit",
    ),
    "huge allocation": ("local t = {} for i = 1, 1e9 do t[i] = i end", "MiB"),
    "os.execute": ('os.execute("touch /tmp/kfedgen-pwned")', "attempt to call field 'execute'"),
    "io.open": ('io.open("/etc/passwd")', "attempt to index global 'io'"),
    "require of a module": ('require("io")', "module 'io' not found"),
    "the environment": ('return os.getenv("HOME")', "attempt to call field 'getenv'"),
    "loadstring": ('loadstring("return 1")()', "loadstring is not supported"),
    "string.rep": ('return string.rep("x", 1e9)', "string.rep is not supported"),
    "a runtime error": ("local x = nil; return x.spec", "attempt to index local 'x'"),
}


def _hostile_fleet(directory: Path, body: str) -> None:
    fleet = directory / "fleet"
    fleet.mkdir(parents=True)
    (fleet / "inventory.yaml").write_text(KARMADA_INVENTORY)
    script = f"function GetReplicas(obj)\n  {body}\nend\n"
    placement = {
        "clusterAffinity": {"clusterNames": ["ap", "eu"]},
        "replicaScheduling": static_weights(ap=1, eu=1),
    }
    (fleet / "app.yaml").write_text(
        to_yaml(
            rollout(),
            customization(replicaResource=script, replicaRevision=REVISE),
            _policy("Rollout", ROLLOUT[0], placement),
        )
    )


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_failing_script_is_stopped_with_exit_2(
    case: str, run_cli: RunCli, tmp_path: Path
) -> None:
    body, expected = HOSTILE[case]
    _hostile_fleet(tmp_path, body)
    (tmp_path / "rendered").mkdir()
    (tmp_path / "rendered" / "keep.txt").write_text("untouched")
    before = snapshot(tmp_path / "rendered")
    result = run_cli("render", cwd=tmp_path)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    # Located at the script (file:line:column and its path), naming the operation.
    assert "fleet/app.yaml:" in result.err
    assert "spec.customizations.replicaResource.luaScript: " in result.err
    assert "GetReplicas of ResourceInterpreterCustomization rollout (replicaResource) failed" in (
        result.err
    )
    assert expected in result.err
    assert snapshot(tmp_path / "rendered") == before
    assert not Path("/tmp/kfedgen-pwned").exists()


def test_a_fleet_that_needs_lua_without_lupa_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    luaops.vm.cache_clear()
    monkeypatch.setitem(sys.modules, "lupa", None)
    try:
        placement = {"clusterAffinity": {"clusterNames": ["ap"]}}
        errors = fleet_errors(
            KARMADA_INVENTORY,
            [rollout(), customization(), _policy("Rollout", ROLLOUT[0], placement)],
        )
    finally:
        luaops.vm.cache_clear()
    assert len(errors) == 1
    assert "pip install 'kfedgen[lua]'" in errors[0]
