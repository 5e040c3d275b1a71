"""Kapitan's input tree for the synthetic fleet (tested with Kapitan 0.36.3, reclass backend).

Kapitan renders one **target** per inventory file ``inventory/targets/<name>.yml``; a target
inherits ``classes`` (``inventory/classes/<dotted.path>.yml``, deep-merged, lists appended)
and its ``parameters.kapitan.compile`` list says what to compile.  The ``jinja2`` input type
renders every file of its ``input_paths`` with ``inventory`` (the target's inventory) in the
context and writes them under ``compiled/<target>/<output_path>/`` (``inputs/jinja2.py``);
``suffix_remove`` drops the ``.j2``.

The mapping: one **target per cluster**; class ``common`` sets the target name and every
object's defaults (``parameters.objects``); one class per placement group,
``groups.<group>``, adds that group's compile entry (its templates under
``templates/<group>/``), and each target lists the groups whose selector matches it and
its own ``parameters.objects`` values (overrides and planned replicas).  Jinja2 rather than
kadet or jsonnet: the templates are the same as make-argocd-fly's, so the two peers differ
only in the tool, and Jinja2 is Kapitan's lightest input type.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.peers.base import Peer, write_text
from bench.peers.fleet import ALL_GROUP, PeerFleet, dump_static, template_text

LOOKUP = "inventory.parameters.objects"


def _yaml(doc: Any) -> str:
    text: str = yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, width=1000)
    return text


def common_class(fleet: PeerFleet) -> dict[str, Any]:
    """``inventory/classes/common.yml``: the target name (Kapitan requires
    ``kapitan.vars.target``) and the defaults of every object."""
    return {
        "parameters": {
            "kapitan": {"vars": {"target": "${_reclass_:name:short}"}},
            "objects": fleet.defaults(),
        }
    }


def group_class(group: str) -> dict[str, Any]:
    """``inventory/classes/groups/<group>.yml``: compile that group's templates."""
    entry = {
        "input_type": "jinja2",
        "input_paths": [f"templates/{group}"],
        "output_path": group,
        "suffix_remove": True,
    }
    return {"parameters": {"kapitan": {"compile": [entry]}}}


def target(fleet: PeerFleet, cluster: str) -> dict[str, Any]:
    """``inventory/targets/<cluster>.yml``."""
    doc: dict[str, Any] = {"classes": ["common", *(f"groups.{g}" for g in fleet.groups[cluster])]}
    if fleet.values[cluster]:
        doc["parameters"] = {"objects": fleet.values[cluster]}
    return doc


def write_input(fleet: PeerFleet, root: Path) -> int:
    """Write ``inventory/`` and ``templates/`` under ``root``; return the number of files."""
    classes = root / "inventory" / "classes"
    write_text(classes / "common.yml", _yaml(common_class(fleet)))
    groups = fleet.group_names()
    for group in groups:
        write_text(classes / "groups" / f"{group}.yml", _yaml(group_class(group)))
    for cluster in fleet.clusters:
        write_text(root / "inventory" / "targets" / f"{cluster}.yml", _yaml(target(fleet, cluster)))
    write_text(root / "templates" / ALL_GROUP / "namespaces.yml", dump_static(fleet.namespaces))
    for obj in fleet.objects:
        write_text(root / "templates" / obj.group / obj.file, template_text(obj, LOOKUP))
    return 2 + len(groups) + len(fleet.clusters) + len(fleet.objects)


def argv(command: Sequence[str], output: str) -> list[str]:
    """Compile every target into ``<output>/compiled/`` (relative to the input directory)."""
    return [*command, "compile", "--output-path", output]


PEER = Peer("kapitan", write_input, argv, clusters_root=lambda out: out / "compiled")
