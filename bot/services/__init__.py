"""Use cases: plain functions over a unit of work and the ports in ``ports``."""
