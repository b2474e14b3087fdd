from __future__ import annotations

from datetime import UTC, datetime

from scheduler.models import PostState
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
    assert worker.actions(post) == ["claimed", "published"]
