"""``kfedgen plan``'s traffic table: the DNS weights, split weights and headroom per cluster.

Read from :attr:`kfedgen.pipeline.Compilation.traffic`, which the traffic stage wrote; nothing
is recomputed here.  Printed after the replica table, and only when the fleet has any.
"""

from __future__ import annotations

from collections.abc import Sequence

from kfedgen.traffic.report import TrafficEntry

_COLUMNS = ("OBJECT", "CLUSTER", "KIND", "TARGET", "VALUE", "REPLICAS")
# What VALUE means for each kind, for the markdown heading.
_VALUES = {"dns": "weight", "split": "weight", "headroom": "placeholder replicas"}


def _cells(entry: TrafficEntry) -> tuple[str, ...]:
    return (
        entry.object,
        entry.cluster,
        entry.kind,
        entry.target,
        str(entry.value),
        str(entry.basis),
    )


def format_traffic(entries: Sequence[TrafficEntry], output_format: str) -> str:
    """The entries as an aligned ``text`` table or a ``markdown`` one ('' when none)."""
    if not entries:
        return ""
    if output_format == "markdown":
        lines = [
            "",
            "#### Traffic",
            "",
            "| " + " | ".join(c.capitalize() for c in _COLUMNS) + " |",
            "| --- | --- | --- | --- | ---: | ---: |",
        ]
        for entry in entries:
            obj, cluster, kind, target, value, basis = _cells(entry)
            lines.append(
                f"| `{obj}` | {cluster} | {kind} ({_VALUES[entry.kind]}) | `{target}` | "
                f"{value} | {basis} |"
            )
        return "\n".join(lines) + "\n"
    table = [_COLUMNS, *(_cells(entry) for entry in entries)]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    return "\n" + "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in table
    )
