"""The worker service: its job list, waking at the exact due instant, heartbeats, a clean stop."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config import Settings, load_settings
from scheduler.core.database import Database
from scheduler.core.idempotency import claim_key, store_response
from scheduler.models import IdempotencyKey, Post, PostState, Role, WorkerHeartbeat
from scheduler.platforms.mock_ledger import read_ledger
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.service import WorkerService
from tests.support.databases import query_file_alone
from tests.support.publishing_factories import PublishingFactory


def service_settings(database: Database, tmp_path: Path, **worker: Any) -> Settings:
    return load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "database_url": database.url,
            "secret_key": "test-secret-key-that-is-long-enough",
            "mock_ledger": str(tmp_path / "ledger.jsonl"),
            "worker": {"poll_interval_seconds": 60, "heartbeat_seconds": 1, **worker},
        },
    )


def wait_for(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_the_worker_declares_its_few_jobs_once_with_stable_ids(
    committed_database: Database, tmp_path: Path
) -> None:
    service = WorkerService(committed_database, service_settings(committed_database, tmp_path))
    assert [job.id for job in service.jobs()] == [
        "publish-pass",
        "lease-reaper",
        "heartbeat",
        "notifications",
        "connection-checks",
        "release-reminders",
        "housekeeping",
    ]
    assert service.jobs()[0].every == timedelta(seconds=60)


def test_housekeeping_forgets_idempotency_keys_past_their_lifetime(
    committed_database: Database, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with committed_database.session_factory() as session:
        factory = PublishingFactory(session)
        # Two people: a key is also forgotten when its own owner makes a new one.
        for key, age in (("old", timedelta(hours=25)), ("new", timedelta(minutes=5))):
            claimed = claim_key(
                session,
                user=factory.user(Role.AUTHOR),
                key=key,
                method="POST",
                path="/api/v1/posts",
                request_hash=key,
                now=now - age,
            )
            assert isinstance(claimed, IdempotencyKey)
            store_response(session, claimed, status=201, body="{}", headers={})
        session.commit()

    WorkerService(committed_database, service_settings(committed_database, tmp_path)).housekeep()

    with committed_database.read_session_factory() as session:
        assert session.scalars(select(IdempotencyKey.key)).all() == ["new"]


def test_a_post_goes_at_its_due_instant_not_at_the_next_poll(
    committed_database: Database, tmp_path: Path
) -> None:
    settings = service_settings(committed_database, tmp_path)
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    with committed_database.session_factory() as session:
        factory = PublishingFactory(session)
        post = factory.post(factory.channel(), send_at=due)
        factory.override(post)  # whatever time of day the test runs
        session.commit()
        post_id = post.id
    service = WorkerService(committed_database, settings, identity=WorkerIdentity("svc", "host", 1))
    service.start()
    try:

        def published() -> bool:
            with committed_database.read_session_factory() as check:
                return check.get(Post, post_id).state is PostState.PUBLISHED  # type: ignore[union-attr]

        wait_for(published)
    finally:
        service.stop()
    (line,) = read_ledger(settings.mock_ledger_path)
    went = datetime.fromisoformat(line["published_at"])
    # The poll interval is a minute: only the wake-up at the due instant explains this.
    assert due <= went < due + timedelta(seconds=2)
    with committed_database.read_session_factory() as session:
        heartbeat = session.get(WorkerHeartbeat, "svc")
        assert heartbeat is not None
        assert heartbeat.last_pass_at is not None
        assert heartbeat.stopped_at is not None


def test_stopping_finishes_the_post_being_sent_and_requeues_the_rest(
    committed_database: Database, tmp_path: Path
) -> None:
    settings = service_settings(committed_database, tmp_path)
    now = datetime.now(UTC)
    with committed_database.session_factory() as session:
        factory = PublishingFactory(session)
        channel = factory.channel(platform_options={"latency_ms": 200})
        for _ in range(10):
            factory.override(factory.post(channel, send_at=now))
        session.commit()
    service = WorkerService(committed_database, settings)
    service.start()
    try:
        wait_for(lambda: len(read_ledger(settings.mock_ledger_path)) >= 1)
    finally:
        service.stop()
    with committed_database.read_session_factory() as session:
        posts = session.scalars(select(Post)).all()
    published = {post.idempotency_key for post in posts if post.state is PostState.PUBLISHED}
    waiting = [post for post in posts if post.state is PostState.SCHEDULED]
    # Nothing is left half-done: each post went out, or is back in the queue saying why.
    assert published | {post.idempotency_key for post in waiting} == {
        post.idempotency_key for post in posts
    }
    assert published == {line["idempotency_key"] for line in read_ledger(settings.mock_ledger_path)}
    assert waiting, "stop came while most posts were still queued"
    assert all(post.hold_reason and "worker stopped" in post.hold_reason for post in waiting)


@pytest.mark.only_on("sqlite", why="SQLite's write-ahead log only")
def test_once_a_burst_is_out_sqlite_log_is_folded_into_the_database_file(
    committed_database: Database, tmp_path: Path
) -> None:
    settings = service_settings(committed_database, tmp_path)
    now = datetime.now(UTC)
    with committed_database.session_factory() as session:
        factory = PublishingFactory(session)
        channel = factory.channel()
        for _ in range(5):
            factory.override(factory.post(channel, send_at=now))
        session.commit()
    database_file = Path(committed_database.engine.url.database or "")

    WorkerService(committed_database, settings).run_passes()

    # Copied without its -wal file, the database alone already says the posts went out.
    states = query_file_alone(database_file, tmp_path / "alone.sqlite3", "SELECT state FROM posts")
    assert states == [("published",)] * 5
