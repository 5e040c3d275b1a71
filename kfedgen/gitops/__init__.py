"""The GitOps wiring: the Argo CD and Flux objects that sync ``rendered/<cluster>/``.

Owns the Fleet's ``spec.gitops`` section, from its typed settings to the ``_argocd/`` and
``_flux/`` directories of the output tree:

* :mod:`~kfedgen.gitops.settings` -- :class:`~kfedgen.gitops.settings.GitOpsSettings` and
  :func:`~kfedgen.gitops.settings.parse_gitops`, called once where the Fleet is read;
* :mod:`~kfedgen.gitops.values` -- what Argo CD, Flux and git accept in the values written;
* :mod:`~kfedgen.gitops.layout` -- what both engines share: directories, names, paths;
* :mod:`~kfedgen.gitops.argocd` and :mod:`~kfedgen.gitops.flux` -- each engine's objects
  and the checks only it needs;
* :mod:`~kfedgen.gitops.files` -- the pipeline's interface, after materializing:
  :func:`~kfedgen.gitops.files.gitops_files` (which runs
  :func:`~kfedgen.gitops.files.check_gitops`).

What it may import: ``settings`` imports only :mod:`kfedgen.errors`, because
:mod:`kfedgen.model` holds its types; the other modules may import the model, the problems,
the loaded documents, the selectors and :mod:`kfedgen.backend.emit`'s YAML writer, never the
pipeline or a view.  This ``__init__`` imports nothing, so that importing the settings
(as the model does) does not import the rest.
"""
