"""A database, instance folder and mock ledger shared by real worker and web processes."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.models import Channel, Post, PostState, WorkerHeartbeat
from scheduler.platforms.mock_ledger import read_ledger
from tests.support.processes import GATEPOST, gatepost_env, stop
from tests.support.publishing_factories import PublishingFactory, bulk_scheduled_posts

WORKER_CONFIG = (
    "[worker]\n"
    "lease_seconds = 2\n"
    "poll_interval_seconds = 0.2\n"
    "heartbeat_seconds = 1\n"
    "batch_size = 50\n"
    "missed_grace_minutes = 60\n"
    "[retry]\n"
    "base_delay_seconds = 0.2\n"
    "max_delay_seconds = 1\n"
    "max_attempts = 50\n"
)


@dataclass
class FaultSite:
    """Everything worker processes share, and the checks made on it."""

    database: Database
    env: dict[str, str]
    ledger: Path
    cwd: Path

    @classmethod
    def create(cls, url: str, directory: Path, config: str = WORKER_CONFIG) -> FaultSite:
        """Migrate the database at `url` and lay out an instance folder in `directory`."""
        database = Database(url)
        schema.upgrade(database.engine)
        (directory / "gatepost.toml").write_text(config)
        ledger = directory / "ledger.jsonl"
        env = {
            "GATEPOST_DATABASE_URL": url,
            "GATEPOST_INSTANCE_PATH": str(directory / "instance"),
            "GATEPOST_SECRET_KEY": "test-secret-key-that-is-long-enough",
            "GATEPOST_MOCK_LEDGER": str(ledger),
            "GATEPOST_CONFIG": str(directory / "gatepost.toml"),
        }
        return cls(database, env, ledger, directory)

    def seed(self, count: int, channels: int, *, due_at: datetime, **options: object) -> None:
        """Add `count` scheduled posts due at `due_at` over new channels with these mock faults."""
        self.seed_groups([(count, channels, options)], due_at=due_at)

    def seed_groups(
        self, groups: list[tuple[int, int, dict[str, object]]], *, due_at: datetime
    ) -> None:
        """Add channels with each group's mock faults, and posts spread evenly over them."""
        with self.database.session_factory() as session:
            factory = PublishingFactory(session)
            made = [
                factory.channel(platform_options=dict(options))
                for _, channels, options in groups
                for _ in range(channels)
            ]
            total = sum(count for count, _, _ in groups)
            bulk_scheduled_posts(session, factory, made, total, due_at=due_at)
            session.commit()

    def states(self, *, besides: str | None = None) -> Counter[PostState]:
        """Count the posts in each state (of channels other than the handle `besides`)."""
        query = select(Post.state, func.count()).group_by(Post.state)
        if besides is not None:
            query = query.join(Channel, Post.channel_id == Channel.id).where(
                Channel.handle != besides
            )
        with self.database.read_session_factory() as session:
            return Counter({state: number for state, number in session.execute(query)})

    def holds(self) -> list[tuple[str | None, object, object]]:
        """Return (hold reason, hold until, due at) of each post still scheduled."""
        with self.database.read_session_factory() as session:
            rows = session.execute(
                select(Post.hold_reason, Post.hold_until, Post.due_at).where(
                    Post.state == PostState.SCHEDULED
                )
            )
            return [tuple(row) for row in rows]

    def errors(self) -> list[str]:
        """Return the last error recorded on each post that has one."""
        with self.database.read_session_factory() as session:
            return [e for e in session.scalars(select(Post.last_error)) if e]

    def heartbeats(self, worker_id: str) -> int:
        """Return how many heartbeat rows name the worker (1 once it has started)."""
        with self.database.read_session_factory() as session:
            return (
                session.scalar(
                    select(func.count()).where(WorkerHeartbeat.worker_id.contains(worker_id))
                )
                or 0
            )

    def start_worker(self, *args: str) -> subprocess.Popen[str]:
        """Start `gatepost worker ARGS`, its output appended to worker.log (never a full pipe)."""
        with (self.cwd / "worker.log").open("a") as log:
            return subprocess.Popen(
                [*GATEPOST, "worker", *args],
                env=gatepost_env(self.env),
                cwd=self.cwd,
                text=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop_worker(self, process: subprocess.Popen[str]) -> str:
        """Stop a worker with SIGTERM (SIGKILL after 10 s) and return the log so far."""
        stop(process)
        return (self.cwd / "worker.log").read_text()

    def published_keys(self) -> list[str]:
        """Return the idempotency key of every post the platform published, in order."""
        return [e["idempotency_key"] for e in read_ledger(self.ledger) if e["event"] == "published"]

    def duplicates(self) -> list[str]:
        """Return the keys the platform published more than once (must be none)."""
        return [key for key, seen in Counter(self.published_keys()).items() if seen > 1]

    def assert_exactly_once(self, count: int, *, besides: str | None = None) -> None:
        """Check every post (not on channel `besides`) went out exactly once, recorded so."""
        assert self.duplicates() == []
        assert len(self.published_keys()) == count
        assert self.states(besides=besides) == Counter({PostState.PUBLISHED: count})


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll the condition until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} {describe()}")
