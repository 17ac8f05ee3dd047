"""The results: a markdown table (printed and written) and a chart of the ratios."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchmarks._measure import PT_VS_LAMBENT, VS_FLOOR, Config, Row

PACKAGES = (
    "lambent", "msgspec", "anyio", "structlog", "aws-lambda-powertools", "pydantic",
    "pydantic-core", "matplotlib",
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
    pt = "Powertools" if cfg.powertools else "Powertools (skipped)"
    lines = [
        f"| scenario | case | unit | lambent | floor | {pt} | {VS_FLOOR} | {PT_VS_LAMBENT} "
        "| target | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        if row.case == "unavailable":
            lines.append(f"| {row.scenario} | {row.note} | | | | | | | | |")
            continue
        v = row.values
        lines.append(
            f"| {row.scenario} | {row.case} | {row.unit} | {_cell(row, v.get('lambent'))} "
            f"| {_cell(row, v.get('floor'))} | {_cell(row, v.get('powertools'))} "
            f"| {_ratio(row.ratios.get(VS_FLOOR))} | {_ratio(row.ratios.get(PT_VS_LAMBENT))} "
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
    if not cfg.powertools:
        parts += [f"Powertools columns skipped: {cfg.powertools_skipped}.", ""]
    parts += [
        "Implementations run alternately in one process (cold start and memory: in fresh "
        "interpreters, alternating), the order rotating each round; values are medians and "
        "ratios are medians of per-round ratios. lambent logs failed records as it does in "
        "Lambda (JSON lines; written to /dev/null here); Powertools has no logger by default.",
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


def chart(rows: Sequence[Row], path: Path) -> str | None:
    """Bar charts of both ratios, with the issue's targets marked; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    panels = []
    for name, better in ((VS_FLOOR, "lower is better"), (PT_VS_LAMBENT, "higher is better")):
        bars = [
            (f"{r.scenario}: {r.case.strip()}"[:70], r.ratios[name], r)
            for r in rows
            if r.ratios.get(name) is not None and r.unit not in ("modules",)
        ]
        if bars:
            panels.append((name, better, bars))
    if not panels:
        return None
    height = max(3.0, 0.38 * max(len(b) for _, _, b in panels) + 1.5)
    fig, axes = plt.subplots(1, len(panels), figsize=(8 * len(panels), height), squeeze=False)
    for ax, (name, better, bars) in zip(axes[0], panels, strict=True):
        labels = [b[0] for b in bars]
        values = [float(b[1] or 0.0) for b in bars]
        ys = range(len(bars))
        colours = []
        for _, _, row in bars:
            verdicts = [met for t, met in row.verdicts() if t.ratio == name]
            colours.append(
                "tab:gray" if not verdicts else ("tab:green" if verdicts[0] else "tab:red")
            )
        ax.barh(list(ys), values, color=colours)
        for y, (_, _, row) in zip(ys, bars, strict=True):
            for target in row.targets:
                if target.ratio == name:
                    ax.plot([target.limit] * 2, [y - 0.4, y + 0.4], color="black", lw=2)
        ax.axvline(1.0, color="black", lw=0.8, ls=":")
        ax.set_yticks(list(ys), labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_title(f"{name} ({better}); black tick = target", fontsize=9)
        for y, v in zip(ys, values, strict=True):
            ax.text(v, y, f" {v:.2f}x", va="center", fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path.name
