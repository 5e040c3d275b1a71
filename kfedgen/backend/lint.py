"""Warnings about rendered objects that are valid but unwise to commit."""

from __future__ import annotations

from collections.abc import Iterable

from kfedgen.errors import Problem, Severity
from kfedgen.rendered import RenderedObject

SECRETS_ADVICE = (
    "keep secret values out of git: commit a SealedSecret, an ExternalSecret or a "
    "SOPS-encrypted file instead"
)


def secret_warnings(objects: Iterable[RenderedObject]) -> list[Problem]:
    """One warning per source object that renders a Secret with literal values.

    Whatever produced it (a FederatedSecret, a plain Secret selected by a
    policy, an override), the values would be committed to git in plain text:
    base64 in ``data`` is an encoding, not encryption.
    """
    warnings: list[Problem] = []
    seen: set[str] = set()
    for obj in objects:
        if obj.kind != "Secret" or obj.api_version != "v1" or obj.origin in seen:
            continue
        fields = [key for key in ("data", "stringData") if obj.manifest.get(key)]
        if not fields:
            continue
        seen.add(obj.origin)
        warnings.append(
            Problem(
                obj.location,
                (),
                f"{obj.origin} renders a Secret with literal {' and '.join(fields)}: "
                "the values will be committed to git in plain text",
                Severity.WARNING,
                SECRETS_ADVICE,
            )
        )
    return warnings
