"""Karmada interpreter documents: ResourceInterpreterCustomizations and webhooks.

A ``ResourceInterpreterCustomization`` (``config.karmada.io/v1alpha1``) is read into
``spec.customizations`` (:class:`kfedgen.karmada.scripts.Customization`); its scripts run
when placement interprets an object of its target kind (:mod:`kfedgen.karmada.chain`).
A ``ResourceInterpreterWebhookConfiguration`` names HTTP services that only a running
control plane can call: it is a warning, and the kinds it answers for fall through to the
bundled and native interpreters, as Karmada's chain would without the webhook.
"""

from __future__ import annotations

from dataclasses import replace

from kfedgen.errors import Problems
from kfedgen.frontends.references import report_defined_twice
from kfedgen.frontends.schema import validate_document
from kfedgen.karmada.scripts import CUSTOMIZATION_KIND, WEBHOOK_KIND, parse_customization
from kfedgen.model import FleetSpec
from kfedgen.source.load import Document


def add_customization(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """Validate one ResourceInterpreterCustomization and add it to ``spec.customizations``."""
    if not validate_document(doc, CUSTOMIZATION_KIND, problems):
        return
    customization = parse_customization(doc.data, doc.location())
    name = customization.name
    first = next((c for c in spec.customizations if c.name == name), None)
    if first is not None:
        report_defined_twice(doc, f"{CUSTOMIZATION_KIND} {name}", first, problems)
        return
    # Each script is located at its own luaScript value, for script errors.
    scripts = {
        rule: replace(script, location=doc.location(script.path))
        for rule, script in customization.scripts.items()
    }
    spec.customizations.append(replace(customization, scripts=scripts))


def warn_webhook(doc: Document, spec: FleetSpec, problems: Problems) -> None:
    """A webhook interpreter cannot run offline: say so, and interpret without it."""
    if not validate_document(doc, WEBHOOK_KIND, problems):
        return
    problems.warning(
        doc.location(("kind",)),
        ("kind",),
        "a ResourceInterpreterWebhookConfiguration calls HTTP services of a running Karmada; "
        "kfedgen cannot call them offline and interprets the kinds it names with the "
        "ResourceInterpreterCustomizations, Karmada's bundled customizations and the "
        "native interpreter",
        "port the webhook's logic to a ResourceInterpreterCustomization (Lua)",
    )
