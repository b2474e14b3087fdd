"""Twins go out in the same pass, one straight after the other; threads go in order, replying."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from scheduler.clearance import retry
from scheduler.models import Post, PostState
from scheduler.platforms.mock import MockPlatform
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def mock(worker: Worker) -> MockPlatform:
    platform = worker.runtime.platforms.get("mock")
    assert isinstance(platform, MockPlatform)
    return platform


def test_twins_go_in_the_same_pass_one_straight_after_the_other(
    factory: PublishingFactory, worker: Worker
) -> None:
    english, welsh = factory.twin_channels()
    first, second = factory.twins(english, welsh, send_at=AT)
    report = worker.run_at(AT)
    assert report.published == 2
    assert worker.published_keys() == [first.idempotency_key, second.idempotency_key]
    assert first.state is second.state is PostState.PUBLISHED
    assert first.twin_gap_ms is not None
    assert first.twin_gap_ms == second.twin_gap_ms
    assert 0 <= first.twin_gap_ms < 1000


def test_the_welsh_twin_is_claimed_with_the_english_one_even_in_tiny_batches(
    factory: PublishingFactory, make_worker: object
) -> None:
    worker = make_worker(worker={"batch_size": 1})  # type: ignore[operator]
    english, welsh = factory.twin_channels()
    pairs = [factory.twins(english, welsh, send_at=AT) for _ in range(3)]
    worker.run_at(AT)
    keys = worker.published_keys()
    for first, second in pairs:
        assert keys.index(second.idempotency_key) == keys.index(first.idempotency_key) + 1
        assert first.twin_gap_ms is not None


def test_if_the_first_twin_is_refused_both_hold(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    english.platform_options = {"fail_matching": "Unemployment", "fail_kind": "permanent"}
    session.flush()
    first, second = factory.twins(english, welsh, send_at=AT)
    worker.run_at(AT)
    assert first.state is PostState.FAILED
    assert first.last_error == "Mock platform refused the post: the text matches 'Unemployment'"
    assert second.state is PostState.SCHEDULED
    assert second.hold_reason == (
        f"Held with its twin #{first.id}, which did not go out: "
        "Mock platform refused the post: the text matches 'Unemployment'"
    )
    assert second.due_at is None
    assert worker.published_keys() == []

    # A person fixes the channel and retries: both go, together.
    english.platform_options = {}
    session.flush()
    retry(session, first, by=factory.admin, settings=worker.settings, now=AT + timedelta(minutes=5))
    worker.run_at(AT + timedelta(minutes=5))
    assert first.state is second.state is PostState.PUBLISHED
    assert worker.published_keys() == [first.idempotency_key, second.idempotency_key]


def test_a_transient_failure_of_the_first_twin_holds_both_until_its_retry(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    english.platform_options = {"fail_matching": "Unemployment"}
    session.flush()
    first, second = factory.twins(english, welsh, send_at=AT)
    worker.run_at(AT)
    assert first.state is PostState.SCHEDULED
    assert first.due_at is not None
    assert second.due_at == first.due_at
    english.platform_options = {}
    session.flush()
    worker.run_at(first.due_at)
    assert first.state is second.state is PostState.PUBLISHED


def test_if_the_second_twin_fails_after_the_first_went_out_it_is_retried_at_once_and_people_told(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    welsh.platform_options = {"fail_matching": "Diweithdra"}
    session.flush()
    first, second = factory.twins(english, welsh, send_at=AT)
    worker.run_at(AT)

    assert first.state is PostState.PUBLISHED
    # Tried straight away, then twice more at once, before falling back to the retry schedule.
    assert mock(worker).calls(welsh.handle) == 3
    assert second.state is PostState.SCHEDULED
    assert second.hold_reason is not None
    assert second.hold_reason.startswith("The platform failed (try 1 of 3)")
    assert worker.actions(second) == [
        "claim",
        "mark_retry",
        "alert_twin_left_behind",
    ]

    welsh.platform_options = {}
    session.flush()
    assert second.due_at is not None
    worker.run_at(second.due_at)
    assert second.state is PostState.PUBLISHED
    gap = (second.published_at - first.published_at).total_seconds() * 1000  # type: ignore[operator]
    assert second.twin_gap_ms == first.twin_gap_ms == gap


def test_a_twin_not_yet_cleared_holds_its_pair(factory: PublishingFactory, worker: Worker) -> None:
    english, welsh = factory.twin_channels()
    first, second = factory.twins(english, welsh, send_at=AT, welsh_state=PostState.IN_REVIEW)
    worker.run_at(AT)
    assert first.state is PostState.SCHEDULED
    assert first.hold_reason == (
        f"Its twin #{second.id} on {welsh.handle} is in review; twins go out together"
    )
    assert worker.published_keys() == []


def test_a_twin_lacking_approval_holds_both(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    first, second = factory.twins(english, welsh, send_at=AT)
    for approval in list(second.approvals):
        session.delete(approval)
    session.flush()
    worker.run_at(AT)
    assert second.hold_reason is not None
    assert second.hold_reason.startswith("Not cleared")
    assert (
        first.hold_reason == f"Held with its twin #{second.id}, which is held: {second.hold_reason}"
    )
    assert worker.published_keys() == []


def test_a_channel_that_requires_twins_holds_a_post_without_one(
    factory: PublishingFactory, worker: Worker
) -> None:
    english, _welsh = factory.twin_channels(requires_twin=True)
    post = factory.post(english, send_at=AT)
    worker.run_at(AT)
    assert post.hold_reason == (
        f"{english.handle} needs every post to have a twin in the other language; add one"
    )


def test_twins_due_at_different_times_wait_for_the_later(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    first, second = factory.twins(english, welsh, send_at=AT)
    second.send_at = second.due_at = AT + timedelta(minutes=15)
    session.flush()
    worker.run_at(AT)
    assert first.state is second.state is PostState.SCHEDULED
    assert first.due_at == second.due_at == AT + timedelta(minutes=15)
    worker.run_at(AT + timedelta(minutes=15))
    assert first.state is second.state is PostState.PUBLISHED


def test_a_thread_goes_in_order_each_replying_to_the_one_before(
    factory: PublishingFactory, worker: Worker
) -> None:
    posts = factory.thread(factory.channel(), 4, send_at=AT)
    worker.run_at(AT)
    published = [e for e in worker.ledger() if e["event"] == "published"]
    assert [e["idempotency_key"] for e in published] == [p.idempotency_key for p in posts]
    assert published[0]["reply_to"] is None
    for earlier, later in itertools.pairwise(published):
        assert later["reply_to"] == earlier["external_id"]
    assert [p.external_id for p in posts] == [e["external_id"] for e in published]


def test_twinned_threads_interleave_their_languages(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    english_thread = factory.thread(english, 3, send_at=AT)
    welsh_thread = factory.thread(welsh, 3, send_at=AT)
    for en_post, cy_post in zip(english_thread, welsh_thread, strict=True):
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    session.flush()
    worker.run_at(AT)
    order = [*english_thread, *welsh_thread]
    by_key = {post.idempotency_key: post for post in order}
    sent = [by_key[key] for key in worker.published_keys()]
    assert sent == [english_thread[0], welsh_thread[0], english_thread[1], welsh_thread[1],
                    english_thread[2], welsh_thread[2]]  # fmt: skip
    assert welsh_thread[2].external_id is not None
    replies = {e["external_id"]: e["reply_to"] for e in worker.ledger()}
    assert replies[welsh_thread[2].external_id] == welsh_thread[1].external_id
    assert replies[english_thread[1].external_id] == english_thread[0].external_id


def test_a_failed_thread_post_holds_the_rest_until_it_goes(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    channel = factory.channel(
        platform_options={"fail_matching": "post 2 of", "fail_kind": "permanent"}
    )
    first, second, third = factory.thread(channel, 3, send_at=AT)
    worker.run_at(AT)
    assert first.state is PostState.PUBLISHED
    assert second.state is PostState.FAILED
    assert third.state is PostState.SCHEDULED
    assert third.hold_reason == (
        f"Waits for the post before it in its thread (#{second.id}), which did not go out: "
        "Mock platform refused the post: the text matches 'post 2 of'"
    )
    assert third.due_at is None

    # Nothing happens on later passes while it waits.
    worker.run_at(AT + timedelta(minutes=1))
    assert third.state is PostState.SCHEDULED
    assert worker.published_keys() == [first.idempotency_key]

    channel.platform_options = {}
    session.flush()
    retry(
        session, second, by=factory.admin, settings=worker.settings, now=AT + timedelta(minutes=2)
    )
    worker.run_at(AT + timedelta(minutes=2))
    assert second.state is third.state is PostState.PUBLISHED
    replies = {e["external_id"]: e["reply_to"] for e in worker.ledger()}
    assert replies[third.external_id] == second.external_id  # type: ignore[index]
    assert replies[second.external_id] == first.external_id  # type: ignore[index]


def test_a_thread_post_waiting_on_a_retry_goes_after_it(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    channel = factory.channel(platform_options={"fail_matching": "post 1 of"})
    first, second = factory.thread(channel, 2, send_at=AT)
    worker.run_at(AT)
    assert first.state is PostState.SCHEDULED
    assert second.state is PostState.SCHEDULED
    assert second.due_at == first.due_at
    channel.platform_options = {}
    session.flush()
    assert first.due_at is not None
    worker.run_at(first.due_at)
    assert [p.state for p in (first, second)] == [PostState.PUBLISHED, PostState.PUBLISHED]
    assert worker.published_keys() == [first.idempotency_key, second.idempotency_key]


def test_a_thread_continues_across_passes_replying_to_the_published_post(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    channel = factory.channel()
    first, second = factory.thread(channel, 2, send_at=AT)
    second.send_at = second.due_at = AT + timedelta(minutes=5)
    session.flush()
    worker.run_at(AT)
    assert first.state is PostState.PUBLISHED
    assert second.state is PostState.SCHEDULED
    worker.run_at(AT + timedelta(minutes=5))
    assert second.state is PostState.PUBLISHED
    replies = {e["external_id"]: e["reply_to"] for e in worker.ledger()}
    assert replies[second.external_id] == first.external_id  # type: ignore[index]


def test_a_withdrawn_post_in_a_thread_is_skipped(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    first, second, third = factory.thread(factory.channel(), 3, send_at=AT)
    second.state = PostState.WITHDRAWN
    second.due_at = None
    session.flush()
    worker.run_at(AT)
    assert first.state is third.state is PostState.PUBLISHED
    replies = {e["external_id"]: e["reply_to"] for e in worker.ledger()}
    assert replies[third.external_id] == first.external_id  # type: ignore[index]


def test_posts_are_held_visibly_not_silently(factory: PublishingFactory, worker: Worker) -> None:
    # Every post the worker did not send carries a reason people can read.
    english, welsh = factory.twin_channels()
    factory.twins(english, welsh, send_at=AT, welsh_state=PostState.DRAFT)
    factory.post(factory.channel(), send_at=AT - timedelta(hours=2))
    worker.run_at(AT)
    held = factory.session.query(Post).filter(Post.state == PostState.SCHEDULED).all()
    assert held
    assert all(post.hold_reason for post in held)


def test_twins_linked_in_one_direction_only_still_go_together(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    first, second = factory.twins(english, welsh, send_at=AT)
    first.twin_id = None  # only the Welsh post names its twin
    session.flush()
    worker.run_at(AT)
    assert worker.published_keys() == [first.idempotency_key, second.idempotency_key]
    assert first.twin_gap_ms is not None
    assert first.twin_gap_ms == second.twin_gap_ms
