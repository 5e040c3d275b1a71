"""The Karmada front-end: Karmada policy documents and plain objects, read into the spec.

* :mod:`~kfedgen.frontends.karmada.policies` -- PropagationPolicy, OverridePolicy and their
  cluster-wide kinds, parsed into :mod:`kfedgen.karmada.policytypes` values;
* :mod:`~kfedgen.frontends.karmada.customizations` -- ResourceInterpreterCustomizations
  (their Lua scripts) and the webhook configurations that cannot run offline;
* :mod:`~kfedgen.frontends.karmada.plain` -- the plain objects policies propagate, and the
  :class:`~kfedgen.decisions.Resolution` shape Karmada's placement produces for them;
* :mod:`~kfedgen.frontends.karmada.services` -- MultiClusterService
  (``networking.karmada.io``), parsed into :class:`~kfedgen.model.MultiClusterService`
  values that :mod:`kfedgen.traffic.mesh` renders.

Where they go is decided in :mod:`kfedgen.placement` (``karmada_*`` modules), how overrides
change them in :mod:`kfedgen.backend.karmada_overrides`.  It may import what every front-end
may (see :mod:`kfedgen.frontends`).
"""
