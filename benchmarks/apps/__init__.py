"""The applications the benchmarks run: one module per implementation.

``cold_*`` modules are whole Lambda handler modules (importing one is the cold
start being measured); the other modules build warm apps for the in-process scenarios.
"""
