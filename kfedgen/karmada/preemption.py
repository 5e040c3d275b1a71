"""Whether live Karmada moves a claimed object to another policy (policy preemption).

Source: karmada-io/karmada ``pkg/detector/preemption.go`` (commit f8fdd02d).  Once a
(Cluster)PropagationPolicy has claimed a resource template, Karmada's detector keeps the
claim; another policy that selects the template takes it only by preempting
(``preemptionEnabled``: its ``spec.preemption`` is ``Always``), and then only by the rule
"high-priority PP > low-priority PP > CPP": a PropagationPolicy takes it from a
ClusterPropagationPolicy whatever their priorities (``preemptClusterPropagationPolicyDirectly``),
and from a PropagationPolicy, or a ClusterPropagationPolicy from another one, only with a
strictly higher ``priority`` (``ExplicitPriority``).  A ClusterPropagationPolicy never takes a
template from a PropagationPolicy.  Preemption also needs the controller's
``PropagationPolicyPreemption`` feature gate (``pkg/features/features.go``, off by default),
which no file in git says; ``Always`` is taken to mean the operator enabled it.
"""

from __future__ import annotations

from kfedgen.karmada.policytypes import PropagationPolicy

PREEMPT_ALWAYS = "Always"


def why_claim_is_kept(new: PropagationPolicy, claimed: PropagationPolicy) -> str | None:
    """Why live Karmada keeps ``claimed``'s claim against ``new``; None: ``new`` preempts it."""
    if new.preemption != PREEMPT_ALWAYS:
        return f"{new.ref} has preemption: {new.preemption}, so it never takes claimed objects"
    if new.namespaced and not claimed.namespaced:
        return None
    if not new.namespaced and claimed.namespaced:
        return "a ClusterPropagationPolicy never preempts a PropagationPolicy"
    if new.priority <= claimed.priority:
        return (
            f"{new.ref}'s priority {new.priority} is not higher than {claimed.ref}'s "
            f"{claimed.priority}"
        )
    return None
