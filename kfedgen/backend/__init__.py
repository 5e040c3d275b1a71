"""Stage 4, the back-end: each placed object as each cluster receives it, then the output tree.

* :mod:`~kfedgen.backend.materialize` (KubeFed templates and overrides),
  :mod:`~kfedgen.backend.karmada_render` and :mod:`~kfedgen.backend.karmada_overrides`
  (propagated objects and OverridePolicies), :mod:`~kfedgen.backend.serverfields` and
  :mod:`~kfedgen.backend.lint` -- the rendered objects, and (materialize, the override
  policies) new resolutions saying what they applied and who wrote each replica count;
* :mod:`~kfedgen.backend.emit` and :mod:`~kfedgen.backend.yamlemit` -- canonical YAML, file
  names, kustomizations and the ownership manifest;
* :mod:`~kfedgen.backend.write`, :mod:`~kfedgen.backend.ownership`,
  :mod:`~kfedgen.backend.outscan` -- comparing with and swapping in the tree on disk;
  :mod:`~kfedgen.backend.staging` builds the new tree, :mod:`~kfedgen.backend.treestamp`
  digests the tree on disk, both in two processes where that pays
  (:mod:`~kfedgen.backend.beside`);
* :mod:`~kfedgen.backend.readback` -- what a file of the output tree holds;
* :mod:`~kfedgen.backend.clusterschemas`, :mod:`~kfedgen.backend.kubevalidate` and
  :mod:`~kfedgen.backend.kubefindings` -- the rendered objects against the Kubernetes schemas
  of each cluster's version (and ``validate --kube-version``'s one version).

It may import placement's results, the front-ends' types, the source stage and the shared
vocabulary; never the pipeline or a view.
"""
