"""``kfedgen plan``: print where every federated workload runs, with its replicas."""

from __future__ import annotations

import sys
from pathlib import Path

from kfedgen.commands.render import print_warnings
from kfedgen.pipeline import Options, compile_fleet
from kfedgen.plan import build_plan, format_plan


def run_plan(options: Options, output_format: str) -> int:
    """Compile the fleet and print its replica plan on stdout (problems on stderr)."""
    compilation = compile_fleet(options, Path.cwd())
    print_warnings(compilation.problems.sorted(), "text")
    sys.stdout.write(format_plan(build_plan(compilation), output_format))
    return 0
