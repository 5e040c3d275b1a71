"""make-argocd-fly's input tree for the synthetic fleet (tested with make-argocd-fly 0.4.8).

make-argocd-fly reads every YAML file under ``config/`` (merged) and renders, for each
environment and each application it lists, the files of ``source/<app>/``: ``*.j2`` files
through Jinja2 with the variables of the global, environment and application scopes merged
(deep merge, later wins; ``config.Config.get_vars``), other YAML files as they are. It writes
``<output>/<env>/<app>/<dir>/<kind>_<name>.yml``, one file per object
(``stage/process.py``, ``namegen.K8sPolicy``).

The mapping: one **environment per cluster**, one **application per placement group**
(``all``, ``sel-env-prod``, ``sel-provider-aws``), listed in the environments whose labels
the group's selector matches; the global ``vars.objects`` hold every object's defaults and
each environment's ``vars.objects`` its values (overrides and planned replicas).  No parent
application is declared, so no Argo CD ``Application`` is generated: the output is the
manifests only, the part kfedgen writes too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.peers.base import Peer, write_text
from bench.peers.fleet import ALL_GROUP, PeerFleet, dump_static, template_text

LOOKUP = "objects"  # the template variable holding every object's values


def config(fleet: PeerFleet) -> dict[str, Any]:
    """The contents of ``config/config.yml``."""
    envs: dict[str, Any] = {}
    for cluster in fleet.clusters:
        env: dict[str, Any] = {"apps": {group: {} for group in fleet.groups[cluster]}}
        if fleet.values[cluster]:
            env["vars"] = {LOOKUP: fleet.values[cluster]}
        envs[cluster] = env
    return {"vars": {LOOKUP: fleet.defaults()}, "envs": envs}


def write_input(fleet: PeerFleet, root: Path) -> int:
    """Write ``config/`` and ``source/`` under ``root``; return the number of files."""
    text = yaml.dump(config(fleet), Dumper=yaml.CSafeDumper, sort_keys=False, width=1000)
    write_text(root / "config" / "config.yml", text)
    write_text(root / "source" / ALL_GROUP / "namespaces.yml", dump_static(fleet.namespaces))
    for obj in fleet.objects:
        write_text(root / "source" / obj.group / obj.file, template_text(obj, LOOKUP))
    return 2 + len(fleet.objects)


def argv(command: Sequence[str], output: str) -> list[str]:
    """Render everything into ``output`` (relative to the input directory), quietly and
    without asking PyPI for a newer version."""
    return [
        *command,
        "--output-dir",
        output,
        "--skip-latest-version-check",
        "--loglevel",
        "WARNING",
    ]


PEER = Peer("make-argocd-fly", write_input, argv, clusters_root=lambda out: out)
