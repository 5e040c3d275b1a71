"""One module per command: each prints its results and returns an exit code.

Commands are views: they may import the pipeline, the views (``plan``, ...) and the shared
result types (``decisions``, ``rendered``), and read every front-end's resolutions alike.
"""
