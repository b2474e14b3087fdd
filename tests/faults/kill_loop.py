"""Kill a worker at random points of a long burst, many times; check exactly-once after each.

    python -m tests.faults.kill_loop --kills 20 [--posts 2000] [--db URL] [--seed N]

Each run starts a worker, lets it publish for a random moment, and SIGKILLs it. After every kill
the ledger must hold no post twice; after the last, a worker drains the rest and every post must
be published exactly once. `make kill-loop` runs the full version.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from scheduler.models import PostState
from tests.faults.site import FaultSite, wait_until


def _started_or_done(
    site: FaultSite, before: int, worker: subprocess.Popen[str], posts: int
) -> bool:
    return (
        len(site.published_keys()) > before
        or worker.poll() is not None
        or site.states()[PostState.PUBLISHED] == posts
    )


def run(site: FaultSite, *, kills: int, posts: int, rng: random.Random, log: bool) -> None:
    """Seed the burst, kill `kills` workers at random moments, then drain and check."""
    site.seed(posts, 20, due_at=datetime.now(UTC), latency_ms=30)
    for number in range(1, kills + 1):
        before = len(site.published_keys())
        worker = site.start_worker("--worker-id", f"victim{number}")
        # Wait until it is publishing (or the burst is done), then kill it at a random moment.
        wait_until(
            partial(_started_or_done, site, before, worker, posts), 60, "the worker to publish"
        )
        time.sleep(rng.uniform(0, 0.4))
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=10)
        duplicates = site.duplicates()
        if log:
            states = site.states()
            print(
                f"kill {number:3d}: {len(site.published_keys()):5d} in the ledger, "
                f"{states[PostState.PUBLISHING]:3d} under a dead lease, "
                f"duplicates {len(duplicates)}",
                flush=True,
            )
        assert duplicates == [], f"kill {number}: published twice: {duplicates[:5]}"
    if log:
        print(f"after {kills} kills: {site.states()}", flush=True)
    survivor = site.start_worker("--worker-id", "survivor")
    try:
        wait_until(lambda: site.heartbeats("survivor") > 0, 30, "the survivor to start")
        wait_until(lambda: site.states()[PostState.PUBLISHED] == posts, 120, "every post published")
    finally:
        output = site.stop_worker(survivor)
    assert survivor.returncode == 0, f"exit status {survivor.returncode}:\n{output}"
    site.assert_exactly_once(posts)


def main(argv: list[str] | None = None) -> int:
    """Run the kill loop from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--db", default="", help="an empty database URL (default: SQLite in /tmp)")
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args(argv)
    seed = options.seed if options.seed is not None else random.randrange(1_000_000)
    print(f"kill loop: {options.kills} kills, {options.posts} posts, seed {seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="gatepost-kill-loop-") as folder:
        directory = Path(folder)
        url = options.db or f"sqlite:///{directory / 'gatepost.sqlite3'}"
        site = FaultSite.create(url, directory)
        try:
            run(site, kills=options.kills, posts=options.posts, rng=random.Random(seed), log=True)
        finally:
            site.database.dispose()
    print("kill loop: every post published exactly once", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
