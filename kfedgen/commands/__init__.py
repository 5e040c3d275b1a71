"""One module per command: each prints its results and returns an exit code."""
