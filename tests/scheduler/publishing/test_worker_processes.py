"""Real worker processes: killed mid-pass and restarted, and several draining one queue together.

Each post must be in the mock ledger exactly once: never twice (no "replayed" attempt either),
never left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.models import AuditEvent, Post, PostState, WorkerHeartbeat
from scheduler.platforms.mock_ledger import read_ledger
from tests.support.processes import free_port, start_gatepost, stop, wait_for_http
from tests.support.publishing_factories import PublishingFactory, bulk_scheduled_posts

pytestmark = pytest.mark.slow


@dataclass
class Site:
    """A database and instance folder that worker processes share."""

    database: Database
    env: dict[str, str]
    ledger: Path
    cwd: Path

    def seed(self, count: int, channels: int, *, due_at: datetime, **options: object) -> None:
        with self.database.session_factory() as session:
            factory = PublishingFactory(session)
            made = [factory.channel(platform_options=dict(options)) for _ in range(channels)]
            bulk_scheduled_posts(session, factory, made, count, due_at=due_at)
            session.commit()

    def workers_alive(self) -> int:
        with self.database.read_session_factory() as session:
            return session.scalar(select(func.count()).select_from(WorkerHeartbeat)) or 0

    def states(self) -> Counter[PostState]:
        with self.database.read_session_factory() as session:
            return Counter(
                {
                    state: number
                    for state, number in session.execute(
                        select(Post.state, func.count()).group_by(Post.state)
                    )
                }
            )

    def start_worker(self, *args: str) -> subprocess.Popen[str]:
        return start_gatepost(["worker", *args], self.env, cwd=self.cwd)

    def published_events(self) -> list[str]:
        return [e["idempotency_key"] for e in read_ledger(self.ledger) if e["event"] == "published"]

    def replays(self) -> int:
        return sum(1 for e in read_ledger(self.ledger) if e["event"] == "replayed")


@pytest.fixture
def site(backend: str, make_database_url: Callable[[str], str], tmp_path: Path) -> Iterator[Site]:
    database = Database(make_database_url(backend))
    schema.upgrade(database.engine)
    config = tmp_path / "gatepost.toml"
    # A short lease so a killed worker's posts are recovered within the test (the lease reaper
    # runs every lease/2); the drain test lengthens it, see there.
    config.write_text(
        "[worker]\n"
        "lease_seconds = 2\n"
        "poll_interval_seconds = 0.2\n"
        "heartbeat_seconds = 1\n"
        "batch_size = 200\n"
        "missed_grace_minutes = 60\n"
    )
    ledger = tmp_path / "ledger.jsonl"
    env = {
        "GATEPOST_DATABASE_URL": database.url,
        "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "GATEPOST_SECRET_KEY": "test-secret-key-that-is-long-enough",
        "GATEPOST_MOCK_LEDGER": str(ledger),
        "GATEPOST_CONFIG": str(config),
    }
    yield Site(database, env, ledger, tmp_path)
    database.dispose()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def assert_each_published_exactly_once(site: Site, count: int) -> None:
    keys = site.published_events()
    duplicates = [key for key, seen in Counter(keys).items() if seen > 1]
    assert duplicates == []
    assert site.replays() == 0
    assert len(keys) == count
    assert site.states() == Counter({PostState.PUBLISHED: count})


def test_a_worker_killed_mid_pass_and_restarted_publishes_every_post_exactly_once(
    site: Site,
) -> None:
    count = 600
    site.seed(count, 10, due_at=datetime.now(UTC), latency_ms=15)
    first = site.start_worker("--worker-id", "doomed")
    try:
        wait_until(lambda: len(read_ledger(site.ledger)) >= 100, 90, "the first posts")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    states = site.states()
    # Killed in the middle: some posts out, some claimed under a lease, some never claimed.
    assert states[PostState.PUBLISHING] > 0, states
    assert 0 < len(site.published_events()) < count
    with site.database.read_session_factory() as session:
        in_flight = set(
            session.scalars(
                select(Post.id).where(
                    Post.state == PostState.PUBLISHING, Post.lease_owner == "doomed"
                )
            )
        )

    second = site.start_worker("--worker-id", "survivor")
    try:
        wait_until(lambda: site.states()[PostState.PUBLISHED] == count, 180, "every post published")
    finally:
        output = stop(second)
    assert second.returncode == 0, output
    assert_each_published_exactly_once(site, count)
    with site.database.read_session_factory() as session:
        # Recovery writes the table's action for where the post went, saying whose it was.
        recovered = Counter(
            post_id
            for post_id, details in session.execute(
                select(AuditEvent.post_id, AuditEvent.details).where(
                    AuditEvent.actor_label == "worker:survivor"
                )
            )
            if "recovered_from" in (details or {})
        )
    # Each post the dead worker had in flight was recovered once. (On a loaded machine the
    # survivor may also recover a post of its own whose 2 s lease lapsed: safe, and not counted.)
    assert {post_id: recovered[post_id] for post_id in in_flight} == dict.fromkeys(in_flight, 1)


def channels_out_of_order(site: Site) -> list[str]:
    """Return the channels whose posts reached the platform out of id order (all due at once)."""
    by_channel: dict[str, list[int]] = {}
    for event in read_ledger(site.ledger):
        if event["event"] == "published":
            post_id = int(event["idempotency_key"].split("-")[1])
            by_channel.setdefault(event["channel"], []).append(post_id)
    return [channel for channel, ids in by_channel.items() if ids != sorted(ids)]


def test_several_workers_drain_thousands_of_posts_with_no_duplicates_and_none_left(
    site: Site, backend: str
) -> None:
    # PostgreSQL scales out, so four workers; SQLite has one writer, so two.
    workers, count = (4, 4000) if backend == "postgresql" else (2, 2000)
    # Two cores shared by several busy workers and the database: a 2 s lease can lapse before
    # its renewal. That is safe (the posts are found by look-up, never sent twice) but this test
    # is about claiming, so give the leases room.
    config = Path(site.env["GATEPOST_CONFIG"])
    config.write_text(config.read_text().replace("lease_seconds = 2", "lease_seconds = 30"))
    processes = [site.start_worker("--worker-id", f"w{number}") for number in range(workers)]
    try:
        # Every worker is up before anything is due, however slowly a busy machine starts them,
        # and each sees the posts (it polls every 0.2 s) and wakes at their instant: the test
        # is about sharing the claims, not about which process started or polled first.
        wait_until(lambda: site.workers_alive() == workers, 60, "every worker's heartbeat")
        site.seed(count, 100, due_at=datetime.now(UTC) + timedelta(seconds=2))
        wait_until(lambda: site.states()[PostState.PUBLISHED] == count, 180, "every post published")
    finally:
        outputs = [stop(process) for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
    assert_each_published_exactly_once(site, count)
    # All due at one instant: each channel's posts go out in id order, whichever worker sent them.
    assert channels_out_of_order(site) == []
    with site.database.read_session_factory() as session:
        by_worker = dict(
            session.execute(
                select(AuditEvent.actor_label, func.count())
                .where(AuditEvent.action == "mark_published")
                .group_by(AuditEvent.actor_label)
            ).all()
        )
    assert sum(by_worker.values()) == count
    assert len(by_worker) >= 2, by_worker  # the work was shared, not done by one alone


def test_serve_runs_a_worker_in_process_and_reports_health(site: Site) -> None:
    site.seed(3, 1, due_at=datetime.now(UTC))
    port = free_port()
    server = start_gatepost(["serve", "--port", str(port)], site.env, cwd=site.cwd)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", server)
        wait_until(lambda: len(site.published_events()) == 3, 30, "the posts")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as response:
            health = json.loads(response.read())
        assert health["status"] == "ok"
        assert health["workers"][0]["state"] == "alive"
    finally:
        output = stop(server)
    assert "Publishing worker" in output
    assert "Stopping the publishing worker" in output
    assert os.path.exists(site.ledger)
