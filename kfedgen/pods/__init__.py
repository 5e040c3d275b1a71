"""What one pod asks the scheduler for and which declared nodes can take it.

Shared vocabulary of two stages: placement estimates a cluster's capacity for a workload
from it (:mod:`kfedgen.placement.capacity`), and the render-time feasibility checks
(:mod:`kfedgen.feasibility`) test what was planned against the same numbers.  It imports
neither stage.
"""
