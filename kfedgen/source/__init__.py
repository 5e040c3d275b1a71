"""Stage 1, the source: the fleet's files, from the work tree or from git, as YAML documents.

Owns reading (:mod:`~kfedgen.source.fleetpaths`: which files, one symlink rule;
:mod:`~kfedgen.source.gitobjects`: verified reads of git objects), parsing with positions and
kubectl's scalar rules (:mod:`~kfedgen.source.load`, :mod:`~kfedgen.source.yamlcheck`) and
unpacking ``kind: List`` (:mod:`~kfedgen.source.lists`).  It may import only the shared
vocabulary (errors, scalars); nothing here knows a Kubernetes kind's meaning.
"""
