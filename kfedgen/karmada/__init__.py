"""Pure re-implementations of Karmada building blocks, on plain Python data.

Each module mirrors one piece of Karmada (reference snapshot ``f8fdd02df3``, v1.19-rc):

* :mod:`kfedgen.karmada.webster` -- static-weight replica division (Webster/Sainte-Lague),
  ``pkg/util/helper/webstermethod.go`` and ``pkg/scheduler/core/division_algorithm.go``.
* :mod:`kfedgen.karmada.imageparser` -- ``pkg/util/imageparser`` on top of
  ``distribution/reference.Parse`` (no normalisation).
* :mod:`kfedgen.karmada.patch` -- RFC 6902 with ``evanphx/json-patch/v5`` default options.
* :mod:`kfedgen.karmada.overriders` -- the OverridePolicy overriders of
  ``pkg/util/overridemanager``.

Nothing here does I/O; every function takes and returns plain data.
"""

from __future__ import annotations
