"""GET /metrics: Prometheus numbers for the queue, only for the configured scraper, no text."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from config import Settings, load_settings
from scheduler.models import PostState
from scheduler.publishing.worker.heartbeat import beat
from scheduler.publishing.worker.identity import WorkerIdentity
from tests.support.processes import free_port, start_gatepost, stop, wait_for_http
from tests.support.publishing_factories import PublishingFactory

METRICS_TOKEN = "metrics-token-for-the-tests-0123456789abcdef"


def client_with(app: Flask, settings: Settings, metrics: dict[str, object]) -> FlaskClient:
    """Return a client of the app as configured with this [metrics] table."""
    app.config["GATEPOST_SETTINGS"] = load_settings(
        {},
        overrides={
            "instance_path": str(settings.instance_path),
            "database_url": settings.database_url,
            "secret_key": settings.secret_key,
            "metrics": metrics,
        },
    )
    return app.test_client()


@pytest.fixture
def metrics_client(app: Flask, settings: Settings) -> FlaskClient:
    """Return a client of the app with a metrics token configured."""
    return client_with(app, settings, {"token": METRICS_TOKEN})


def test_metrics_count_the_queue_lag_and_heartbeats_without_text(
    metrics_client: FlaskClient, session: Session
) -> None:
    factory = PublishingFactory(session)
    channel = factory.channel()
    now = datetime.now(UTC)
    factory.post(channel, send_at=now - timedelta(minutes=1), text="SECRET GDP 0.3%")
    held = factory.post(channel, send_at=now + timedelta(hours=1), text="SECRET CPI 2%")
    held.hold_reason = "Outside office hours"
    for seconds in (1, 2, 3, 40):
        done = factory.post(channel, send_at=now - timedelta(minutes=5), text="SECRET old")
        done.state = PostState.PUBLISHED
        done.published_at = done.due_at + timedelta(seconds=seconds)
    beat(session, WorkerIdentity("w1", "host", 7), now=now - timedelta(seconds=5), started=True)
    session.flush()

    response = metrics_client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    assert 'gatepost_posts{state="scheduled"} 2' in text
    assert 'gatepost_posts{state="published"} 4' in text
    assert "gatepost_posts_due 1" in text
    assert "gatepost_posts_held 1" in text
    assert 'gatepost_publish_lag_seconds{quantile="0.5"} 2.000' in text
    assert 'gatepost_publish_lag_seconds{quantile="0.95"} 40.000' in text
    assert 'gatepost_worker_heartbeat_age_seconds{worker="w1"} ' in text
    assert "SECRET" not in text


def test_metrics_are_off_until_configured_even_from_loopback(client: FlaskClient) -> None:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "GATEPOST_METRICS_TOKEN" in body
    assert "[metrics]" in body
    assert "gatepost_posts" not in body


def test_an_allow_list_admits_only_the_listed_client_addresses(
    app: Flask, settings: Settings
) -> None:
    client = client_with(app, settings, {"allow": ["192.0.2.0/24", "::1"]})
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert refused.status_code == 403
    assert "127.0.0.1" in refused.get_data(as_text=True)


def test_with_both_a_token_and_an_allow_list_each_must_pass(app: Flask, settings: Settings) -> None:
    client = client_with(app, settings, {"token": METRICS_TOKEN, "allow": ["192.0.2.7"]})
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    listed = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get("/metrics", headers=bearer, environ_base=listed).status_code == 200
    assert client.get("/metrics", environ_base=listed).status_code == 401
    assert client.get("/metrics", headers=bearer).status_code == 403


@dataclass
class Server:
    """A real `gatepost serve` (waitress) listening on localhost."""

    base: str
    process: subprocess.Popen[str]

    def get(self, path: str, headers: Mapping[str, str]) -> tuple[int, Message, str]:
        request = urllib.request.Request(self.base + path, headers=dict(headers))  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()


def serve(tmp_path: Path, extra: Mapping[str, str]) -> Iterator[Server]:
    port = free_port()
    (tmp_path / "instance").mkdir()
    env = {
        "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "GATEPOST_SECRET_KEY": "test-secret-key-that-is-long-enough",
        **extra,
    }
    process = start_gatepost(["serve", "--no-worker", "--port", str(port)], env, cwd=tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process)
        yield Server(f"http://127.0.0.1:{port}", process)
    finally:
        stop(process)


#: What Caddy, or nginx with `proxy_set_header X-Forwarded-For`, sends on from a visitor.
FROM_OUTSIDE = {"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9"}


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[Server]:
    yield from serve(tmp_path, {})


@pytest.fixture
def token_server(tmp_path: Path) -> Iterator[Server]:
    yield from serve(tmp_path, {"GATEPOST_METRICS_TOKEN": METRICS_TOKEN})


@pytest.mark.slow
def test_a_proxied_request_from_outside_gets_no_metrics_from_waitress(
    plain_server: Server,
) -> None:
    status, _, body = plain_server.get("/metrics", FROM_OUTSIDE)
    assert status == 404
    assert "gatepost_posts" not in body
    assert "GATEPOST_METRICS_TOKEN" in body


@pytest.mark.slow
def test_waitress_serves_metrics_only_for_the_configured_bearer_token(
    token_server: Server,
) -> None:
    for headers in (
        FROM_OUTSIDE,
        {**FROM_OUTSIDE, "Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {METRICS_TOKEN}x"},
        {"Authorization": f"Basic {METRICS_TOKEN}"},
    ):
        status, response_headers, body = token_server.get("/metrics", headers)
        assert status == 401, headers
        assert str(response_headers["WWW-Authenticate"]).startswith("Bearer realm="), headers
        assert "gatepost_posts" not in body
    status, _, body = token_server.get(
        "/metrics", {**FROM_OUTSIDE, "Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert status == 200
    assert 'gatepost_posts{state="scheduled"} 0' in body


@pytest.mark.slow
def test_a_short_metrics_token_stops_start_up_with_one_line_naming_it(tmp_path: Path) -> None:
    process = start_gatepost(
        ["serve", "--no-worker", "--port", str(free_port())],
        {
            "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
            "GATEPOST_METRICS_TOKEN": "short",
        },
        cwd=tmp_path,
    )
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "metrics.token" in lines[0]
    assert "GATEPOST_METRICS_TOKEN" in lines[0]
