"""kfedgen: compile a KubeFed/Karmada fleet spec into per-cluster GitOps manifests.

The packages are the compiler's stages, earliest first; a stage imports only its own and
earlier stages (``tests/test_layering.py`` checks it from the imports):

* ``source/`` -- the fleet's files (work tree or git) as YAML documents with positions;
* ``frontends/`` -- one per input dialect (``kubefed/``, ``karmada/``) over one kind table,
  into the typed spec, then one validate step;
* ``placement/`` -- the middle: which clusters get each object and how many replicas;
* ``backend/`` -- materialize, emit and write the output tree;
* :mod:`kfedgen.pipeline` -- the stages in order;
* ``views/`` and ``commands/`` -- plan, explain, diff, check, ``--staged``: readers of what
  the pipeline produced.

Beside them: the shared vocabulary at this level (:mod:`~kfedgen.errors`,
:mod:`~kfedgen.model`, :mod:`~kfedgen.decisions`, :mod:`~kfedgen.rendered`,
:mod:`~kfedgen.identity`, :mod:`~kfedgen.selectors`, :mod:`~kfedgen.scalars`...),
``karmada/`` (pure ports of Karmada code) and ``gitops/`` (the Argo CD and Flux wiring).
"""

__version__ = "0.1.0"
