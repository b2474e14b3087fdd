"""The Server-Timing header the benchmarks read: only when the setting is on."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from scheduler.core.database import Database
from web import create_app

TIMING = re.compile(r'^app;dur=[\d.]+, sql;dur=[\d.]+;desc="(\d+) queries"$')


def test_no_timing_header_by_default(client: FlaskClient) -> None:
    response = client.get("/health")

    assert "Server-Timing" not in response.headers


def test_timing_header_counts_the_sql_statements_of_each_request(
    settings: Settings, database: Database, session_factory: sessionmaker[Session]
) -> None:
    app = create_app(
        settings.with_overrides(server_timing=True),
        database=database.with_session_factory(session_factory),
    )
    client = app.test_client()

    health = client.get("/health")
    sign_in = client.get("/sign-in")

    health_match = TIMING.match(health.headers.get("Server-Timing", ""))
    sign_in_match = TIMING.match(sign_in.headers.get("Server-Timing", ""))
    assert health_match
    assert sign_in_match
    assert int(health_match.group(1)) > 0
    assert int(sign_in_match.group(1)) == 0
