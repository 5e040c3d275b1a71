"""Karmada's policy-preemption rule (pkg/detector/preemption.go): who takes a claimed object."""

from __future__ import annotations

import pytest

from kfedgen.karmada.policytypes import PropagationPolicy
from kfedgen.karmada.preemption import why_claim_is_kept
from tests.fleets import compile_fleet
from tests.karmada._documents import KARMADA_INVENTORY, deployment, policy


def policies(*specs: tuple[str, bool, str, int]) -> list[PropagationPolicy]:
    """(name, namespaced, preemption, priority) -> the parsed policies, in that order."""
    docs = [
        policy(name, "app" if namespaced else None, preemption=preemption, priority=priority)
        for name, namespaced, preemption, priority in specs
    ]
    parsed = compile_fleet(KARMADA_INVENTORY, [deployment(), *docs]).spec.propagation_policies
    return sorted(parsed, key=lambda p: [s[0] for s in specs].index(p.name))


@pytest.mark.parametrize(
    ("new", "claimed", "kept"),
    [
        # preemptPropagationPolicy: Always and a strictly higher priority.
        (("new", True, "Always", 2), ("old", True, "Never", 1), None),
        (("new", True, "Always", 1), ("old", True, "Never", 1), "priority 1 is not higher"),
        (("new", True, "Never", 9), ("old", True, "Never", 1), "has preemption: Never"),
        # preemptClusterPropagationPolicyDirectly: a PP takes from a CPP whatever the priority.
        (("new", True, "Always", 0), ("old", False, "Never", 5), None),
        (("new", True, "Never", 0), ("old", False, "Never", 5), "has preemption: Never"),
        # preemptClusterPropagationPolicy: CPP over CPP by priority; never over a PP.
        (("new", False, "Always", 3), ("old", False, "Always", 2), None),
        (("new", False, "Always", 2), ("old", False, "Never", 2), "priority 2 is not higher"),
        (("new", False, "Always", 9), ("old", True, "Never", 0), "never preempts a Propagation"),
    ],
)
def test_who_takes_a_claimed_object(
    new: tuple[str, bool, str, int], claimed: tuple[str, bool, str, int], kept: str | None
) -> None:
    winner, loser = policies(new, claimed)
    why = why_claim_is_kept(winner, loser)
    if kept is None:
        assert why is None
    else:
        assert why is not None and kept in why


def test_preemption_defaults_to_never_as_in_karmada() -> None:
    parsed = compile_fleet(KARMADA_INVENTORY, [deployment(), policy()]).spec.propagation_policies
    assert [p.preemption for p in parsed] == ["Never"]
