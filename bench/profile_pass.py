"""`python -m bench.profile_pass`: profile one worker pass over a burst (claim, publish, mark).

Seeds a fresh database, makes the burst due now and runs `run_once` under cProfile in this
process, then prints the functions that took the most time (cumulative and own).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event

from bench.environment import scratch
from bench.seeding import (
    make_due,
    seed_channels,
    seed_people,
    seed_scheduled,
    settle_after_seeding,
)
from config import load_settings
from scheduler.core.clock import FixedClock
from scheduler.publishing.worker.service import run_once


def main() -> None:
    """Profile a pass and print the top of the profile."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile_pass", description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="profile on PostgreSQL instead of SQLite")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="also write the raw profile here")
    options = parser.parse_args()
    backend = "postgresql" if options.postgres else "sqlite"
    with (
        tempfile.TemporaryDirectory(prefix="gatepost-profile-") as folder,
        scratch(backend, Path(folder), options.postgres) as run,
    ):
        people = seed_people(run.database)
        seed_scheduled(
            run.database, people, seed_channels(run.database, options.channels), options.posts
        )
        settle_after_seeding(run.database)
        settings = load_settings(run.environment(run.write_config()))
        instant = datetime.now(UTC)
        make_due(run.database, instant)
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        # executemany counts once: it is one call, however many rows it carries.
        event.listen(run.database.engine, "before_cursor_execute", count)
        profile = cProfile.Profile()
        started, cpu_started = time.perf_counter(), time.process_time()
        profile.enable()
        report, _ = run_once(run.database, settings, clock=FixedClock(instant))
        profile.disable()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        event.remove(run.database.engine, "before_cursor_execute", count)
        run.database.engine.dispose()
    print(
        f"{backend}: {report.summary()} in {took:.2f} s ({options.posts / took:,.0f} posts/s), "
        f"{cpu:.2f} s of this process's CPU (under the profiler), {statements} SQL calls"
    )
    if options.save:
        profile.dump_stats(options.save)
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(options.top)
    stats.sort_stats("tottime").print_stats(options.top)


if __name__ == "__main__":
    main()
