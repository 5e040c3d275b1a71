"""The plain Kubernetes objects Karmada policies propagate, as the Karmada front-end sees them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfedgen.decisions import Resolution
from kfedgen.errors import DocPath, Location, Problems
from kfedgen.frontends.references import report_defined_twice
from kfedgen.karmada.policytypes import ResourceRef
from kfedgen.model import Referable
from kfedgen.selectors import is_dns1123_label, object_name_problem
from kfedgen.source.load import Document


@dataclass(frozen=True)
class PlainObject(Referable):
    """A plain Kubernetes object that Karmada may propagate (or a namespace it creates)."""

    manifest: Mapping[str, Any]
    ident: ResourceRef
    where: Location
    doc: Document | None = None

    @classmethod
    def of(cls, doc: Document) -> PlainObject:
        return cls(doc.data, ResourceRef.of(doc.data), doc.location(), doc)

    @property
    def api_version(self) -> str:
        return self.ident.api_version

    @property
    def kind(self) -> str:
        return self.ident.kind

    @property
    def name(self) -> str:
        return self.ident.name

    @property
    def namespace(self) -> str:
        return self.ident.namespace

    @property
    def is_namespace(self) -> bool:
        return (self.api_version, self.kind) == ("v1", "Namespace")

    def location(self, path: DocPath = ()) -> Location:
        return self.doc.location(path) if self.doc is not None else self.where


# Where one plain object goes: the shared result type, over plain objects.
KarmadaResolution = Resolution[PlainObject]


def check_identity(
    obj: PlainObject, seen: dict[tuple[str, str, str], PlainObject], problems: Problems
) -> bool:
    """A propagated object needs a valid name (it becomes a file name) and is defined once."""
    problem = object_name_problem(obj.name)
    if problem:
        problems.error(obj.location(("metadata", "name")), ("metadata", "name"), problem)
        return False
    if obj.namespace and not is_dns1123_label(obj.namespace):
        problems.error(
            obj.location(("metadata", "namespace")),
            ("metadata", "namespace"),
            f"namespace {obj.namespace!r} is not a DNS-1123 label",
        )
        return False
    key = (obj.api_version, obj.kind, obj.key)
    first = seen.setdefault(key, obj)
    if first is not obj:
        report_defined_twice(obj, f"{obj.ref} ({obj.api_version})", first, problems)
        return False
    return True
