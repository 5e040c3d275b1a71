"""Benchmark harness: synthetic fleets and a comparison with a kustomize loop."""
