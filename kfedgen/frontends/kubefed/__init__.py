"""KubeFed's front-end: federated objects, ReplicaSchedulingPreferences, and their validate step.

* :mod:`~kfedgen.frontends.kubefed.typeconfigs` reads the FederatedTypeConfigs (first);
* :mod:`~kfedgen.frontends.kubefed.federated` reads one ``Federated<Kind>`` document;
* :mod:`~kfedgen.frontends.kubefed.rsp` reads one ReplicaSchedulingPreference;
* :mod:`~kfedgen.frontends.kubefed.validate` checks their cross-references once every
  document is read (run by the pipeline right after :func:`kfedgen.frontends.spec.build_spec`).

KubeFed's built-in types are in :mod:`kfedgen.frontends.kubefed.fedtypes`, the inventory is read by
:mod:`kfedgen.frontends.inventory`.  These modules may import the spec model and the shared
helpers (errors, load, schema, selectors, references), never a later stage.
"""
