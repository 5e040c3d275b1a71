"""Replica scheduling: how many replicas each member cluster gets."""
