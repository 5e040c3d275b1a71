"""The tools a user would pick instead of kfedgen, on the benchmark's synthetic fleet.

``fleet`` turns the generated fleet and kfedgen's replica plan into templates and values;
``makeargocdfly`` and ``kapitan`` write each tool's input tree from that; ``compare`` checks
that a tool's output holds the same objects as kfedgen's; ``stage`` runs and times them
for ``bench.run``.  ``registry.PEERS`` lists the peers.
"""
