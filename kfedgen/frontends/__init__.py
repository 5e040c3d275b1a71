"""Front-ends: each reads its own kinds of fleet document into the typed spec.

:mod:`kfedgen.frontends.kinds` is the one table of every kind kfedgen reads and who reads
it; :mod:`kfedgen.frontends.kubefed` holds KubeFed's readers and its validate step,
:mod:`kfedgen.frontends.karmada` Karmada's policy readers, propagation and overrides.  A
front-end may import the spec model, problems, loading, schema and selector helpers,
:mod:`kfedgen.references` and the pure ports in :mod:`kfedgen.karmada`, never a later
stage (placement, scheduling, materialize, emit, write) or a view.
"""
