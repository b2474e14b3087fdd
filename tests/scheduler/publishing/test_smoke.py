from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from scheduler.core.clock import FixedClock
from scheduler.models import AuditEvent, PostState
from scheduler.publishing.worker.run_pass import run_pass
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory


def test_a_due_post_is_published(factory: PublishingFactory, worker: Worker) -> None:
    channel = factory.channel()
    at = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    post = factory.post(channel, send_at=at)
    report = worker.run_at(at)
    assert report.published == 1, report
    assert post.state is PostState.PUBLISHED
    assert worker.published_keys() == [post.idempotency_key]
    assert worker.actions(post) == ["claim", "mark_published"]


def test_the_worker_audits_the_claim_and_the_publication_in_full(
    factory: PublishingFactory, worker: Worker
) -> None:
    channel = factory.channel()
    at = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    post = factory.post(channel, send_at=at, release=factory.release(embargo_at=at))

    worker.run_at(at)

    events = worker.session.scalars(
        select(AuditEvent).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id)
    ).all()
    assert [
        (e.action, e.from_state, e.to_state, e.channel_id, e.release_id, e.occurred_at)
        for e in events
    ] == [
        ("claim", "scheduled", "publishing", channel.id, post.release_id, at),
        ("mark_published", "publishing", "published", channel.id, post.release_id, at),
    ]
    assert {e.actor_label for e in events} == {worker.runtime.identity.actor_label}
    # The worker acts as no person, and about no person.
    assert {(e.actor_id, e.subject_user_id) for e in events} == {(None, None)}
    assert post.release_id is not None
    assert events[0].details == {}
    assert events[1].details == {"external_id": post.external_id, "attempt": 1}


def test_a_new_clock_on_the_worker_moves_its_adapters_and_publisher_too(
    factory: PublishingFactory, worker: Worker
) -> None:
    # A rehearsal sets the runtime's clock once; the mock adapter, made before, and the
    # publisher read it through the runtime, so the post goes out at the rehearsed instant.
    worker.runtime.platforms.check_settings()
    at = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    post = factory.post(factory.channel(), send_at=at)
    worker.runtime.clock = FixedClock(at)

    report = run_pass(worker.runtime)
    worker.session.expire_all()

    assert report.published == 1, report
    assert post.published_at == at
    assert [e["published_at"] for e in worker.ledger() if e["event"] == "published"] == [
        at.isoformat()
    ]
