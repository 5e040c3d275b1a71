"""Replica scheduling (the middle): how many replicas each member cluster gets.

Owns KubeFed's planner (a pure port) and the RSP scheduler that applies it to resolutions.
May import the spec model, :mod:`kfedgen.resolve`, :mod:`kfedgen.cluster_overrides` and the
front-ends' constants; never materialize, emit, write or a view.
"""
