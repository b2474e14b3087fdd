"""People on the pre-release access list reading an embargoed post at once, on a real server,
while someone writes through the API: no read fails, and every read is recorded as a viewing.

Recording a viewing is a write; done inside a page's read transaction it failed on SQLite with
"database is locked" for about half the requests as soon as two people read at once.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler.channels.operations import create_channel, grant_access
from scheduler.identity.accounts import create_user
from scheduler.identity.api_tokens import create_token
from scheduler.models import AccessRole, EmbargoViewing, Role
from scheduler.releases.operations import create_release
from tests.conftest import TEST_PASSWORD
from tests.faults.load import LOAD_CONFIG, Person, Results
from tests.faults.site import FaultSite
from tests.support.processes import GATEPOST, free_port, gatepost_env, wait_for_http

pytestmark = pytest.mark.slow

READERS = 4
SECONDS = 4.0
READING_CHANNEL = "embargoreads"
WRITING_CHANNEL = "embargowrites"


def seed(site: FaultSite) -> tuple[int, list[tuple[str, str]], tuple[str, str]]:
    """Add the readers (on the access list), the writer; return the release id and sign-ins."""
    with site.database.unit_of_work() as session:
        reading = create_channel(session, platform="mock", handle=READING_CHANNEL, language="en")
        writing = create_channel(session, platform="mock", handle=WRITING_CHANNEL, language="en")
        people = []
        for number in range(READERS + 1):
            user = create_user(
                session,
                email=f"reader{number}@example.gov.uk",
                password=TEST_PASSWORD,
                role=Role.AUTHOR,
            )
            channel = reading if number < READERS else writing
            grant_access(session, channel=channel, user=user, role=AccessRole.AUTHOR)
            _, secret = create_token(session, user, scopes="read,write", by=None)
            people.append((user, secret))
        release = create_release(
            session,
            title="Labour market overview",
            embargo_at=datetime.now(UTC) + timedelta(days=3),
            by=None,
            access=[user for user, _ in people[:READERS]],
        )
        session.flush()
        signs = [(user.email, secret) for user, secret in people]
        return release.id, signs[:READERS], signs[READERS]


def read_loop(person: Person, post_id: int, until: float, reads: list[int]) -> None:
    """Read the embargoed post on its page and through the API, over and over."""
    count = 0
    while time.monotonic() < until:
        status, body = person.request("GET /posts/{id}", "GET", f"/posts/{post_id}")
        if status == 200 and b"Embargoed text" in body:
            count += 1
        status, answer = person.api("GET /api/v1/posts/{id}", "GET", f"/api/v1/posts/{post_id}")
        if status == 200 and answer.get("text") == "Embargoed text 4.2%":
            count += 1
    reads.append(count)


def write_loop(person: Person, until: float) -> None:
    """Write posts through the API: create one, then edit it with the version read back."""
    number = 0
    while time.monotonic() < until:
        number += 1
        status, made = person.api(
            "POST /api/v1/posts",
            "POST",
            "/api/v1/posts",
            {"channel": WRITING_CHANNEL, "text": f"Draft {number}"},
        )
        if status == 201:
            person.api(
                "PATCH /api/v1/posts/{id}",
                "PATCH",
                f"/api/v1/posts/{made['id']}",
                {"version": made["version"], "text": f"Draft {number}, edited"},
            )


def test_parallel_readers_of_embargoed_text_get_no_5xx_and_every_read_is_recorded(
    backend: str, make_database_url: Callable[[str], str], tmp_path: Path
) -> None:
    site = FaultSite.create(make_database_url(backend), tmp_path, LOAD_CONFIG)
    release_id, reader_logins, writer_login = seed(site)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("a") as log:
        server = subprocess.Popen(
            [*GATEPOST, "serve", "--no-worker", "--port", str(port), "--threads", "8"],
            env=gatepost_env(site.env),
            cwd=tmp_path,
            text=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    results = Results()
    try:
        wait_for_http(f"{base}/health", server)
        readers = [Person(base, email, secret, results) for email, secret in reader_logins]
        writer = Person(base, *writer_login, results)
        for person in readers:
            person.sign_in()
        status, post = readers[0].api(
            "POST /api/v1/posts",
            "POST",
            "/api/v1/posts",
            {"channel": READING_CHANNEL, "text": "Embargoed text 4.2%", "release_id": release_id},
        )
        assert status == 201, post
        reads: list[int] = []
        until = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=read_loop, args=(person, post["id"], until, reads))
            for person in readers
        ]
        threads.append(threading.Thread(target=write_loop, args=(writer, until)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    try:
        with site.database.read_session_factory() as session:
            recorded = session.scalar(
                select(func.count()).where(EmbargoViewing.release_id == release_id)
            )
    finally:
        site.database.dispose()

    print(f"reads {sum(reads)}, viewings {recorded}, statuses {dict(results.statuses)}")
    assert results.failures == [], (tmp_path / "serve.log").read_text()[-3000:]
    assert results.timings["POST /api/v1/posts"], "the writer wrote nothing"
    assert sum(reads) > 4 * READERS, "too few reads to have overlapped"
    # Each read shown is recorded, none lost (and the reply to creating the post was one).
    assert recorded == sum(reads) + 1
