"""Local benchmarks: lambent against hand-written floors and its peers.

The peers are Powertools for AWS Lambda (batch, parser, event handler),
Mangum+Starlette and Chalice (HTTP); each app module says what its side does
for the same work. Run ``python -m benchmarks [--quick | --smoke]`` (``make bench``
writes the committed ``RESULTS.md`` and ``ratios.png``; ``make bench-quick`` writes
to ``benchmarks/out/``, ignored by git). This package imports nothing at import
time: its subprocess workers measure cold starts and must not pay for the harness.
"""
