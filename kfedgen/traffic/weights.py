"""The traffic weights a rendered object carries, read back from its manifest.

``kfedgen diff`` compares two output trees file by file; this names each weight an object
holds so that a change of a DNS record's weight or a split backend's weight is shown next to
the replica changes.  It reads what :mod:`~kfedgen.traffic.dns` and
:mod:`~kfedgen.traffic.mesh` write, and the same fields written by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The label of kfedgen's headroom placeholders: the workload they are sized like.
HEADROOM_FOR = "kfedgen.io/headroom-for"
_DNS_WEIGHT_SUFFIX = "/aws-weight"
_DNS_HOSTNAME_SUFFIX = "/hostname"


def traffic_weights(data: Mapping[str, Any]) -> dict[str, int]:
    """Each weight of the object: ``dns <hostname>`` or ``split <backend>`` -> weight."""
    kind, spec = data.get("kind"), data.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if kind == "Service":
        return _dns(data)
    if kind == "TrafficSplit":
        return {
            f"split {backend.get('service')}": backend["weight"]
            for backend in _mappings(spec.get("backends"))
            if _is_int(backend.get("weight"))
        }
    if kind == "HTTPRoute":
        return {
            f"split {ref.get('name')}": ref["weight"]
            for rule in _mappings(spec.get("rules"))
            for ref in _mappings(rule.get("backendRefs"))
            if _is_int(ref.get("weight"))
        }
    return {}


def is_placeholder(data: Mapping[str, Any]) -> bool:
    """Whether the object is a headroom placeholder (its replicas hold room, serve nothing)."""
    metadata = data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return isinstance(labels, Mapping) and HEADROOM_FOR in labels


def _dns(data: Mapping[str, Any]) -> dict[str, int]:
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, Mapping):
        return {}
    hostname = next(
        (str(v) for k, v in annotations.items() if str(k).endswith(_DNS_HOSTNAME_SUFFIX)), ""
    )
    return {
        f"dns {hostname}".rstrip(): int(value)
        for key, value in annotations.items()
        if str(key).endswith(_DNS_WEIGHT_SUFFIX) and isinstance(value, str) and value.isdigit()
    }


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
