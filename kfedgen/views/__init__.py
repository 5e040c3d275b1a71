"""The views: readers of what the pipeline produced, for people and for git.

:mod:`~kfedgen.views.plan` (what goes where, and why), :mod:`~kfedgen.views.treediff` (two
output trees compared), :mod:`~kfedgen.views.gitsource` (a fleet read from a git revision) and
:mod:`~kfedgen.views.staged` (``render --staged``).  A view may import the pipeline and every
stage; no stage imports a view.
"""
