"""`python -m bench`: run the workloads, print a table, optionally write the figures as JSON."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.baseline import run_baseline
from bench.big_queue import run_big_queue
from bench.burst import drain
from bench.environment import describe_machine, git_revision
from bench.mastodon_burst import drain_on_mastodon
from bench.results import Report

WORKLOADS = ("burst", "single", "slow", "mastodon", "baseline", "queue", "scaling")


@dataclass(frozen=True)
class Sizes:
    """How big each workload is."""

    burst: int
    slow: int
    slow_channels: int
    baseline: int
    queue: int
    queue_requests: int
    scaling: tuple[int, ...]


FULL = Sizes(10_000, 1_000, 100, 10_000, 100_000, 50, (1_000, 10_000, 50_000))
QUICK = Sizes(1_000, 200, 20, 500, 5_000, 10, (1_000, 10_000))
#: The slow platform needs lanes enough for 100 channels at 200 ms a call to finish in 10 s.
SLOW_CONCURRENCY = 32


def parse(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, one run (about a minute)"
    )
    parser.add_argument(
        "--runs", type=int, help="runs per workload; medians are reported (default 3)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run the database workloads on this PostgreSQL server (scratch database per run)",
    )
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help=f"comma-separated workloads to run, from {','.join(WORKLOADS)} (default all)",
    )
    parser.add_argument(
        "--size", type=int, help="posts in every workload instead of its usual size (smoke tests)"
    )
    parser.add_argument(
        "--workdir", type=Path, help="where scratch files go (default a temp folder)"
    )
    options = parser.parse_args(argv)
    chosen = set((options.only or ",".join(WORKLOADS)).split(","))
    unknown = chosen - set(WORKLOADS)
    if unknown:
        parser.error(
            f"--only: unknown workload(s) {', '.join(sorted(unknown))}; use {', '.join(WORKLOADS)}"
        )
    options.chosen = chosen
    options.runs = options.runs or (1 if options.quick else 3)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if options.workdir is not None:
        try:
            options.workdir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            parser.error(f"--workdir {options.workdir}: cannot make the folder ({error.strerror})")
    return options


def repeat(runs: int, job: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a workload `runs` times."""
    return [job() for _ in range(runs)]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads and report."""
    options = parse(sys.argv[1:] if argv is None else argv)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    sizes = QUICK if options.quick else FULL
    if options.size:
        sizes = Sizes(
            options.size,
            options.size,
            min(options.size, sizes.slow_channels),
            options.size,
            options.size,
            sizes.queue_requests,
            (options.size, options.size * 2),
        )
    report = Report(describe_machine(options.postgres), git_revision(), options.runs, options.quick)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gatepost-bench-", dir=options.workdir) as folder:
        run_workloads(options, sizes, report, Path(folder))
    print(report.table())
    print(f"\n(took {time.monotonic() - started:.0f} s)")
    if options.json:
        report.write_json(options.json)
    return 0


def run_workloads(options: argparse.Namespace, sizes: Sizes, report: Report, root: Path) -> None:
    """Run each chosen workload and record its figures and targets."""
    pg = options.postgres
    backends = [("sqlite", 1)] + ([("postgresql", 1), ("postgresql", 4)] if pg else [])
    common = {"root": root, "postgres_url": pg}
    progress = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    bursts: dict[str, dict[str, Any]] = {}
    if "burst" in options.chosen:
        for backend, workers in backends:
            name = f"burst {backend} x{workers}"
            progress(f"{name}: {sizes.burst:,} posts on 200 channels")
            bursts[name] = report.add(
                name,
                repeat(
                    options.runs,
                    lambda b=backend, w=workers: drain(
                        backend=b, workers=w, posts=sizes.burst, channels=200, **common
                    ),
                ),
            )
        check_bursts(report, bursts)

    if "single" in options.chosen:
        progress("single post (ordinary load)")
        single = report.add(
            "single post sqlite",
            repeat(options.runs, lambda: drain(backend="sqlite", posts=1, channels=1, **common)),
        )
        report.check(
            "ordinary load",
            "one post out within 100 ms of its instant",
            f"{single['first_ms']:.0f} ms",
            single["first_ms"] < 100 and not single["not_published"],
        )

    if "slow" in options.chosen:
        progress(
            f"slow platform: {sizes.slow:,} posts on {sizes.slow_channels} channels, 200 ms a call"
        )
        slow = report.add(
            "slow platform sqlite",
            repeat(
                options.runs,
                lambda: drain(
                    backend="sqlite",
                    posts=sizes.slow,
                    channels=sizes.slow_channels,
                    mock={"latency_ms": 200},
                    worker_settings={"max_concurrency": SLOW_CONCURRENCY},
                    **common,
                ),
            ),
        )
        report.check(
            "slow platform",
            "all out within 10 s, order kept per channel",
            f"{slow['max_ms'] / 1000:.1f} s, {slow['out_of_order_channels']} channels out of order",
            slow["max_ms"] <= 10_000
            and not slow["not_published"]
            and not slow["out_of_order_channels"],
        )

    if "mastodon" in options.chosen:
        progress(
            f"mastodon: {sizes.slow:,} posts on {sizes.slow_channels} Mastodon channels, "
            "through the emulator at 200 ms a call"
        )
        mastodon = report.add(
            "mastodon emulator sqlite",
            repeat(
                options.runs,
                lambda: drain_on_mastodon(
                    root=root,
                    posts=sizes.slow,
                    channels=sizes.slow_channels,
                    concurrency=SLOW_CONCURRENCY,
                ),
            ),
        )
        report.check(
            "mastodon",
            "all out within 10 s through the Mastodon adapter, none duplicated",
            f"{mastodon['max_ms'] / 1000:.1f} s, {mastodon['duplicates']} duplicated",
            mastodon["max_ms"] <= 10_000
            and not mastodon["not_published"]
            and not mastodon["duplicates"]
            and mastodon["statuses_made"] == mastodon["posts"],
        )

    if "baseline" in options.chosen:
        for grace, job in (("default", "obvious"), ("none", "obvious"), ("none", "lean")):
            name = f"baseline apscheduler grace={grace}" + (" lean job" if job == "lean" else "")
            progress(f"{name}: {sizes.baseline:,} date jobs")
            base = report.add(
                name,
                repeat(
                    options.runs,
                    lambda g=grace, j=job: run_baseline(
                        root=root, posts=sizes.baseline, channels=200, grace=g, job=j
                    ),
                ),
            )
            if grace == "none" and "burst sqlite x1" in bursts and base["posts_per_s"]:
                ratio = bursts["burst sqlite x1"]["posts_per_s"] / base["posts_per_s"]
                report.workloads[name]["ratio"] = ratio
                if job == "obvious":
                    report.check(
                        "baseline ratio",
                        "Gatepost >= 25x one job per post",
                        f"{ratio:.1f}x ({base['posts_per_s']:.0f} posts/s baseline)",
                        ratio >= 25,
                    )

    if "queue" in options.chosen:
        for backend in ["sqlite"] + (["postgresql"] if pg else []):
            progress(f"big queue {backend}: {sizes.queue:,} posts")
            queue = report.add(
                f"big queue {backend}",
                [
                    run_big_queue(
                        backend=backend,
                        posts=sizes.queue,
                        requests_per_page=sizes.queue_requests,
                        **common,
                    )
                ],
            )
            check_pages(report, backend, queue["pages"])

    if "scaling" in options.chosen:
        drains = {}
        for size in sizes.scaling:
            progress(f"scaling: {size:,} posts")
            drains[size] = report.add(
                f"scaling sqlite {size}",
                repeat(
                    options.runs,
                    lambda s=size: drain(backend="sqlite", posts=s, channels=200, **common),
                ),
            )
        per_post = {size: d["drain_s"] / size * 1e6 for size, d in drains.items() if d["drain_s"]}
        if len(per_post) > 1:
            small, large = per_post[min(per_post)], per_post[max(per_post)]
            report.check(
                "scaling",
                "cost per post roughly constant (linear growth)",
                ", ".join(f"{s:,}: {c:.0f} us/post" for s, c in per_post.items()),
                large <= small * 1.5,
            )


def check_bursts(report: Report, bursts: dict[str, dict[str, Any]]) -> None:
    """Record the burst targets."""
    lite = bursts.get("burst sqlite x1")
    if lite:
        report.check(
            "burst sqlite x1 throughput",
            ">= 10,000 posts/s (drain < 1 s)",
            f"{lite['posts_per_s']:,.0f} posts/s ({lite['drain_s']:.2f} s)",
            lite["posts_per_s"] >= 10_000,
        )
        report.check(
            "burst sqlite x1 first post",
            "<= 50 ms after the instant",
            f"{lite['first_ms']:.0f} ms",
            lite["first_ms"] <= 50,
        )
        report.check(
            "burst sqlite x1 p99 lateness",
            "< 1 s",
            f"{lite['p99_ms']:.0f} ms",
            lite["p99_ms"] < 1000,
        )
        report.check(
            "burst sqlite x1 none skipped",
            "0 not published",
            f"{lite['not_published']:.0f}",
            lite["not_published"] == 0,
        )
        report.check(
            "burst sqlite x1 memory",
            "worker peak RSS < 200 MB",
            f"{lite['peak_rss_mb']:.0f} MB",
            lite["peak_rss_mb"] < 200,
        )
    pg4 = bursts.get("burst postgresql x4")
    if pg4:
        report.check(
            "burst postgresql x4",
            ">= 5,000 posts/s, zero duplicates",
            f"{pg4['posts_per_s']:,.0f} posts/s, {pg4['duplicates']:.0f} duplicates",
            pg4["posts_per_s"] >= 5000 and pg4["duplicates"] == 0,
        )


def check_pages(report: Report, backend: str, pages: dict[str, Any]) -> None:
    """Record the page-time targets for the pages this build has."""
    for label, page in pages.items():
        if not page.get("available"):
            continue
        limit = 100 if label == "calendar month" else 50
        report.check(
            f"{label} ({backend})",
            f"p95 < {limit} ms, constant SQL count",
            f"p95 {page['p95_ms']:.1f} ms, queries {page['queries']}",
            page["p95_ms"] < limit,
        )


if __name__ == "__main__":
    sys.exit(main())
