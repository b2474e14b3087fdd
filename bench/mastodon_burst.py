"""A real-platform burst: posts on Mastodon channels, through the emulator at 200 ms a call.

The adapter's own client code talks HTTP to the Mastodon emulator of the tests (a real server
on 127.0.0.1 speaking Mastodon's wire format), which answers every call after `latency`
seconds. Real `gatepost worker` processes read each channel's sealed access token, as they do
in production. Duplicates are counted on the emulator: a status made twice for one post.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.environment import scratch
from bench.outcome import measure
from bench.seeding import make_due, seed_channels, seed_people, seed_scheduled, settle_after_seeding
from bench.workers import running_workers, wait_until_settled
from scheduler.channels.credentials import CredentialCipher, new_key
from tests.support.emulators.base import ManualClock
from tests.support.emulators.mastodon import MastodonEmulator

#: Time from making posts due to the instant: the workers start (and look) before it.
LEAD = timedelta(seconds=8)


class WallClock(ManualClock):
    """The emulator's clock following the machine's, so its `created_at` is when it made each."""

    def now(self) -> float:
        """Return the machine's time."""
        return time.time()


def drain_on_mastodon(
    *,
    root: Path,
    posts: int,
    channels: int,
    latency: float = 0.2,
    concurrency: int = 32,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """Seed Mastodon channels on a fresh SQLite database and measure one worker's drain."""
    key = new_key()
    cipher = CredentialCipher([key])
    emulator = MastodonEmulator(clock=WallClock(), latency=latency)
    with emulator, scratch("sqlite", root, None) as run:
        tokens = [
            emulator.issue_token(emulator.add_account(f"bench{number:05d}"))
            for number in range(channels)
        ]
        sealed = [cipher.seal({"access_token": token}) for token in tokens]
        people = seed_people(run.database)
        channel_ids = seed_channels(
            run.database,
            channels,
            platform="mastodon",
            instance_url=emulator.base_url,
            credentials=sealed,
        )
        seed_scheduled(run.database, people, channel_ids, posts)
        config = run.write_config(worker={"max_concurrency": concurrency}, credential_keys=[key])
        instant = (datetime.now(UTC) + LEAD).replace(microsecond=0)
        make_due(run.database, instant)
        settle_after_seeding(run.database)
        with running_workers(run, config, 1):
            ready_before_s = (instant - datetime.now(UTC)).total_seconds()
            if ready_before_s > 0:
                time.sleep(ready_before_s)
            settled = wait_until_settled(run, timeout=timeout)
        outcome = measure(run.database, run.ledger, instant, posts)
        run.database.engine.dispose()
        made, duplicated = len(emulator.statuses), len(emulator.duplicate_texts())
    return {
        "posts": posts,
        "channels": channels,
        "published": outcome.published,
        "not_published": outcome.not_published,
        "drain_s": outcome.drain_s,
        "max_ms": outcome.max_ms,
        "p50_ms": outcome.p50_ms,
        "statuses_made": made,
        "duplicates": duplicated,
        "settled": settled,
        "ready_before_instant_s": round(ready_before_s, 2),
    }
