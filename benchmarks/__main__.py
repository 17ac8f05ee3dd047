"""``python -m benchmarks [--quick | --smoke] [--out PATH] [--without-peers] [--only NAME]``.

A full run writes ``benchmarks/RESULTS.md`` and ``benchmarks/ratios.png`` (committed);
``--quick`` and ``--smoke`` write to ``benchmarks/out/`` (ignored by git) unless
``--out`` says otherwise, so they never overwrite the committed results.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from benchmarks import (
    batch,
    http_apps,
    iobound,
    observe,
    routing,
    runtime,
    sqs_poll,
    subprocesses,
)
from benchmarks._logs import quiet_like_lambda
from benchmarks._measure import Config, Row, config, progress, unavailable
from benchmarks.report import chart, markdown, table

HERE = Path(__file__).resolve().parent
SCENARIOS: tuple[tuple[str, Callable[[Config], list[Row]]], ...] = (
    ("cold", subprocesses.run_cold),
    ("sqs", batch.run),
    ("io", iobound.run_io),
    ("ordered", iobound.run_ordered),
    ("http", routing.run),
    ("http-grown", http_apps.run_warm),
    ("cold-routers", http_apps.run_cold),
    ("memory", subprocesses.run_memory),
    ("poll", sqs_poll.run),
    ("observe", observe.run),
    ("runtime", runtime.run),
)
#: parts of a scenario that ``--only`` can pick alone (a full run has them in their scenario)
PARTS: tuple[tuple[str, Callable[[Config], list[Row]]], ...] = (("runtime-cold", runtime.run_cold),)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, one round (tests)")
    parser.add_argument(
        "--out", type=Path, help="markdown file (default: RESULTS.md here, or out/ unless full)"
    )
    parser.add_argument("--chart", type=Path, help="chart image (default: ratios.png by --out)")
    parser.add_argument("--without-peers", action="store_true", help="lambent and the floors only")
    parser.add_argument(
        "--only",
        action="append",
        choices=[name for name, _ in (*SCENARIOS, *PARTS)],
        help="repeatable; runtime-cold: only the runtime scenario's cold-start row",
    )
    args = parser.parse_args(argv)
    mode: Literal["full", "quick", "smoke"] = (
        "smoke" if args.smoke else "quick" if args.quick else "full"
    )
    out: Path = args.out or (HERE if mode == "full" else HERE / "out") / "RESULTS.md"
    cfg = config(mode, peers=not args.without_peers)
    for peer, reason in cfg.skipped.items():
        progress(f"{peer} skipped: {reason}")
    quiet_like_lambda()
    command = shlex.join(["python", "-m", "benchmarks", *sys.argv[1:]] if argv is None else
                         ["python", "-m", "benchmarks", *argv])  # fmt: skip
    rows: list[Row] = []
    started = time.perf_counter()
    for name, scenario in SCENARIOS if not args.only else (*SCENARIOS, *PARTS):
        if args.only and name not in args.only:
            continue
        try:
            rows += scenario(cfg)
        except Exception as exc:  # keep the other scenarios' results
            if cfg.mode == "smoke":  # the smoke test is there to catch exactly this
                raise
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            progress(f"{name} failed: {reason}")
            rows.append(unavailable(name, reason))
    progress(f"done in {time.perf_counter() - started:.1f} s")
    image = chart(rows, args.chart or out.with_name("ratios.png"))
    text = markdown(rows, cfg, command, image)
    print("\n".join(table(rows, cfg)), file=sys.__stdout__)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    progress(f"wrote {out}" + (f" and {image}" if image else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
