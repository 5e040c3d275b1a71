"""``kfedgen validate``: check the fleet spec without writing anything."""

from __future__ import annotations

import sys
from pathlib import Path

from kfedgen.commands.render import print_warnings
from kfedgen.pipeline import Options, compile_fleet


def run_validate(options: Options, error_format: str) -> int:
    compilation = compile_fleet(options, Path.cwd())
    print_warnings(compilation.problems.sorted(), error_format)
    sys.stderr.write(
        f"kfedgen: the fleet spec is valid ({len(compilation.spec.clusters)} clusters, "
        f"{len(compilation.spec.federated)} federated objects)\n"
    )
    return 0
