"""Fixtures for publishing: factories, a worker on the test's transaction, a controlled clock."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import AuditEvent, Post, PostState
from scheduler.platforms.mock_ledger import read_ledger
from scheduler.publishing.record.crash_recovery import recover_expired
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.run_pass import PassReport, run_pass
from scheduler.publishing.worker.runtime import WorkerRuntime
from tests.support.publishing_factories import PublishingFactory, make_settings


@pytest.fixture
def factory(session: Session) -> PublishingFactory:
    """Return the publishing factory bound to the test's session."""
    return PublishingFactory(session)


@dataclass
class Worker:
    """A worker on the test's rolled-back transaction, driven by a fixed clock."""

    runtime: WorkerRuntime
    clock: FixedClock
    session: Session

    @property
    def settings(self) -> Settings:
        """Return the worker's settings."""
        return self.runtime.settings

    def run_at(self, instant: datetime) -> PassReport:
        """Run one pass as if it were `instant`, then forget what the test session cached."""
        self.clock.set(instant)
        recover_expired(self.runtime)
        report = run_pass(self.runtime)
        self.session.expire_all()
        return report

    def run_until_published(self, posts: list[Post], start: datetime) -> list[datetime]:
        """Run passes at each instant the worker next asks for, until every post is published."""
        instants = [start]
        self.run_at(start)
        for _ in range(3000):
            if all(post.state is PostState.PUBLISHED for post in posts):
                return instants
            waiting = [post for post in posts if post.state is not PostState.PUBLISHED]
            due = [post.due_at for post in waiting if post.due_at is not None]
            assert due, [post.hold_reason for post in waiting]
            instants.append(max(instants[-1], min(due)))
            self.run_at(instants[-1])
        raise AssertionError("the posts were not all published")

    def ledger(self) -> list[dict[str, Any]]:
        """Return the mock ledger's events."""
        return read_ledger(self.settings.mock_ledger_path)

    def published_keys(self) -> list[str]:
        """Return the idempotency keys the mock platform published, in order."""
        return [e["idempotency_key"] for e in self.ledger() if e["event"] == "published"]

    def actions(self, post: Post) -> list[str]:
        """Return the audit actions recorded for the post, oldest first."""
        return list(
            self.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.post_id == post.id)
                .order_by(AuditEvent.id)
            )
        )


@pytest.fixture
def make_worker(
    database: Database,
    session_factory: sessionmaker[Session],
    session: Session,
    tmp_path: Path,
) -> Iterator[Callable[..., Worker]]:
    """Return a function that builds a worker with settings overrides."""
    runtimes: list[WorkerRuntime] = []

    def make(worker_id: str = "test-worker", **overrides: Any) -> Worker:
        settings = make_settings(database, tmp_path, **overrides)
        clock = FixedClock(datetime.fromisoformat("2026-01-01T00:00:00+00:00"))
        runtime = WorkerRuntime(
            database.with_session_factory(session_factory),
            settings,
            clock=clock,
            identity=WorkerIdentity(worker_id, "testhost", 4242),
            rng=random.Random(7),
        )
        runtimes.append(runtime)
        return Worker(runtime, clock, session)

    yield make
    for runtime in runtimes:
        runtime.close()


@pytest.fixture
def worker(make_worker: Callable[..., Worker]) -> Worker:
    """Return a worker with default settings (Mon-Fri 09:00-17:00 Europe/London, England)."""
    return make_worker()
