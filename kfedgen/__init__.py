"""kfedgen: compile a KubeFed/Karmada fleet spec into per-cluster GitOps manifests.

The modules at this level are the pipeline's stages and what they share; packages hold
the parts with a boundary of their own: ``frontends/`` (one per input dialect, e.g.
``frontends/karmada``), ``karmada/`` (pure ports of Karmada code, importing only the lowest
modules), ``scheduling/`` and ``commands/`` (one module per command).  Two shared types
sit below every front-end:
:class:`kfedgen.decisions.Resolution` (where each object goes, and why) and
:class:`kfedgen.rendered.RenderedObject` (one object as one cluster receives it).
"""

__version__ = "0.1.0"
