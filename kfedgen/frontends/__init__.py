"""Stage 2, the front-ends: each reads its own kinds of fleet document into the typed spec.

:mod:`~kfedgen.frontends.kinds` is the one table of every kind kfedgen reads and who reads
it; :mod:`~kfedgen.frontends.spec` dispatches over it.  :mod:`~kfedgen.frontends.kubefed`
holds KubeFed's readers and its validate step, :mod:`~kfedgen.frontends.karmada` Karmada's
policy and plain-object readers; :mod:`~kfedgen.frontends.inventory` reads the clusters,
:mod:`~kfedgen.frontends.schema` checks documents against kfedgen's JSON schemas,
:mod:`~kfedgen.frontends.scope` knows which kinds are namespaced, and
:mod:`~kfedgen.frontends.references` words every cross-reference problem once.

A front-end may import the source stage, the shared vocabulary and the pure ports in
:mod:`kfedgen.karmada`, never placement, the back-end, the pipeline or a view.
"""
