"""GET /health: database, workers alive or stale, the queue; no sign-in, never post text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.database import Database
from scheduler.publishing.worker.heartbeat import beat
from scheduler.publishing.worker.identity import WorkerIdentity
from tests.support.publishing_factories import PublishingFactory
from web import create_app


def test_healthy_with_a_live_worker_and_the_queue_counted(
    client: FlaskClient, session: Session
) -> None:
    factory = PublishingFactory(session)
    channel = factory.channel()
    now = datetime.now(UTC)
    factory.post(channel, send_at=now - timedelta(minutes=1), text="EMBARGOED GDP 0.3%")
    held = factory.post(channel, send_at=now + timedelta(hours=1))
    held.hold_reason = "Embargoed until later"
    beat(session, WorkerIdentity("w1", "host", 7), now=now, started=True)
    beat(session, WorkerIdentity("w1", "host", 7), now=now, last_pass=(now, 4, 2))
    session.flush()

    response = client.get("/health")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "reachable"
    (worker,) = body["workers"]
    assert worker["id"] == "w1"
    assert worker["state"] == "alive"
    assert worker["last_pass_at"] is not None
    assert (worker["last_pass_published"], worker["last_pass_held"]) == (4, 2)
    assert body["queue"] == {
        "due": 1,
        "scheduled": 2,
        "held": 1,
        "publishing": 0,
        "failed": 0,
        "missed": 0,
        "unknown": 0,
    }
    assert "GDP" not in response.get_data(as_text=True)


def test_unhealthy_when_no_worker_is_alive(client: FlaskClient, session: Session) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["problem"].startswith("No publishing worker is alive")

    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    beat(session, WorkerIdentity("w2", "host", 8), now=long_ago, started=True)
    session.flush()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["workers"][0]["state"] == "stale"


def test_unhealthy_when_the_database_is_unreachable(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings, database=Database("postgresql://nobody@127.0.0.1:9/gatepost"))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unhealthy",
        "database": "unreachable",
        "workers": [],
        "queue": None,
    }


def test_channels_that_cannot_publish_until_connected_are_reported(
    client: FlaskClient, session: Session, connected_platform: object
) -> None:
    factory = PublishingFactory(session)
    now = datetime.now(UTC)
    waiting = factory.channel("waiting", platform="connected-mock")
    factory.channel("idle", platform="connected-mock")  # never connected, but nothing to send
    refused = factory.channel("refused", platform="connected-mock")
    refused.connected_as = "@refused@social.example"
    refused.credentials_encrypted = "sealed"
    refused.connection_problem = "The access token tok-SECRET-ish was revoked"
    factory.channel("plain")  # the mock needs no connection
    for channel in (waiting, factory.channel("plain2")):
        factory.post(channel, send_at=now + timedelta(hours=1))
    beat(session, WorkerIdentity("w1", "host", 7), now=now, started=True)
    session.flush()

    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json()["connections"] == [
        {
            "channel": "@refused",
            "platform": "connected-mock",
            "problem": "@refused: the platform refused its credentials; an admin must connect "
            "it again",
        },
        {
            "channel": "@waiting",
            "platform": "connected-mock",
            "problem": "@waiting is not connected: an admin must connect it",
        },
    ]
    assert "tok-SECRET" not in response.get_data(as_text=True)
