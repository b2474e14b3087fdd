"""Warming up a worker: the burst's statements are compiled at start, and nothing is changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import AuditEvent, Post, PostState
from scheduler.publishing.worker.run_pass import run_pass
from scheduler.publishing.worker.runtime import WorkerRuntime
from scheduler.publishing.worker.warm_up import warm_up
from tests.support.publishing_factories import PublishingFactory, make_settings
from tests.support.query_count import counting_queries

DUE = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)


def _scheduled_post(database: Database) -> int:
    with database.session_factory() as session:
        factory = PublishingFactory(session)
        post = factory.post(factory.channel(), send_at=DUE)
        factory.override(post)  # whatever the office hours
        session.commit()
        return post.id


def test_after_warming_up_the_first_burst_compiles_nothing(
    committed_database: Database, tmp_path: Path
) -> None:
    post_id = _scheduled_post(committed_database)
    runtime = WorkerRuntime(
        committed_database, make_settings(committed_database, tmp_path), clock=FixedClock(DUE)
    )
    with runtime:
        runtime.platforms.check_settings()
        # A worker started early looks once and finds nothing due yet.
        runtime.clock = FixedClock(DUE - timedelta(hours=1))
        run_pass(runtime)
        warm_up(runtime)
        runtime.clock = FixedClock(DUE)

        with counting_queries(committed_database.engine) as queries:
            run_pass(runtime)

    assert queries.compiled == []
    with committed_database.read_session_factory() as session:
        assert session.get(Post, post_id).state is PostState.PUBLISHED  # type: ignore[union-attr]


def test_warming_up_changes_nothing(committed_database: Database, tmp_path: Path) -> None:
    post_id = _scheduled_post(committed_database)
    with committed_database.read_session_factory() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    runtime = WorkerRuntime(
        committed_database, make_settings(committed_database, tmp_path), clock=FixedClock(DUE)
    )
    with runtime:
        warm_up(runtime)

    with committed_database.read_session_factory() as session:
        post = session.get(Post, post_id)
        assert post is not None
        assert (post.state, post.lease_owner) == (PostState.SCHEDULED, None)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
