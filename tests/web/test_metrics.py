"""GET /metrics: Prometheus numbers for the queue, from loopback only, never any post text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from scheduler.models import PostState
from scheduler.publishing.heartbeat import beat
from scheduler.publishing.identity import WorkerIdentity
from tests.support.publishing_factories import PublishingFactory


def test_metrics_count_the_queue_lag_and_heartbeats_without_text(
    client: FlaskClient, session: Session
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

    response = client.get("/metrics")

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


def test_metrics_are_refused_from_another_machine_or_through_a_proxy(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 404
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 404
