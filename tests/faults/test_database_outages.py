"""A real worker whose database goes away and comes back: it recovers at once and says so twice.

Two lines per outage (one when the database goes away, with the first error's traceback, one
when it is back), not two tracebacks a pass; and the first pass after the database is back
publishes what is due, on SQLite (a file made read-only, then writable) and on PostgreSQL (the
server refusing connections, then answering).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from scheduler.models import Post, PostState
from tests.faults.site import FaultSite, wait_until
from tests.support.processes import GATEPOST, free_port, gatepost_env, stop, wait_for_http
from tests.support.tcp_proxy import TcpRelay

pytestmark = pytest.mark.slow

#: A log record of the worker's own that says something went wrong (not waitress's chatter).
TROUBLE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (WARNING|ERROR|CRITICAL) scheduler\.", re.M)
#: Root ignores file modes; without these capabilities it obeys them like anyone else.
OBEY_FILE_MODES = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


class Queue:
    """Posts seeded far in the future, made due one at a time by the test."""

    def __init__(self, site: FaultSite, count: int) -> None:
        self.site = site
        site.seed(count, 1, due_at=datetime.now(UTC) + timedelta(days=30))
        with site.database.read_session_factory() as session:
            self.waiting = list(session.scalars(select(Post.id).order_by(Post.id)))
        self.published = 0

    def make_next_due(self) -> None:
        now = datetime.now(UTC)
        with self.site.database.session_factory() as session:
            session.execute(
                update(Post).where(Post.id == self.waiting.pop(0)).values(due_at=now, send_at=now)
            )
            session.commit()

    def wait_published(self, timeout: float) -> float:
        """Wait until the post made due last is published; return how long that took."""
        started = time.monotonic()
        self.published += 1
        wait_until(
            lambda: self.site.states()[PostState.PUBLISHED] == self.published,
            timeout,
            f"post {self.published} to be published",
            lambda: f"{self.site.states()} {self.site.errors()[:2]}",
        )
        return time.monotonic() - started


def start(site: FaultSite, command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    with (site.cwd / "worker.log").open("a") as log:
        return subprocess.Popen(
            command,
            env=gatepost_env(env),
            cwd=site.cwd,
            text=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def log_since(site: FaultSite, offset: int) -> str:
    return (site.cwd / "worker.log").read_text()[offset:]


def log_size(site: FaultSite) -> int:
    return len((site.cwd / "worker.log").read_text())


def assert_one_line_each_way(log: str) -> None:
    troubles = [match.group(0) for match in TROUBLE.finditer(log)]
    records = [line for line in log.splitlines() if TROUBLE.match(line)]
    assert len(troubles) == 2, "\n".join(records) or log[-3000:]
    gone, back = records
    assert "database is unavailable" in gone
    assert "database is back" in back
    # One traceback: the first error's (with the driver's errors it was raised from).
    chained = log.count("The above exception was the direct cause") + log.count(
        "During handling of the above exception"
    )
    assert log.count("Traceback (most recent call last)") - chained == 1, log[-3000:]
    assert len(log.splitlines()) < 150, f"{len(log.splitlines())} lines:\n{log[-3000:]}"


@pytest.fixture
def sqlite_site(make_database_url: Callable[[str], str], tmp_path: Path) -> Iterator[FaultSite]:
    made = FaultSite.create(make_database_url("sqlite"), tmp_path)
    (tmp_path / "instance").mkdir()
    yield made
    made.database.dispose()


def set_mode(site: FaultSite, mode: int) -> None:
    database = Path(site.database.url.split("///", 1)[1])
    for path in database.parent.glob(database.name + "*"):
        path.chmod(mode)


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="running as root, which ignores file modes, without setpriv to drop that power",
)
def test_after_its_sqlite_file_was_read_only_the_worker_publishes_in_the_next_pass(
    sqlite_site: FaultSite,
) -> None:
    site = sqlite_site
    queue = Queue(site, 4)
    port = free_port()
    serve = [*GATEPOST, "serve", "--port", str(port)]
    server = start(site, [*OBEY_FILE_MODES, *serve] if os.geteuid() == 0 else serve, site.env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", server)
        queue.make_next_due()
        queue.wait_published(30)

        offset = log_size(site)
        set_mode(site, 0o444)
        # People keep reading pages meanwhile: the pool opens connections, read-only now.
        readers = [
            threading.Thread(target=read_health, args=(f"http://127.0.0.1:{port}/health",))
            for _ in range(12)
        ]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        queue.make_next_due()
        # About ten passes with the database read-only (a connection opened before may still
        # write, so the post may go out meanwhile).
        time.sleep(2)

        set_mode(site, 0o644)
        # The post that waited, and the ones due from now on, go in the next pass or two.
        assert queue.wait_published(30) < 2.0
        for _ in range(2):
            queue.make_next_due()
            assert queue.wait_published(30) < 2.0
        time.sleep(1)
    finally:
        set_mode(site, 0o644)
        output = stop(server)
    assert server.returncode == 0, output
    assert_one_line_each_way(log_since(site, offset))


def read_health(url: str) -> None:
    for _ in range(5):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                response.read()
        except OSError:
            pass


@pytest.fixture
def postgres_site(
    backend: str, make_database_url: Callable[[str], str], tmp_path: Path
) -> Iterator[tuple[FaultSite, TcpRelay]]:
    url = make_url(make_database_url(backend))
    with TcpRelay((url.host or "127.0.0.1", url.port or 5432)) as relay:
        made = FaultSite.create(url.render_as_string(hide_password=False), tmp_path)
        (tmp_path / "instance").mkdir()
        # The worker reaches PostgreSQL through the relay; the test goes straight to it.
        made.env["GATEPOST_DATABASE_URL"] = url.set(
            host="127.0.0.1", port=relay.port
        ).render_as_string(hide_password=False)
        yield made, relay
        made.database.dispose()


@pytest.mark.only_on(
    "postgresql",
    why="SQLite has no server to go away; its outage is the read-only file test above",
)
def test_while_postgresql_refuses_connections_the_worker_logs_one_line_then_one_when_back(
    postgres_site: tuple[FaultSite, TcpRelay],
) -> None:
    site, relay = postgres_site
    queue = Queue(site, 3)
    worker = start(site, [*GATEPOST, "worker", "--worker-id", "outage"], site.env)
    try:
        wait_until(lambda: site.heartbeats("outage") == 1, 30, "the worker to start")
        queue.make_next_due()
        queue.wait_published(30)

        offset = log_size(site)
        relay.cut()
        queue.make_next_due()
        time.sleep(4)  # twenty passes, four heartbeats and lease reaps, with no database
        assert worker.poll() is None, "the worker died when its database went away"
        assert site.states()[PostState.PUBLISHED] == 1

        relay.restore()
        assert queue.wait_published(30) < 3.0
        queue.make_next_due()
        assert queue.wait_published(30) < 2.0
        time.sleep(1)
    finally:
        output = site.stop_worker(worker)
    assert worker.returncode == 0, output
    assert_one_line_each_way(log_since(site, offset))
