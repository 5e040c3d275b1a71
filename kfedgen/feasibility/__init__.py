"""Render-time feasibility: will what kfedgen renders for a cluster run *there*?

Back-end stage, after every object is final and before emit.  Each check is a pure
function over one cluster's rendered objects and its inventory entry; the table of
checks is :data:`kfedgen.feasibility.checks.CHECKS`.  A check runs only for clusters
whose inventory says enough to decide it.
"""
