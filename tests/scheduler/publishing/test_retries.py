"""Transient errors are retried with backoff and jitter; permanent ones fail, saying why."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from config.settings import RetryPolicy
from scheduler.clearance import retry
from scheduler.models import PostState
from scheduler.platforms.mock import MockPlatform
from scheduler.publishing.send.backoff import retry_delay
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def test_backoff_doubles_is_capped_and_jittered_within_half() -> None:
    policy = RetryPolicy(
        max_attempts=10, base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=5)
    )
    rng = random.Random(1)
    for attempt, full in [(1, 30), (2, 60), (3, 120), (4, 240), (5, 300), (9, 300)]:
        delays = {retry_delay(attempt, policy, rng=rng).total_seconds() for _ in range(50)}
        assert min(delays) >= full / 2
        assert max(delays) <= full
        assert len(delays) > 1  # jittered, so workers do not come back in step
    assert retry_delay(1, policy, retry_after=90, rng=rng) == timedelta(seconds=90)


def test_a_transient_error_is_retried_with_backoff_then_fails_after_the_last_try(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(platform_options={"fail_every_nth": 1}), send_at=AT)

    worker.run_at(AT)
    assert post.state is PostState.SCHEDULED
    assert post.attempts == 1
    assert post.due_at is not None
    assert AT + timedelta(seconds=15) <= post.due_at <= AT + timedelta(seconds=30)
    assert post.last_error == (
        "Mock platform is temporarily failing: call 1 on @channel4 (every 1st fails)"
    )
    assert post.hold_reason is not None
    assert post.hold_reason.startswith("The platform failed (try 1 of 3): Mock platform is")
    assert post.hold_until == post.due_at

    first_retry = post.due_at
    worker.run_at(first_retry)
    assert post.attempts == 2
    assert first_retry + timedelta(seconds=30) <= post.due_at <= first_retry + timedelta(seconds=60)

    worker.run_at(post.due_at)
    assert post.state is PostState.FAILED
    assert post.attempts == 3
    assert post.last_error == (
        "Gave up after 3 tries: Mock platform is temporarily failing: call 3 on @channel4 "
        "(every 1st fails)"
    )
    assert worker.actions(post) == [
        "claim",
        "mark_retry",
        "claim",
        "mark_retry",
        "claim",
        "mark_failed",
    ]
    assert worker.published_keys() == []


def test_a_permanent_error_fails_at_once_keeping_the_platforms_message(
    factory: PublishingFactory, worker: Worker
) -> None:
    channel = factory.channel(platform_options={"fail_every_nth": 1, "fail_kind": "permanent"})
    post = factory.post(channel, send_at=AT)
    worker.run_at(AT)
    assert post.state is PostState.FAILED
    assert post.attempts == 1
    assert post.last_error == (
        f"Mock platform refused the post: call 1 on {channel.handle} (every 1st fails)"
    )


def test_a_text_the_platform_refuses_fails_permanently(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=AT, text="word " * 80)
    worker.run_at(AT)
    assert post.state is PostState.FAILED
    assert post.last_error == (
        "Mock platform refused the post: The post is 400 characters as X counts them, "
        "120 over the limit of 280"
    )


def test_a_failed_post_can_be_retried_by_a_person(
    factory: PublishingFactory, worker: Worker
) -> None:
    channel = factory.channel(platform_options={"fail_every_nth": 1, "fail_kind": "permanent"})
    post = factory.post(channel, send_at=AT)
    worker.run_at(AT)
    assert post.state is PostState.FAILED
    channel.platform_options = {}
    factory.session.flush()

    later = AT + timedelta(hours=1)
    retry(factory.session, post, by=factory.admin, settings=worker.settings, now=later)
    assert post.state is PostState.SCHEDULED
    assert post.attempts == 0
    worker.run_at(later)
    assert post.state is PostState.PUBLISHED
    assert worker.actions(post)[-3:] == ["retry", "claim", "mark_published"]


def test_a_platforms_retry_after_is_respected(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    # Two workers, each pacing itself, together exceed the platform's own limit of 1 a minute.
    first, second = make_worker("worker-a"), make_worker("worker-b")
    channel = factory.channel(platform_options={"rate_limit_per_minute": 1})
    one = factory.post(channel, send_at=AT)
    first.run_at(AT)
    two = factory.post(channel, send_at=AT + timedelta(seconds=20))
    second.run_at(AT + timedelta(seconds=20))
    assert one.state is PostState.PUBLISHED
    assert two.state is PostState.SCHEDULED
    assert two.last_error is not None
    assert two.last_error.startswith("Mock platform rate limit: 1 posts a minute")
    assert two.due_at is not None
    assert two.due_at >= AT + timedelta(seconds=60)
    for _ in range(3):  # the retry, then perhaps a wait for the worker's own pacing
        if two.state is PostState.SCHEDULED and two.due_at is not None:
            second.run_at(two.due_at)
    assert two.state is PostState.PUBLISHED
    assert two.published_at is not None
    assert two.published_at >= AT + timedelta(seconds=60)
    assert len(second.published_keys()) == 2


def test_an_accepted_post_whose_answer_was_lost_is_found_not_sent_again(
    factory: PublishingFactory, worker: Worker
) -> None:
    channel = factory.channel(platform_options={"fail_every_nth": 1, "fail_kind": "unknown"})
    post = factory.post(channel, send_at=AT)
    worker.run_at(AT)
    assert post.state is PostState.PUBLISHED
    assert worker.published_keys() == [post.idempotency_key]
    assert [e["event"] for e in worker.ledger()] == ["published"]


class NoLookupMock(MockPlatform):
    """A platform that cannot find posts by key."""

    supports_lookup = False


def test_an_unknown_outcome_without_lookup_waits_for_a_person(
    factory: PublishingFactory, worker: Worker
) -> None:
    worker.runtime.platforms.install(
        "mock", NoLookupMock(worker.settings.with_overrides(), worker.clock)
    )
    channel = factory.channel(platform_options={"fail_every_nth": 1, "fail_kind": "unknown"})
    post = factory.post(channel, send_at=AT)
    worker.run_at(AT)
    assert post.state is PostState.UNKNOWN
    assert post.last_error is not None
    assert post.last_error.startswith("Mock platform accepted the post, then the connection")
    assert post.hold_reason is not None
    assert "check the channel" in post.hold_reason
    worker.run_at(AT + timedelta(minutes=5))
    assert len(worker.published_keys()) == 1  # never re-sent blindly


@pytest.mark.parametrize("attempts", [1, 5])
def test_the_number_of_tries_is_configurable(
    factory: PublishingFactory, make_worker: Callable[..., Worker], attempts: int
) -> None:
    worker = make_worker(retry={"max_attempts": attempts, "base_delay_seconds": 0})
    post = factory.post(factory.channel(platform_options={"fail_every_nth": 1}), send_at=AT)
    worker.run_at(AT)
    # With no delay, the pass retries at once until it gives up.
    assert post.state is PostState.FAILED
    assert post.attempts == attempts
