"""The synthetic fleet as a peer tool sees it: base objects, placement groups, per-cluster values.

kfedgen reads a KubeFed fleet; make-argocd-fly and Kapitan read templates plus values. This
module turns the generator's model (``bench.generate.FleetModel``) and kfedgen's own replica
plan into that second shape, once, for both peers:

* every federated object becomes one **base document**, exactly as kfedgen renders it when
  nothing overrides it (its template plus apiVersion, kind, name and namespace);
* every JSON pointer that some cluster changes becomes a **variable** of that object, with
  the base document's value as its default: the override paths of the fleet, and
  ``/spec/replicas`` of RSP-managed Deployments;
* every cluster gets the **values** that differ from the defaults: its overrides, and for
  RSP-managed Deployments the replicas that ``kfedgen plan`` gives it (the generator's
  ``rsp_split`` is not KubeFed's planner, so the peers take the planner's numbers and only
  do the templating);
* objects are grouped by placement (``all``, ``sel-env-prod``...), as the kustomize tree's
  bases are, and each cluster lists the groups whose selector matches it.

Templates are Jinja2 (the language both peers render): the base document as YAML, with each
variable written as ``{{ o["name"] | tojson }}``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bench import generate

ALL_GROUP: Final = "all"
# Jinja2 delimiters: a base document containing one would be read as template syntax.
JINJA_DELIMITERS: Final = ("{{", "}}", "{%", "%}", "{#", "#}")
_SENTINEL: Final = "__peervar_{}__"


@dataclass(frozen=True)
class PeerObject:
    """One federated object: its base document and what clusters may change in it."""

    key: str  # "<namespace>/<name>", the key of its values
    kind: str
    group: str  # placement group (directory and app/class name)
    doc: dict[str, Any]  # as kfedgen renders it without overrides
    variables: dict[str, str]  # variable name -> JSON pointer into ``doc``
    defaults: dict[str, Any]  # variable name -> value in ``doc``

    @property
    def file(self) -> str:
        """Path of its template inside its group's directory (``.j2`` when templated)."""
        namespace, name = self.key.split("/", 1)
        suffix = ".yml.j2" if self.variables else ".yml"
        return f"{namespace}/{self.kind.lower()}_{name}{suffix}"


@dataclass(frozen=True)
class PeerFleet:
    """Everything a peer's input tree is generated from."""

    clusters: list[str]
    groups: dict[str, list[str]]  # cluster -> placement groups it receives, "all" first
    objects: list[PeerObject]
    namespaces: list[dict[str, Any]]  # Namespace documents, placed on every cluster
    values: dict[str, dict[str, dict[str, Any]]]  # cluster -> object key -> var -> value

    def group_names(self) -> list[str]:
        """Every placement group, ``all`` first."""
        return sorted({o.group for o in self.objects} | {ALL_GROUP}, key=_group_order)

    def defaults(self) -> dict[str, dict[str, Any]]:
        """Object key -> its variables' defaults, for objects that have variables."""
        return {o.key: dict(o.defaults) for o in self.objects if o.variables}


def _group_order(group: str) -> tuple[bool, str]:
    return (group != ALL_GROUP, group)


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """The value at JSON pointer ``pointer`` (RFC 6901) in ``doc`` (KeyError/IndexError if none)."""
    node = doc
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def set_pointer(doc: Any, pointer: str, value: Any) -> None:
    """Replace the value at JSON pointer ``pointer`` in ``doc`` (which must exist)."""
    head, _, last = pointer.rpartition("/")
    parent = resolve_pointer(doc, head) if head else doc
    token = last.replace("~1", "/").replace("~0", "~")
    if isinstance(parent, list):
        parent[int(token)] = value
    else:
        parent[token] = value


def _variable_name(pointer: str) -> str:
    # The last segment names the field (replicas, image, LOG_LEVEL): what a user would call it.
    return pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def base_document(obj: generate.FedObject) -> dict[str, Any]:
    """The object as kfedgen renders it where nothing overrides it.

    ``generate.plain_object`` minus the ``kubefed.io/managed`` label, which the kustomize base
    adds but kfedgen does not write (README, "Compatibility with KubeFed").  A deep copy:
    the runner's change stage edits the model's templates later.
    """
    doc = copy.deepcopy(generate.plain_object(obj))
    labels = doc["metadata"]["labels"]
    for key in generate.MANAGED_LABEL:
        labels.pop(key, None)
    if not labels:
        del doc["metadata"]["labels"]
    return doc


def scheduled_replicas(plan: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """From ``kfedgen plan --format json``: ``namespace/name`` -> cluster -> replicas, for the
    rows a replica scheduler (here: an RSP) decided."""
    out: dict[str, dict[str, int]] = {}
    for row in plan.get("rows", []):
        if row.get("source") == "scheduler" and isinstance(row.get("replicas"), int):
            key = f"{row['namespace']}/{row['name']}"
            out.setdefault(key, {})[row["cluster"]] = row["replicas"]
    return out


def build(model: generate.FleetModel, replicas: Mapping[str, Mapping[str, int]]) -> PeerFleet:
    """The peer view of ``model``, with RSP replicas taken from ``replicas`` (the plan).

    Raises ValueError when the plan has no replicas for an RSP-managed object in a cluster
    it is placed in: the peers could not produce kfedgen's objects then.
    """
    objects: list[PeerObject] = []
    values: dict[str, dict[str, dict[str, Any]]] = {c.name: {} for c in model.clusters}
    for obj in model.objects:
        key = f"{obj.namespace}/{obj.name}"
        doc = base_document(obj)
        per_cluster: dict[str, dict[str, Any]] = {}
        for cluster in model.placed(obj):
            chosen = {
                _variable_name(o.path): (o.path, o.value)
                for o in obj.overrides.get(cluster.name, ())
            }
            if obj.rsp_total is not None:
                planned = replicas.get(key, {}).get(cluster.name)
                if planned is None:
                    raise ValueError(f"kfedgen plan has no replicas for {key} in {cluster.name}")
                chosen["replicas"] = ("/spec/replicas", planned)
            if chosen:
                per_cluster[cluster.name] = chosen
        variables = {n: p for pvs in per_cluster.values() for n, (p, _) in pvs.items()}
        defaults = {name: resolve_pointer(doc, pointer) for name, pointer in variables.items()}
        for cname, pvs in per_cluster.items():
            changed = {n: v for n, (_, v) in pvs.items() if v != defaults[n]}
            if changed:
                values[cname][key] = changed
        objects.append(
            PeerObject(key, obj.kind, obj.group_key, doc, dict(sorted(variables.items())), defaults)
        )
    groups = {
        c.name: sorted(
            {o.group_key for o in model.placed_objects(c)} | {ALL_GROUP}, key=_group_order
        )
        for c in model.clusters
    }
    namespaces = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for ns in model.namespaces
    ]
    return PeerFleet([c.name for c in model.clusters], groups, objects, namespaces, values)


# --------------------------------------------------------------------------- templates


# A literal block (``|``) at the very end of a document loses its final line break in
# make-argocd-fly 0.4.8, which strips each document before parsing it
# (``util.extract_single_resource``); a double-quoted scalar keeps every character.
_TEMPLATE_DUMPER: Final = generate.multiline_dumper('"')


def dump_static(docs: Sequence[Any]) -> str:
    """YAML text for documents written as they are (no variables)."""
    text = generate.dump_yaml(docs, dumper=_TEMPLATE_DUMPER)
    if any(d in text for d in JINJA_DELIMITERS):
        # Both peers pass every file through Jinja2; such text would need {% raw %}.
        raise ValueError("a base document contains Jinja2 delimiters")
    return text


def template_text(obj: PeerObject, lookup: str) -> str:
    """The Jinja2 template of ``obj``: its base document with each variable substituted.

    ``lookup`` is the expression that yields the values of all objects (``objects`` for
    make-argocd-fly's vars, ``inventory.parameters.objects`` for Kapitan); the template reads
    ``<lookup>[key]``, which holds the defaults merged with the cluster's values.
    """
    if not obj.variables:
        return dump_static([obj.doc])
    doc = copy.deepcopy(obj.doc)
    for name, pointer in obj.variables.items():
        set_pointer(doc, pointer, _SENTINEL.format(name))
    text = dump_static([doc])
    for name in obj.variables:
        text = text.replace(_SENTINEL.format(name), f"{{{{ o[{json.dumps(name)}] | tojson }}}}")
    return "{%- set o = " + f"{lookup}[{json.dumps(obj.key)}]" + " -%}\n" + text
