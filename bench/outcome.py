"""What a drained burst left behind: lateness, throughput, skips, duplicates, order."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from scheduler.core.database import Database
from scheduler.models import Post, PostState


@dataclass(frozen=True)
class Outcome:
    """The figures one burst run produced."""

    posts: int
    published: int
    not_published: int
    drain_s: float
    posts_per_s: float
    first_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    duplicates: int
    out_of_order_channels: int


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of the values (0 when there are none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def measure(database: Database, ledger: Path, instant: datetime, expected: int) -> Outcome:
    """Read the database and the mock ledger after a burst due at the instant."""
    posts = Post.__table__
    with database.engine.connect() as connection:
        published = (
            connection.execute(
                select(posts.c.published_at).where(posts.c.state == PostState.PUBLISHED)
            )
            .scalars()
            .all()
        )
        finished = connection.execute(
            select(func.max(posts.c.updated_at)).where(posts.c.state == PostState.PUBLISHED)
        ).scalar()
    lateness = [(at - instant).total_seconds() * 1000 for at in published]
    drain_s = (finished - instant).total_seconds() if finished else 0.0
    duplicates, out_of_order = _check_ledger(ledger)
    return Outcome(
        posts=expected,
        published=len(published),
        not_published=expected - len(published),
        drain_s=drain_s,
        posts_per_s=len(published) / drain_s if drain_s > 0 else 0.0,
        first_ms=min(lateness, default=0.0),
        p50_ms=statistics.median(lateness) if lateness else 0.0,
        p99_ms=percentile(lateness, 0.99),
        max_ms=max(lateness, default=0.0),
        duplicates=duplicates,
        out_of_order_channels=out_of_order,
    )


def _check_ledger(ledger: Path) -> tuple[int, int]:
    """Return (keys published more than once, channels whose posts went out of id order)."""
    keys: Counter[str] = Counter()
    by_channel: dict[str, list[int]] = defaultdict(list)
    if not ledger.exists():
        return 0, 0
    with ledger.open() as lines:
        for line in lines:
            event = json.loads(line)
            if event.get("event", "published") != "published":
                continue
            key = event["idempotency_key"]
            keys[key] += 1
            by_channel[event["channel"]].append(int(key.split("-")[1]))
    duplicates = sum(1 for count in keys.values() if count > 1)
    out_of_order = sum(1 for ids in by_channel.values() if ids != sorted(ids))
    return duplicates, out_of_order
