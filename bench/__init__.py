"""Benchmark harness: synthetic fleet generator and kfedgen-vs-kustomize runner."""
