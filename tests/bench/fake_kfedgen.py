"""A stand-in for ``python -m kfedgen render`` used to test the benchmark runner.

It understands just enough of the fleet (Fleet inventory, Federated* objects placed by
``clusterSelector``) to write ``<out>/<cluster>/<namespace>/<kind>_<name>.yaml`` and a
``.kfedgen/manifest.json``, rewriting only files whose content changes. ``--check`` exits 1
when the tree is stale. With ``FAKE_KFEDGEN_REWRITE_ALL=1`` in the environment it rewrites
every file, so tests can see the runner catch that. Overrides and RSPs are ignored: the
runner only looks at which files change, not at what they hold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml


def _desired(fleet: Path) -> dict[str, str]:
    docs: list[dict[str, Any]] = []
    for path in sorted(fleet.rglob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    clusters = next(d for d in docs if d["kind"] == "Fleet")["spec"]["clusters"]
    files: dict[str, str] = {}
    for doc in docs:
        kind = str(doc["kind"])
        if not kind.startswith("Federated") or kind == "FederatedNamespace":
            continue
        wanted = doc["spec"]["placement"]["clusterSelector"].get("matchLabels", {})
        meta = doc["metadata"]
        target = kind.removeprefix("Federated")
        body = yaml.safe_dump({"kind": target, **doc["spec"]["template"]})
        for cluster in clusters:
            if all(cluster["labels"].get(k) == v for k, v in wanted.items()):
                rel = f"{cluster['name']}/{meta['namespace']}/{target.lower()}_{meta['name']}.yaml"
                files[rel] = body
    manifest = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in files.items()}
    files[".kfedgen/manifest.json"] = json.dumps(manifest, sort_keys=True)
    return files


def main() -> int:
    """``render [--check] -f FLEET -o OUT``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["render"])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("-f", "--fleet", type=Path, required=True)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    rewrite_all = os.environ.get("FAKE_KFEDGEN_REWRITE_ALL") == "1"
    stale = 0
    for rel, text in _desired(args.fleet).items():
        path = args.output / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text and not rewrite_all:
            continue
        stale += 1
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        sys.stderr.write(f"{stale} files are stale\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
