"""Objects whose winning Karmada policy changed where live Karmada would keep the old one.

kfedgen renders every commit as a first schedule: the policy that wins by the documents
alone places the object.  A running Karmada keeps the policy that already claimed it unless
the new winner preempts (:mod:`kfedgen.karmada.preemption`, karmada#4697), so between two
revisions a new winner that cannot preempt renders a placement the clusters would not get.
``diff`` warns about each such object.
"""

from __future__ import annotations

from collections.abc import Iterator

from kfedgen.decisions import AnyResolution
from kfedgen.errors import Problem, Severity
from kfedgen.frontends.karmada.plain import PlainObject
from kfedgen.karmada.policytypes import PropagationPolicy
from kfedgen.karmada.preemption import why_claim_is_kept
from kfedgen.pipeline import Compilation
from kfedgen.placement.karmada_choice import selects


def kept_claims(base: Compilation, head: Compilation, base_label: str) -> list[Problem]:
    """A warning for each object whose new winning policy would not preempt the old one.

    Only where the old policy still exists at the head and still selects the object: a
    deleted or narrowed policy releases its objects, and the new winner takes them.
    """
    claimed_at_base = {obj.ref: policy for obj, policy in _winners(base.resolutions)}
    policies = {policy.ref: policy for policy in head.spec.propagation_policies}
    problems = []
    for obj, winner in _winners(head.resolutions):
        before = claimed_at_base.get(obj.ref)
        if before is None or before.ref == winner.ref:
            continue
        claimed = policies.get(before.ref)
        if claimed is None or not selects(claimed, obj):
            continue
        why = why_claim_is_kept(winner, claimed)
        if why is None:
            continue
        path = ("spec", "preemption") if "preemption" in winner.doc.data["spec"] else ("spec",)
        problems.append(
            Problem(
                winner.location(path),
                path,
                f"{obj.ref} moves from {claimed.ref} (its policy at {base_label}) to "
                f"{winner.ref}, but a running Karmada keeps the claim of {claimed.ref}: "
                f"{why} (karmada#4697); the rendered placement is not what the clusters get",
                severity=Severity.WARNING,
                hint=f"set spec.preemption: Always on {winner.ref} (a PropagationPolicy needs a "
                f"higher priority than another PropagationPolicy), or stop {claimed.ref} "
                "selecting the object",
            )
        )
    return problems


def _winners(
    resolutions: list[AnyResolution],
) -> Iterator[tuple[PlainObject, PropagationPolicy]]:
    for resolution in resolutions:
        propagation = resolution.propagation
        if propagation is not None and propagation.policy is not None:
            obj = resolution.obj
            if isinstance(obj, PlainObject):
                yield obj, propagation.policy
