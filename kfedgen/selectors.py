"""Kubernetes label selectors (``metav1.LabelSelector``) and name rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.errors import DocPath

# \Z, not $: in Python "$" also matches before a final newline, so "c1\n" would pass.
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z"
)
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def is_dns1123_label(value: str) -> bool:
    return len(value) <= 63 and DNS1123_LABEL.match(value) is not None


def is_dns1123_subdomain(value: str) -> bool:
    return len(value) <= 253 and DNS1123_SUBDOMAIN.match(value) is not None


def object_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an object name (None when it can).

    Kubernetes lets most kinds use DNS-1123 subdomains, and RBAC kinds use
    "path segment" names (anything but ``/``, ``%``, ``.`` and ``..``).  kfedgen
    accepts the union, which is also what keeps file names safe.
    """
    if not name:
        return "name must not be empty"
    if len(name) > 253:
        return "name is longer than 253 characters"
    if name in (".", ".."):
        return f"name {name!r} is not allowed"
    bad = [c for c in name if c in "/%\\" or ord(c) < 32 or ord(c) == 127]
    if bad:
        return f"name {name!r} contains {bad[0]!r}, which Kubernetes names may not contain"
    return None


def api_version_problem(api_version: str) -> str | None:
    """Why ``api_version`` is not ``VERSION`` or ``GROUP/VERSION`` (None when it is).

    The group becomes part of output file names, so it must be a DNS subdomain.
    """
    group, slash, version = api_version.rpartition("/")
    if not is_dns1123_label(version) or (slash and not is_dns1123_subdomain(group)):
        return f"apiVersion {api_version!r} is not VERSION or GROUP/VERSION"
    return None


# RBAC objects may have any name that is a valid URL path segment.
RBAC_GROUP = "rbac.authorization.k8s.io"


def kubernetes_name_problem(name: str, group: str, kind: str) -> str | None:
    """Why ``name`` cannot name a ``kind`` of API ``group`` (None when it can).

    Kubernetes names are DNS-1123 subdomains, except RBAC's, which may be any
    path segment (see :func:`object_name_problem`).
    """
    problem = object_name_problem(name)
    if problem or group == RBAC_GROUP or is_dns1123_subdomain(name):
        return problem
    return f"name {name!r} is not a valid {kind} name"


def label_key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid label key (None when it is)."""
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns1123_subdomain(prefix):
        return f"label key prefix {prefix!r} is not a DNS subdomain"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return f"label key {key!r} is not valid"
    return None


def label_value_problem(value: str) -> str | None:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        return f"label value {value!r} is not valid"
    return None


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            # Like Kubernetes: a cluster without the key is "not in" any set.
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist

    def __str__(self) -> str:
        if self.operator in ("Exists", "DoesNotExist"):
            return f"{'!' if self.operator == 'DoesNotExist' else ''}{self.key}"
        op = "in" if self.operator == "In" else "notin"
        return f"{self.key} {op} ({','.join(self.values)})"


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector; no requirements means "everything"."""

    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements) or "<everything>"


def parse_selector(
    raw: Mapping[str, Any], path: DocPath
) -> tuple[LabelSelector, list[tuple[DocPath, str]]]:
    """Parse a schema-valid ``LabelSelector`` mapping; return it and any semantic errors."""
    errors: list[tuple[DocPath, str]] = []
    requirements: list[Requirement] = []
    for key, value in sorted((raw.get("matchLabels") or {}).items()):
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            errors.append(((*path, "matchLabels", key), problem))
        requirements.append(Requirement(key, "In", (value,)))
    for index, expression in enumerate(raw.get("matchExpressions") or []):
        where = (*path, "matchExpressions", index)
        operator = expression["operator"]
        values = tuple(expression.get("values") or ())
        if operator not in OPERATORS:
            errors.append(
                (
                    (*where, "operator"),
                    f"operator {operator!r} is not one of {', '.join(OPERATORS)}",
                )
            )
            continue
        if operator in ("In", "NotIn") and not values:
            errors.append(((*where, "values"), f"operator {operator} needs at least one value"))
        if operator in ("Exists", "DoesNotExist") and values:
            errors.append(((*where, "values"), f"operator {operator} takes no values"))
        problem = label_key_problem(expression["key"])
        if problem:
            errors.append(((*where, "key"), problem))
        requirements.append(Requirement(expression["key"], operator, tuple(sorted(set(values)))))
    return LabelSelector(tuple(requirements)), errors
