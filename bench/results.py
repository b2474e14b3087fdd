"""Collect runs, take medians, check the targets, print the table and write the JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.environment import Machine


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return each numeric figure's median over the runs (other values from the last run)."""
    merged = dict(runs[-1])
    for key, value in runs[-1].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            merged[key] = statistics.median(run[key] for run in runs)
        elif isinstance(value, bool):
            merged[key] = all(run[key] for run in runs)
    return merged


@dataclass
class Target:
    """One target from the issue and whether the figures meet it."""

    name: str
    goal: str
    measured: str
    met: bool


@dataclass
class Report:
    """Every workload's figures, in the order they ran."""

    machine: Machine
    revision: str
    runs: int
    quick: bool
    workloads: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)

    def add(self, name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
        """Record a workload's runs and its medians, and return the medians."""
        medians = median_of(runs)
        self.workloads[name] = {"median": medians, "runs": runs}
        return medians

    def check(self, name: str, goal: str, measured: str, met: bool) -> None:
        """Record whether a target is met."""
        self.targets.append(Target(name, goal, measured, met))

    def write_json(self, path: Path) -> None:
        """Write every figure as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2, default=str) + "\n")

    def table(self) -> str:
        """Return the figures as text tables."""
        lines = [
            f"Gatepost benchmarks at {self.revision}, {self.machine.date}, "
            f"{self.machine.cpus} CPUs, {self.machine.memory_gb} GB, Python {self.machine.python}, "
            f"SQLite {self.machine.sqlite}, PostgreSQL {self.machine.postgresql or '-'}, "
            f"load average {' '.join(f'{x:.1f}' for x in self.machine.load_average)}; "
            f"medians of {self.runs} run(s){' (quick)' if self.quick else ''}",
            "",
        ]
        drains = {k: v["median"] for k, v in self.workloads.items() if "drain_s" in v["median"]}
        if drains:
            lines += _grid(
                [
                    "workload",
                    "posts",
                    "drain s",
                    "posts/s",
                    "first ms",
                    "p50 ms",
                    "p99 ms",
                    "max ms",
                    "not out",
                    "dupes",
                    "peak MB",
                    "worker CPU s",
                    "posts/CPU s",
                ],
                [
                    [
                        name,
                        f(m, "posts", "{:.0f}"),
                        f(m, "drain_s", "{:.2f}"),
                        f(m, "posts_per_s", "{:,.0f}"),
                        f(m, "first_ms", "{:.0f}"),
                        f(m, "p50_ms", "{:.0f}"),
                        f(m, "p99_ms", "{:.0f}"),
                        f(m, "max_ms", "{:.0f}"),
                        f(m, "not_published", "{:.0f}", f(m, "skipped", "{:.0f}")),
                        f(m, "duplicates", "{:.0f}"),
                        f(m, "peak_rss_mb", "{:.0f}"),
                        f(m, "worker_cpu_s", "{:.2f}"),
                        f(m, "posts_per_cpu_s", "{:,.0f}"),
                    ]
                    for name, m in drains.items()
                ],
            )
            lines.append("")
        for name, data in self.workloads.items():
            pages = data["median"].get("pages")
            if not pages:
                continue
            lines.append(f"{name}: {data['median']['posts']:,} posts")
            lines += _grid(
                ["page", "status", "p50 ms", "p95 ms", "SQL queries"],
                [
                    [
                        label,
                        str(p.get("status", "-")),
                        f(p, "p50_ms", "{:.1f}"),
                        f(p, "p95_ms", "{:.1f}"),
                        ",".join(map(str, p.get("queries", []))),
                    ]
                    if p.get("available")
                    else [label, "not available in this build", "", "", ""]
                    for label, p in pages.items()
                ],
            )
            lines.append("")
        if self.targets:
            lines += _grid(
                ["target", "goal", "measured", "met"],
                [[t.name, t.goal, t.measured, "yes" if t.met else "NO"] for t in self.targets],
            )
        return "\n".join(lines)


def f(figures: dict[str, Any], key: str, form: str, default: str = "-") -> str:
    """Format one figure, or the default when it is missing."""
    value = figures.get(key)
    return default if value is None else form.format(value)


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    render: Callable[[list[str]], str] = lambda row: "  ".join(  # noqa: E731
        str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
    ).rstrip()
    return [render(header), render(["-" * w for w in widths]), *map(render, rows)]
