"""kfedgen: compile a KubeFed/Karmada fleet spec into per-cluster GitOps manifests."""

__version__ = "0.1.0"
