"""Front-ends: each reads its own kinds of fleet document into the typed spec.

:mod:`kfedgen.frontends.kinds` is the one table of every kind kfedgen reads and who reads
it; :mod:`kfedgen.frontends.kubefed` holds KubeFed's readers and its validate step.  A
front-end may import the spec model, problems, loading, schema and selector helpers and
:mod:`kfedgen.references`, never a later stage (placement, scheduling, materialize, emit,
write) or a view.
"""
