"""A stand-in for make-argocd-fly and Kapitan, used to test the peers stage without them.

It reads the input trees ``bench/peers/`` writes, with the semantics of the real tools that
those trees rely on: make-argocd-fly merges the global and the environment's ``vars`` (deep
merge, later wins) and renders ``source/<app>/`` for every app an environment lists into
``<output>/<env>/<app>/``; Kapitan (``compile`` as first argument) merges a target's classes
in order and then its own parameters (lists appended) and runs each ``jinja2`` compile entry
into ``<output>/compiled/<target>/<output_path>/``, dropping ``.j2``.

Templating understands exactly what ``bench.peers.fleet.template_text`` writes (a
``{%- set o = LOOKUP["key"] -%}`` line and ``{{ o["var"] | tojson }}``), not Jinja2 in
general.  With ``FAKE_PEER_WRONG_REPLICAS=1`` in the environment, the first value named
``replicas`` it writes is one too many, so tests can see the equivalence check catch it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

HEADER = re.compile(r'\{%- set o = [\w.]+\[("(?:[^"\\]|\\.)*")\] -%\}\n')
VARIABLE = re.compile(r'\{\{ o\[("(?:[^"\\]|\\.)*")\] \| tojson \}\}')


class _Wrong:
    """Whether the one deliberate error is still to be made."""

    pending = os.environ.get("FAKE_PEER_WRONG_REPLICAS") == "1"


def merge(base: Any, top: Any) -> Any:
    """Deep merge: mappings merge key by key, lists are appended, other values replaced."""
    if isinstance(base, dict) and isinstance(top, dict):
        out = dict(base)
        for key, value in top.items():
            out[key] = merge(out[key], value) if key in out else value
        return out
    if isinstance(base, list) and isinstance(top, list):
        return base + top
    return top


def render(text: str, objects: dict[str, Any]) -> str:
    """Substitute one template's variables from ``objects`` (key -> var -> value)."""
    header = HEADER.match(text)
    if header is None:
        return text
    values = objects[json.loads(header.group(1))]

    def value(match: re.Match[str]) -> str:
        name = json.loads(match.group(1))
        result = values[name]
        if name == "replicas" and _Wrong.pending:
            _Wrong.pending = False
            result += 1
        return json.dumps(result)

    return VARIABLE.sub(value, text[header.end() :])


def render_dir(source: Path, target: Path, objects: dict[str, Any]) -> None:
    """Render every file under ``source`` into ``target``, dropping a ``.j2`` suffix."""
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).as_posix().removesuffix(".j2")
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text(render(path.read_text(encoding="utf-8"), objects))


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def make_argocd_fly(output: Path) -> None:
    """make-argocd-fly's ``config/`` + ``source/`` semantics, as far as the bench uses them."""
    config = _load(Path("config", "config.yml"))
    for env, settings in config["envs"].items():
        merged = merge(config.get("vars", {}), settings.get("vars", {}))
        for app in settings["apps"]:
            render_dir(Path("source", app), output / env / app, merged["objects"])


def kapitan(output: Path) -> None:
    """Kapitan's inventory + jinja2 input semantics, as far as the bench uses them."""
    for target in sorted(Path("inventory", "targets").glob("*.yml")):
        spec = _load(target)
        parameters: dict[str, Any] = {}
        for cls in spec["classes"]:
            path = Path("inventory", "classes", *cls.split(".")).with_suffix(".yml")
            parameters = merge(parameters, _load(path)["parameters"])
        parameters = merge(parameters, spec.get("parameters", {}))
        for entry in parameters["kapitan"]["compile"]:
            assert entry["input_type"] == "jinja2" and entry["suffix_remove"] is True
            for source in entry["input_paths"]:
                compiled = output / "compiled" / target.stem / entry["output_path"]
                render_dir(Path(source), compiled, parameters["objects"])


def main() -> int:
    """``fake_peer.py --output-dir OUT ...`` (make-argocd-fly) or
    ``fake_peer.py compile --output-path OUT`` (Kapitan); ``--version`` prints one."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write("fake-peer 1.0\n")
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?")
    parser.add_argument("--output-dir", type=Path)
    parser.add_argument("--output-path", type=Path)
    args, _ = parser.parse_known_args()
    if args.mode == "compile":
        kapitan(args.output_path)
    else:
        make_argocd_fly(args.output_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
