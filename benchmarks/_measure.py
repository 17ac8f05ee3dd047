"""Timing and result rows shared by the scenarios.

Every scenario times its implementations *alternately* in one process (the order
rotates each round so none always runs first on a noisy machine), keeps every
sample, and reports medians. Ratios are the median of the per-round ratios: each
round's pair was measured back to back, under the same noise.
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

#: the peers lambent is compared with, and the modules each needs (the bench extra)
PEERS: dict[str, tuple[str, ...]] = {
    "powertools": ("aws_lambda_powertools", "pydantic"),
    "mangum": ("mangum", "starlette"),
    "chalice": ("chalice",),
}
#: column titles of every implementation a row may have
TITLES = {
    "lambent": "lambent",
    "floor": "floor",
    "powertools": "Powertools",
    "mangum": "Mangum+Starlette",
    "chalice": "Chalice",
    "ric": "awslambdaric+lambent",
}

#: ratio names used in tables and the chart
VS_FLOOR = "lambent ÷ floor"
PT_VS_LAMBENT = "Powertools ÷ lambent"
MANGUM_VS_LAMBENT = "Mangum+Starlette ÷ lambent"
CHALICE_VS_LAMBENT = "Chalice ÷ lambent"
PEER_RATIOS = {
    "powertools": PT_VS_LAMBENT,
    "mangum": MANGUM_VS_LAMBENT,
    "chalice": CHALICE_VS_LAMBENT,
}
#: lambent.runtime rows: the managed runtime's client with lambent, against lambent.runtime
RIC_VS_RUNTIME = "awslambdaric+lambent ÷ lambent.runtime"
RATIOS = (VS_FLOOR, *PEER_RATIOS.values(), RIC_VS_RUNTIME)


@dataclass(frozen=True)
class Config:
    """What one run measures: sizes, rounds, and which peers take part."""

    mode: Literal["full", "quick", "smoke"]
    rounds: int
    sqs_sizes: tuple[int, ...]
    io_records: int
    io_delay: float
    concurrency: int
    groups: int
    http_requests: int
    memory_records: int
    cold_rounds: int
    #: why a peer's columns are empty, by peer (absent: it takes part)
    skipped: Mapping[str, str] = field(default_factory=dict)

    def has(self, peer: str) -> bool:
        return peer not in self.skipped

    @property
    def powertools(self) -> bool:
        return self.has("powertools")


def config(mode: Literal["full", "quick", "smoke"], *, peers: bool = True) -> Config:
    skipped: dict[str, str] = {}
    for peer, modules in PEERS.items():
        missing = [m for m in modules if not _installed(m)]
        if not peers:
            skipped[peer] = "left out with --without-peers"
        elif missing:
            skipped[peer] = f"not installed ({', '.join(missing)}); install the bench extra"
    if mode == "full":
        # many short samples: on a shared machine, the finer the alternation, the more
        # of the noise each round's ratio cancels
        return Config(mode, 15, (10, 1_000, 10_000), 1_000, 0.01, 100, 10, 2_000, 10_000, 11,
                      skipped)  # fmt: skip
    if mode == "quick":
        return Config(mode, 3, (10, 1_000), 200, 0.01, 100, 10, 1_000, 2_000, 3, skipped)
    return Config(mode, 1, (10,), 20, 0.001, 10, 2, 20, 50, 1, skipped)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@dataclass
class Samples:
    """Seconds per call of each implementation, one sample a round."""

    times: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def ratio(self, a: str, b: str) -> float:
        """Median over rounds of ``a``'s time divided by ``b``'s (same round)."""
        pairs = zip(self.times[a], self.times[b], strict=True)
        return statistics.median(x / y for x, y in pairs)


def alternate(
    impls: Mapping[str, Callable[[], object]], *, rounds: int, repeat: int = 1, warmup: int = 1
) -> Samples:
    """Time each of ``impls`` once a round, rotating their order; ``repeat`` calls per sample.

    A sample is the time of ``repeat`` calls divided by ``repeat``. Every
    implementation is warmed up first (the warm path is what is measured here).
    """
    names = list(impls)
    for name in names:
        for _ in range(warmup):
            impls[name]()
    samples = Samples({name: [] for name in names})
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn = impls[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples.times[name].append((time.perf_counter() - start) / repeat)
    return samples


@dataclass(frozen=True)
class Target:
    """A target from the issue: ``ratio`` (a key of :attr:`Row.ratios`) ``op`` ``limit``."""

    ratio: str
    op: Literal["<=", ">=", ">"]
    limit: float

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.op == "<=":
            return value <= self.limit
        return value >= self.limit if self.op == ">=" else value > self.limit

    def __str__(self) -> str:
        op = {"<=": "≤", ">=": "≥", ">": ">"}[self.op]
        return f"{self.ratio} {op} {self.limit:g}"


def faster_than_peers(*peers: str) -> tuple[Target, ...]:
    """Targets saying lambent is faster than each of ``peers`` (peer ÷ lambent > 1)."""
    return tuple(Target(PEER_RATIOS[p], ">", 1.0) for p in peers)


@dataclass
class Row:
    """One line of the results table."""

    scenario: str
    case: str
    unit: str
    values: dict[str, float | None]
    ratios: dict[str, float | None] = field(default_factory=dict)
    targets: Sequence[Target] = ()
    note: str = ""
    #: how to print a value (``{:,.1f}`` style)
    fmt: str = "{:,.2f}"

    def verdicts(self) -> list[tuple[Target, bool | None]]:
        return [(t, t.met(self.ratios.get(t.ratio))) for t in self.targets]


def ratios(samples: Samples, floor: str = "floor") -> dict[str, float | None]:
    """The standard ratios of a timed comparison (absent implementations give None)."""
    have = samples.times
    out: dict[str, float | None] = {
        VS_FLOOR: samples.ratio("lambent", floor) if floor in have else None
    }
    for peer, name in PEER_RATIOS.items():
        out[name] = samples.ratio(peer, "lambent") if peer in have else None
    return out


def per_call(samples: Samples, scale: float) -> dict[str, float | None]:
    """Each implementation's median time times ``scale``, under its column name."""
    return {name: samples.median(name) * scale for name in TITLES if name in samples.times}


def unavailable(scenario: str, reason: str) -> Row:
    return Row(scenario, "unavailable", "", {}, note=f"unavailable: {reason}")


def progress(message: str) -> None:
    # the real stdout: the run's ``sys.stdout`` counts log lines (benchmarks._logs)
    print(f"[bench] {message}", file=sys.__stdout__, flush=True)
