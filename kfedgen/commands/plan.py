"""``kfedgen plan``: print where every federated workload runs, with its replicas."""

from __future__ import annotations

import sys
from pathlib import Path

from kfedgen.pipeline import Options, compile_fleet
from kfedgen.report import Reporter
from kfedgen.traffic.report import TrafficEntry
from kfedgen.views.plan import CapacityRow, PlanRow, build_capacity, build_plan, format_plan
from kfedgen.views.schedcapacity import SchedulerCapacityRow, build_scheduler_capacity
from kfedgen.views.trafficplan import format_traffic


def run_plan(options: Options, report: Reporter, output_format: str) -> int:
    """Compile the fleet and print its replica plan on stdout (problems on stderr)."""
    compilation = compile_fleet(options, Path.cwd())
    report.report(compilation.problems.sorted())
    rows, capacity = build_plan(compilation), build_capacity(compilation)
    scheduler = build_scheduler_capacity(compilation)
    if not report.json:
        sys.stdout.write(format_plan(rows, output_format, capacity, scheduler))
        sys.stdout.write(format_traffic(compilation.traffic, output_format))
    return report.finish(0, plan_document(rows, capacity, compilation.traffic, scheduler))


def plan_document(
    rows: list[PlanRow],
    capacity: list[CapacityRow],
    traffic: tuple[TrafficEntry, ...] = (),
    scheduler: list[SchedulerCapacityRow] | None = None,
) -> dict[str, object]:
    """The fields of ``plan --format json`` (documented in the README)."""
    return {
        "rows": [row.as_dict() for row in rows],
        "capacity": [row.as_dict() for row in capacity],
        "schedulerCapacity": [row.as_dict() for row in scheduler or ()],
        "traffic": [entry.as_dict() for entry in traffic],
    }
