"""Local benchmarks: lambent against Powertools for AWS Lambda and a hand-written floor.

Run ``python -m benchmarks [--quick | --smoke] [--out benchmarks/RESULTS.md]``
(``make bench``). This package imports nothing at import time: its subprocess
workers measure cold starts and must not pay for the harness.
"""
