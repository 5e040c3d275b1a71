"""The ``pattern`` keywords of kfedgen's schemas, in words, with a fix for the value.

A schema error must say what a value has to look like, never show the regular
expression: ``'East_1' must be a DNS-1123 label (...)`` with ``did you mean
'east-1'?``.  Every pattern the shipped schemas use has an entry in
:data:`PATTERNS` (a test checks it); a pattern from elsewhere (a CRD given to
``validate --crd``) is described generically.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253


@dataclass(frozen=True)
class PatternWords:
    """What a pattern asks for, as a clause after the value, and how to fix a value."""

    words: str
    fix: Callable[[str], str] | None = None


def _label(value: str, limit: int = DNS1123_LABEL_MAX) -> str:
    """Lower-cased, other characters replaced by '-', trimmed of '-' and to ``limit``."""
    replaced = re.sub(r"[^a-z0-9-]", "-", value.lower())
    return replaced.strip("-")[:limit].rstrip("-")


def _subdomain(value: str) -> str:
    parts = (_label(part, DNS1123_SUBDOMAIN_MAX) for part in value.lower().split("."))
    return ".".join(part for part in parts if part)[:DNS1123_SUBDOMAIN_MAX].strip(".-")


def _prefix(value: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", value.lower()).lstrip("-")


def _kind(value: str) -> str:
    kept = re.sub(r"[^A-Za-z0-9]", "", value)
    return kept[:1].upper() + kept[1:]


def _plural(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _url(value: str) -> str:
    return "https://" + value.strip()


def _minor_version(value: str) -> str:
    match = re.match(r"^v?(\d+)\.(\d+)", value.strip())
    return f"{match.group(1)}.{match.group(2)}" if match else "1.30"


PATTERNS: dict[str, PatternWords] = {
    "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$": PatternWords(
        "must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending "
        "with a letter or digit, at most 63 characters)",
        _label,
    ),
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$": PatternWords(
        "must be a DNS-1123 subdomain (DNS-1123 labels of lower-case letters, digits and "
        "'-', joined by '.', at most 253 characters)",
        _subdomain,
    ),
    "^([a-z0-9][-a-z0-9]*)?$": PatternWords(
        "must be empty or lower-case letters, digits and '-', not starting with '-'", _prefix
    ),
    "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$": PatternWords(
        "must be a duration: numbers with a unit of ms, s, m or h, such as 30s, 10m or 1h30m"
    ),
    "^(/.*)?$": PatternWords(
        "must be a JSON pointer: empty, or '/' and the path, such as /spec/replicas",
        lambda value: "/" + value.lstrip("/"),
    ),
    "^[A-Za-z]+=.+$": PatternWords(
        "must be NAME=VALUE, such as CreateNamespace=true or ServerSideApply=true"
    ),
    "\\{cluster\\}": PatternWords(
        "must contain {cluster}, which is replaced by each cluster's name",
        lambda value: f"{{cluster}}-{value}",
    ),
    "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$": PatternWords(
        "must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter "
        "and ending with a letter or digit, at most 63 characters), as a Service name is",
        lambda value: _label(value).lstrip("-0123456789"),
    ),
    "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/$": PatternWords(
        "must be an annotation prefix: a DNS subdomain and a final '/', such as "
        "external-dns.kubernetes.io/",
        lambda value: _subdomain(value.rstrip("/")) + "/",
    ),
    "^[0-9]{1,10}$": PatternWords(
        'must be a whole number of at most 10 digits, written as a string (such as "12")'
    ),
    "^https?://": PatternWords("must be a URL starting with https:// or http://", _url),
    "^/": PatternWords("must be a JSON pointer starting with '/'", lambda value: "/" + value),
    "^[A-Z][A-Za-z0-9]*$": PatternWords(
        "must be a kind: an upper-case letter, then letters and digits (such as Deployment)",
        _kind,
    ),
    "^[a-z][a-z0-9]*$": PatternWords(
        "must be lower-case letters and digits, starting with a letter (such as deployments)",
        _plural,
    ),
    "^1\\.[0-9]{1,3}$": PatternWords(
        'must be a Kubernetes minor version such as "1.29"',
        _minor_version,
    ),
    "^v?[0-9]+\\.[0-9]+": PatternWords(
        "must be a Kubernetes version such as v1.29.3 (a Karmada Cluster's status)"
    ),
    "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/v[0-9]+((alpha|beta)[0-9]+)?$": PatternWords(
        "must be an API group/version such as serving.knative.dev/v1 (core APIs are built in)"
    ),
    "^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$": PatternWords(
        'must be a Kubernetes quantity such as "4", "500m" or "128Gi"'
    ),
}


def describe_mismatch(value: str, pattern: str, max_length: int | None = None) -> tuple[str, str]:
    """``(message, hint)`` for a string that does not match ``pattern``.

    The hint suggests the fixed value when the fix yields one that matches
    (and fits ``max_length``); otherwise, for patterns of other schemas, it
    quotes the pattern, as the only description there is.
    """
    words = PATTERNS.get(pattern)
    if words is None:
        return (
            f"{value!r} does not have the form this field requires",
            f"the schema's pattern is {pattern}",
        )
    message = f"{value!r} {words.words}"
    if words.fix is None:
        return message, ""
    fixed = words.fix(value)
    fits = max_length is None or len(fixed) <= max_length
    if fixed and fixed != value and fits and re.search(pattern, fixed):
        return message, f"did you mean {fixed!r}?"
    return message, ""
