"""Which nodes a pod may be scheduled to: its node selector, required node affinity, tolerations.

Ports of the scheduler's filters, over a node pool's declared labels and taints:

* ``nodeSelector`` and ``affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution``:
  ``GetRequiredNodeAffinity`` and ``RequiredNodeAffinity.Match`` in
  ``k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go``: every
  ``nodeSelector`` pair must be a label of the node, and one of the ``nodeSelectorTerms``
  must match (terms are ORed; a term's expressions are ANDed; a term with no expressions
  and no fields matches nothing, ``NewLazyErrorNodeSelector``; so does a term with an
  invalid requirement: a key, or an ``In``/``NotIn`` value, that is not a label's).  The
  operators are ``labels.Requirement.Matches`` (``k8s.io/apimachinery/pkg/labels/selector.go``):
  ``NotIn`` and ``DoesNotExist`` hold for a node without the label, ``Gt``/``Lt`` compare
  the label's value as a base-10 int64.
* tolerations: ``Toleration.ToleratesTaint`` (``k8s.io/api/core/v1/toleration.go``, with
  the ``Gt``/``Lt`` operators of Kubernetes 1.35), by any toleration of the pod
  (``TolerationsTolerateTaint``), for each taint with effect ``NoSchedule`` or
  ``NoExecute`` (the ``TaintToleration`` filter plugin).

Where kfedgen knows less than the scheduler it does not guess against the pod: a pool does
not list every label kubelet puts on its nodes, so a requirement on one of those
(:data:`KUBELET_LABELS`) that the pool does not declare holds; ``matchFields`` names nodes
(``metadata.name``), which pools do not have, so a term's ``matchFields`` are taken to hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kfedgen.errors import DocPath
from kfedgen.model import Taint
from kfedgen.podtemplates import mappings
from kfedgen.selectors import label_key_problem, label_value_problem

# The labels kubelet and the cloud provider set on every node
# (k8s.io/api/core/v1/well_known_labels.go): a pool that does not declare one says
# nothing about its value.
KUBELET_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "node.kubernetes.io/instance-type",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/windows-build",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
    }
)
SCHEDULING_EFFECTS = ("NoSchedule", "NoExecute")
_INT64 = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
REQUIRED: DocPath = ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")


def node_selector_mismatch(
    spec: Mapping[str, Any], labels: Mapping[str, str]
) -> tuple[DocPath, str] | None:
    """Why nodes with ``labels`` do not satisfy the pod spec's node selection (None: they do).

    The path is relative to the pod spec.
    """
    selector = spec.get("nodeSelector")
    if isinstance(selector, Mapping):
        for key, value in selector.items():
            if key in labels:
                if labels[key] != value:
                    return (
                        "nodeSelector",
                        key,
                    ), f"nodeSelector {key}={value}: its nodes have {key}={labels[key]}"
            elif key not in KUBELET_LABELS:
                return (
                    "nodeSelector",
                    key,
                ), f"nodeSelector {key}={value}: its nodes have no label {key}"
    terms = _required_terms(spec)
    if terms is not None and not any(_term_matches(term, labels) for term in terms):
        return (
            *REQUIRED,
            "nodeSelectorTerms",
        ), "no term of its required node affinity matches its labels"
    return None


def _required_terms(spec: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    node: Any = spec
    for key in REQUIRED:
        node = node.get(key) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        return None
    return mappings(node.get("nodeSelectorTerms"))


def _term_matches(term: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    expressions = mappings(term.get("matchExpressions"))
    fields = mappings(term.get("matchFields"))
    if not expressions and not fields:
        return False
    return all(_requirement_holds(r, labels) for r in expressions)


def _requirement_holds(requirement: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator = requirement.get("key"), requirement.get("operator")
    raw = requirement.get("values")
    values = [str(v) for v in raw] if isinstance(raw, list) else []
    if not isinstance(key, str) or not _valid(key, operator, values):
        return False  # NewRequirement rejects it, and the term matches nothing
    if key not in labels and key in KUBELET_LABELS:
        return True  # the pool does not say; see the module docstring
    present, value = key in labels, labels.get(key, "")
    if operator == "In":
        return bool(values) and present and value in values
    if operator == "NotIn":
        return bool(values) and (not present or value not in values)
    if operator == "Exists":
        return not values and present
    if operator == "DoesNotExist":
        return not values and not present
    if operator in ("Gt", "Lt"):
        bound = _go_int64(values[0]) if len(values) == 1 else None
        mine = _go_int64(value) if present else None
        if bound is None or mine is None:
            return False
        return mine > bound if operator == "Gt" else mine < bound
    return False  # an unknown operator: NewRequirement rejects it


def _valid(key: str, operator: object, values: Sequence[str]) -> bool:
    """``labels.NewRequirement``'s checks: a label key; In/NotIn take label values."""
    if label_key_problem(key):
        return False
    if operator in ("In", "NotIn"):
        return all(label_value_problem(v) is None for v in values)
    return True


def _go_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: an optional sign and decimal digits, in range."""
    if not _INT64.fullmatch(text):
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def untolerated_taint(spec: Mapping[str, Any], taints: Sequence[Taint]) -> Taint | None:
    """The first ``NoSchedule``/``NoExecute`` taint that no toleration of the pod spec tolerates."""
    tolerations = mappings(spec.get("tolerations"))
    for taint in taints:
        if taint.effect in SCHEDULING_EFFECTS and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def tolerates(toleration: Mapping[str, Any], taint: Taint) -> bool:
    """``Toleration.ToleratesTaint``: effect (empty: all), key (empty: all), then the operator."""
    effect, key = toleration.get("effect") or "", toleration.get("key") or ""
    if effect and effect != taint.effect:
        return False
    if key and key != taint.key:
        return False
    operator = toleration.get("operator") or "Equal"
    value = toleration.get("value") or ""
    if operator == "Exists":
        return True
    if operator in ("Gt", "Lt"):
        # Kubernetes 1.35's numeric comparison (feature TaintTolerationComparisonOperators):
        # the taint's value against the toleration's, both base-10 int64.
        mine, bound = _go_int64(taint.value), _go_int64(str(value))
        if mine is None or bound is None:
            return False
        return mine > bound if operator == "Gt" else mine < bound
    return operator == "Equal" and value == taint.value
