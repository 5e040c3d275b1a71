"""The Karmada front-end: Karmada policy documents and plain objects, compiled offline.

It owns what is kfedgen's own about Karmada, built on the pure ports in :mod:`kfedgen.karmada`:

* :mod:`~kfedgen.frontends.karmada.policies` -- parsing PropagationPolicy, OverridePolicy and
  their cluster-wide kinds into :mod:`kfedgen.karmada.policytypes` values; the document
  handlers :func:`~kfedgen.frontends.karmada.policies.add_propagation_policy` and
  :func:`~kfedgen.frontends.karmada.policies.add_override_policy`.
* :mod:`~kfedgen.frontends.karmada.propagation` -- the stage: for every plain object, the
  policy (:mod:`~kfedgen.frontends.karmada.choice`), the schedule, and the decisions
  (:mod:`~kfedgen.frontends.karmada.outcomes`), as :class:`kfedgen.decisions.Resolution`
  values over :class:`~kfedgen.frontends.karmada.plain.PlainObject`.
* :mod:`~kfedgen.frontends.karmada.namespaces` -- Karmada's namespace sync.
* :mod:`~kfedgen.frontends.karmada.render` -- the propagated objects' manifests per cluster.
* :mod:`~kfedgen.frontends.karmada.overrides` -- OverridePolicies over every rendered object.

It may import :mod:`kfedgen.karmada`, :mod:`kfedgen.decisions`, :mod:`kfedgen.rendered`,
:mod:`kfedgen.identity`, :mod:`kfedgen.model` and the modules those build on (errors, load,
schema, selectors); never the KubeFed stages, the pipeline or the views.
"""
