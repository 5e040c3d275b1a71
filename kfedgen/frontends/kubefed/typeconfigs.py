"""FederatedTypeConfig documents: read them first, into the federated types of the spec.

A FederatedTypeConfig makes a kind federated
(:func:`kfedgen.frontends.kubefed.fedtypes.parse_type_config`
checks KubeFed's rules for one); this module decides what the fleet's type configs
together do to KubeFed's built-in types.
"""

from __future__ import annotations

from collections.abc import Sequence

from kfedgen.errors import Problems
from kfedgen.frontends.kubefed.fedtypes import parse_type_config
from kfedgen.frontends.schema import validate_document
from kfedgen.model import FleetSpec
from kfedgen.source.load import Document


def add_type_configs(docs: Sequence[Document], spec: FleetSpec, problems: Problems) -> None:
    """Add the types every FederatedTypeConfig defines, in document order."""
    restated: set[tuple[str, str]] = set()
    for doc in docs:
        _add_type_config(doc, spec, problems, restated)


def _add_type_config(
    doc: Document, spec: FleetSpec, problems: Problems, restated: set[tuple[str, str]]
) -> None:
    """Add the type a FederatedTypeConfig defines; ``restated`` are the keys FTCs defined.

    A FederatedTypeConfig may restate one of KubeFed's built-in types, or re-point it to
    another group or version of the same kind: KubeFed's own chart installs the built-ins as
    FTCs, with FederatedIngress pointing at extensions/v1beta1.  The document then wins over
    the built-in.  Turning a built-in into another kind, or two documents for one federated
    type that disagree, is an error.
    """
    if not validate_document(doc, "FederatedTypeConfig", problems):
        return
    target = parse_type_config(doc, problems)
    if target is None:
        return
    key = (target.federated_api_version, target.federated_kind)
    existing = spec.types.get(key)
    repoints_builtin = key not in restated and existing is not None and existing.kind == target.kind
    restated.add(key)
    if existing is not None and existing != target and not repoints_builtin:
        problems.error(
            doc.location(("spec", "federatedType")),
            ("spec", "federatedType"),
            f"federated type {target.federated_kind} ({target.federated_api_version}) already "
            f"stands for {existing.kind} ({existing.api_version})",
            "give the federated type its own kind or group",
        )
        return
    if doc.data["spec"].get("propagation") == "Disabled":
        # KubeFed runs no sync controller for a disabled type: its objects are ignored.
        spec.types.pop(key, None)
        problems.warning(
            doc.location(("spec", "propagation")),
            ("spec", "propagation"),
            f"propagation is Disabled: {target.federated_kind} objects will not be rendered",
        )
        spec.disabled_types.add(key)
        return
    spec.types[key] = target
