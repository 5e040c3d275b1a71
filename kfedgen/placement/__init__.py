"""Stage 3, the middle: which clusters get each object, and how many replicas each gets.

* :mod:`~kfedgen.placement.resolve` -- KubeFed placement (cluster names and selectors) and
  the namespace gate, as :class:`~kfedgen.decisions.Resolution` values;
* :mod:`~kfedgen.placement.kubefed_planner` (a pure port) and :mod:`~kfedgen.placement.rsp`
  -- ReplicaSchedulingPreferences over those resolutions;
* ``karmada_*`` -- Karmada's policy choice, scheduling, scheduling outcomes, namespace
  sync and dependencies (``propagateDeps``) for plain objects, over the pure ports in
  :mod:`kfedgen.karmada` (``karmada_revise``: CRD replicas written by a customization's
  ReviseReplica);
* :mod:`~kfedgen.placement.cluster_overrides` -- the per-cluster overrides a scheduler adds.

Each stage returns new resolutions (they are immutable) with the replicas it planned and
where they came from.

It may import the front-ends' types and constants, the source stage and the shared
vocabulary; never the back-end, the pipeline or a view.
"""
