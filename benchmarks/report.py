"""The results: a markdown table (printed and written) and a chart of the ratios."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchmarks._measure import PEER_RATIOS, RATIOS, TITLES, VS_FLOOR, Config, Row

PACKAGES = (
    "lambent", "msgspec", "anyio", "structlog", "aws-lambda-powertools", "pydantic",
    "pydantic-core", "mangum", "starlette", "chalice", "matplotlib",
)  # fmt: skip


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(command: str, cfg: Config) -> list[str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    return [
        f"- command: `{command}` (mode {cfg.mode}, {cfg.rounds} rounds, "
        f"{cfg.cold_rounds} cold-start rounds)",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs ({usable} usable), {_cpu_model()}, "
        f"{platform.system()} {platform.release()}",
        f"- python: {platform.python_implementation()} {sys.version.split()[0]}",
        f"- packages: {versions}",
    ]


def _cell(row: Row, value: float | None) -> str:
    return "-" if value is None else row.fmt.format(value)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _verdict(row: Row) -> str:
    parts = []
    for target, met in row.verdicts():
        mark = "n/a" if met is None else ("met" if met else "**missed**")
        parts.append(f"{target}: {mark}")
    return "; ".join(parts)


def table(rows: Sequence[Row], cfg: Config) -> list[str]:
    titles = [TITLES[impl] + (" (skipped)" if impl in cfg.skipped else "") for impl in TITLES]
    lines = [
        f"| scenario | case | unit | {' | '.join(titles)} | {' | '.join(RATIOS)} | target | note |",
        "|---|---|---|" + "---:|" * (len(TITLES) + len(RATIOS)) + "---|---|",
    ]
    blank = " |" * (len(TITLES) + len(RATIOS) + 2)
    for row in rows:
        if row.case == "unavailable":
            lines.append(f"| {row.scenario} | {row.note} | |{blank}")
            continue
        values = " | ".join(_cell(row, row.values.get(impl)) for impl in TITLES)
        ratios = " | ".join(_ratio(row.ratios.get(name)) for name in RATIOS)
        lines.append(
            f"| {row.scenario} | {row.case} | {row.unit} | {values} | {ratios} "
            f"| {_verdict(row)} | {row.note} |"
        )
    return lines


def summary(rows: Sequence[Row]) -> list[str]:
    out = []
    for row in rows:
        for target, met in row.verdicts():
            value = row.ratios.get(target.ratio)
            shown = "n/a" if value is None else f"{value:.2f}"
            state = "n/a" if met is None else ("met" if met else "MISSED")
            out.append(f"- {row.scenario}, {row.case}: {target} → {shown} ({state})")
        if row.case == "unavailable":
            out.append(f"- {row.scenario}: {row.note}")
    return out


def markdown(rows: Sequence[Row], cfg: Config, command: str, chart: str | None) -> str:
    parts = ["# lambent benchmarks", "", *machine(command, cfg), ""]
    for peer, reason in cfg.skipped.items():
        parts += [f"{TITLES[peer]} columns skipped: {reason}.", ""]
    parts += [
        "Implementations run alternately in one process (cold start and memory: in fresh "
        "interpreters, alternating), the order rotating each round; values are medians and "
        "ratios are medians of per-round ratios (each round's pair measured back to back).",
        "",
        "Logging: lambent logs as it does in Lambda with structlog left unconfigured (its "
        "own JSON lines: one per failed record, the first of each exception site with its "
        "traceback, and a summary per batch with a record that did not succeed), written "
        "to a line counter instead of stdout. The peers log through the standard library, whose root logger "
        "gets a handler at WARNING as Lambda's runtime sets it up, writing to the same "
        "counter; the floors log nothing. In the fresh interpreters (cold start, memory) "
        "lambent sets up its own Lambda logger (JSON lines on stdout, piped to the parent) "
        "and the peers' loggers are left as they come. Each row's note gives the lines "
        "each side wrote per call.",
        "",
        *table(rows, cfg),
        "",
        "## Targets",
        "",
        *summary(rows),
        "",
    ]
    if chart:
        parts += [f"![ratios]({chart})", ""]
    return "\n".join(parts)


def _headline(row: Row) -> bool:
    """Rows the chart shows: not the indented details (parts, modules, side variants)."""
    return row.case == row.case.lstrip()


def _label(ratio: str, row: Row) -> str:
    peer = "" if ratio == VS_FLOOR else ratio.split(" ÷ ")[0] + " | "
    return f"{peer}{row.scenario}: {row.case.strip()}"[:90]


def chart(rows: Sequence[Row], path: Path) -> str | None:
    """Bar charts of the headline rows' ratios, the issue's targets marked; None without
    matplotlib (the table has every row)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    peer_names = set(PEER_RATIOS.values())
    panels = []
    for names, title in (
        ({VS_FLOOR}, f"{VS_FLOOR} (lower is better)"),
        (peer_names, "peer ÷ lambent (higher is better)"),
    ):
        bars = [
            (_label(name, r), r.ratios[name], name, r)
            for r in rows
            for name in RATIOS
            if name in names and r.ratios.get(name) is not None and _headline(r)
        ]
        if bars:
            panels.append((title, bars))
    if not panels:
        return None
    height = max(3.0, 0.3 * max(len(b) for _, b in panels) + 1.5)
    fig, axes = plt.subplots(1, len(panels), figsize=(9 * len(panels), height), squeeze=False)
    for ax, (title, bars) in zip(axes[0], panels, strict=True):
        ys = list(range(len(bars)))
        values = [float(b[1] or 0.0) for b in bars]
        colours = []
        for _, _, name, row in bars:
            verdicts = [met for t, met in row.verdicts() if t.ratio == name]
            colours.append(
                "tab:gray" if not verdicts else ("tab:green" if verdicts[0] else "tab:red")
            )
        ax.barh(ys, values, color=colours)
        for y, (_, _, name, row) in zip(ys, bars, strict=True):
            for target in row.targets:
                if target.ratio == name:
                    ax.plot([target.limit] * 2, [y - 0.4, y + 0.4], color="black", lw=2)
        ax.axvline(1.0, color="black", lw=0.8, ls=":")
        ax.set_yticks(ys, [b[0] for b in bars], fontsize=6)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_title(f"{title}; black tick = target", fontsize=9)
        for y, v in zip(ys, values, strict=True):
            ax.text(v, y, f" {v:.2f}x", va="center", fontsize=6)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path.name
