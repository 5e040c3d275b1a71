"""Pure re-implementations of Karmada building blocks, on plain Python data.

Each module mirrors one piece of Karmada (reference snapshot ``f8fdd02df3``, v1.19-rc):

* :mod:`kfedgen.karmada.policytypes` -- the ``policy.karmada.io/v1alpha1`` policy types, with
  the matching of ``pkg/util/selector.go`` (resource selectors, cluster affinities,
  tolerations).
* :mod:`kfedgen.karmada.interpreter` -- the default resource interpreter's ``GetReplicas``.
* :mod:`kfedgen.karmada.chain` -- ``pkg/resourceinterpreter/interpreter.go``: the fleet's
  customizations, then the bundled ones (:mod:`~kfedgen.karmada.scripts`, vendored under
  ``thirdparty/``), then the native interpreter; the Lua operations of ``luavm/lua.go``
  (:mod:`~kfedgen.karmada.luaops` on :mod:`~kfedgen.karmada.luavm`, with the ``kube``
  library's :mod:`~kfedgen.karmada.podtemplate` and :mod:`~kfedgen.karmada.quantity`), and
  :mod:`~kfedgen.karmada.revision` (what a ReviseReplica script changed).
* :mod:`kfedgen.karmada.dependencies` -- its ``GetDependencies`` (``native/dependencies.go``,
  ``helper.GetDependenciesFromPodTemplate``).
* :mod:`kfedgen.karmada.scheduler` -- ``pkg/scheduler/core`` for one object on a fresh
  control plane: filter plugins, spread-constraint selection, replica assignment; with
  :mod:`~kfedgen.karmada.spreadconstraint` (``pkg/scheduler/core/spreadconstraint``: grouping,
  group scores, cluster and region selection), :mod:`~kfedgen.karmada.spreadselection` (what
  a first schedule feeds it, and the reasons in words), :mod:`~kfedgen.karmada.dynamicdivision`
  (``dynamicDivideReplicas``) and :mod:`~kfedgen.karmada.schedulingerrors`.
* :mod:`kfedgen.karmada.webster` -- static-weight replica division (Webster/Sainte-Lague),
  ``pkg/util/helper/webstermethod.go`` and ``pkg/scheduler/core/division_algorithm.go``.
* :mod:`kfedgen.karmada.imageparser` -- ``pkg/util/imageparser`` on top of
  ``distribution/reference.Parse`` (no normalisation).
* :mod:`kfedgen.karmada.patch` -- RFC 6902 with ``evanphx/json-patch/v5`` default options.
* :mod:`kfedgen.karmada.overriders` (with :mod:`~kfedgen.karmada.fieldoverrider` and
  :mod:`~kfedgen.karmada.overriderbase`) -- the OverridePolicy overriders of
  ``pkg/util/overridemanager``.
* :mod:`kfedgen.karmada.gocompat` -- Go's number, JSON and YAML formatting where Karmada's
  output depends on it.

Nothing here does I/O, but for reading the vendored customizations (package data, on first
use) and running their Lua scripts in a sandbox (lupa, imported only when a script runs);
every function takes and returns plain data.  These modules import
one another and only the lowest kfedgen modules (errors, jsonpointer, load's ``Document``,
selectors, the pod template table of :mod:`kfedgen.podtemplates`,
and model's ``Cluster`` for the scheduler); kfedgen's Karmada front-end
(:mod:`kfedgen.frontends.karmada`) builds on them, never the other way round.
"""

from __future__ import annotations
