"""Heartbeats and status: alive, stale or stopped; the last pass; the queue; the next due post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.models import PostState
from scheduler.publishing.status import next_due, queue_counts, worker_statuses
from scheduler.publishing.worker.heartbeat import beat
from scheduler.publishing.worker.identity import WorkerIdentity
from tests.support.publishing_factories import PublishingFactory
from tests.support.query_count import counting_queries
from tests.support.query_plans import sqlite_plan

NOW = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def test_workers_are_alive_stale_or_stopped(session: Session, settings: Settings) -> None:
    fresh, quiet, done = (WorkerIdentity(name, "host", 1) for name in ("fresh", "quiet", "done"))
    beat(session, fresh, now=NOW - timedelta(minutes=5), started=True)
    beat(
        session, fresh, now=NOW - timedelta(seconds=5), last_pass=(NOW - timedelta(seconds=6), 7, 2)
    )
    beat(session, quiet, now=NOW - timedelta(minutes=2), started=True)
    beat(session, done, now=NOW - timedelta(minutes=1), started=True)
    beat(session, done, now=NOW - timedelta(seconds=30), stopped=True)
    session.flush()

    statuses = {s.worker_id: s for s in worker_statuses(session, now=NOW, settings=settings)}
    assert {name: s.state for name, s in statuses.items()} == {
        "fresh": "alive",
        "quiet": "stale",
        "done": "stopped",
    }
    assert statuses["fresh"].last_pass_at == NOW - timedelta(seconds=6)
    assert (statuses["fresh"].last_pass_published, statuses["fresh"].last_pass_held) == (7, 2)
    assert statuses["fresh"].started_at == NOW - timedelta(minutes=5)

    # Starting again under the same id starts afresh.
    beat(session, done, now=NOW, started=True)
    session.flush()
    again = {s.worker_id: s for s in worker_statuses(session, now=NOW, settings=settings)}
    assert again["done"].state == "alive"


def test_queue_counts_and_the_next_due_instant(session: Session) -> None:
    factory = PublishingFactory(session)
    channel = factory.channel()
    assert next_due(session) is None
    factory.post(channel, send_at=NOW - timedelta(minutes=1))
    later = factory.post(channel, send_at=NOW + timedelta(hours=1))
    later.hold_reason = "Embargoed"
    factory.post(channel, send_at=NOW, state=PostState.FAILED)
    session.flush()
    counts = queue_counts(session, now=NOW)
    assert (counts.due, counts.scheduled, counts.held, counts.failed) == (1, 2, 1, 1)
    assert next_due(session) == NOW - timedelta(minutes=1)


@pytest.mark.only_on(
    "sqlite", why="PostgreSQL plans from its statistics; this pins SQLite's choice"
)
def test_on_sqlite_the_due_and_held_counts_read_their_partial_indexes(
    session: Session, factory: PublishingFactory
) -> None:
    # /health counts these on every request: through an index of all scheduled posts they cost
    # about 20 ms per 10,000 scheduled posts.
    factory.post(factory.channel(), send_at=NOW)
    session.flush()

    with counting_queries(session.get_bind()) as queries:
        queue_counts(session, now=NOW)

    plans = {sql: sqlite_plan(session, sql, parameters) for sql, parameters in queries.executed}
    (due,) = [plan for sql, plan in plans.items() if "due_at <=" in sql]
    (held,) = [plan for sql, plan in plans.items() if "hold_reason IS NOT NULL" in sql]
    assert "ix_posts_scheduled_due (state=? AND due_at<?)" in due, due
    assert "ix_posts_held (state=?)" in held, held
