"""Which EKS Fargate profile takes a pod, as AWS documents it.

``fargate-profile.adoc`` in the Amazon EKS User Guide (``awsdocs/amazon-eks-user-guide``,
``latest/ug/nodes/``): a selector matches a pod in its namespace that carries all of its
labels; ``*`` (any characters, none included) and ``?`` (exactly one) may stand in the
namespace, label keys and label values, and no other pattern is supported; of several
matching profiles Fargate takes the first by name, unless the pod's
``eks.amazonaws.com/fargate-profile`` label names the one it must match.  Read by the
feasibility checks (Fargate, node pools).  Imports only :mod:`kfedgen.model`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence

from kfedgen.model import FargateProfile

# The label with which a pod picks one of several profiles that match it.
PROFILE_LABEL = "eks.amazonaws.com/fargate-profile"


def matching_profile(
    profiles: Sequence[FargateProfile], namespace: str, labels: Mapping[str, str]
) -> FargateProfile | None:
    """The profile Fargate picks for a pod in ``namespace`` with ``labels``, or None."""
    pinned = labels.get(PROFILE_LABEL)
    for profile in sorted(profiles, key=lambda p: p.name):
        if pinned is not None and profile.name != pinned:
            continue
        for selector in profile.selectors:
            if _wildcard(selector.namespace)(namespace) and all(
                _has_label(labels, key, value) for key, value in selector.labels.items()
            ):
                return profile
    return None


def _has_label(labels: Mapping[str, str], key: str, value: str) -> bool:
    if not any(c in key or c in value for c in "*?"):
        return labels.get(key) == value
    keys, values = _wildcard(key), _wildcard(value)
    return any(keys(k) and values(v) for k, v in labels.items())


@functools.lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> Callable[[str], bool]:
    """A test of a whole string against ``*`` and ``?`` (AWS supports no other wildcard)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    compiled = re.compile("".join(parts), re.DOTALL)
    return lambda text: isinstance(text, str) and compiled.fullmatch(text) is not None
