"""Leases: claims never overlap, a dead worker's posts are resolved by asking the platform."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.models import Post, PostState
from scheduler.platforms import Account, PublishRequest
from scheduler.publishing.claim.intake import take_batch
from scheduler.publishing.record.complete import record_outcomes
from scheduler.publishing.record.crash_recovery import recover_expired
from scheduler.publishing.send.outcomes import Outcome, OutcomeKind
from scheduler.publishing.send.plan import Job
from scheduler.publishing.worker.heartbeat import keep_leases, renew_leases
from tests.scheduler.publishing.conftest import Worker
from tests.scheduler.publishing.test_retries import NoLookupMock
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def die_mid_pass(worker: Worker, posts: list[Post], *, sent: list[Post]) -> None:
    """Claim the posts, send some of them, then stop without recording anything."""
    worker.clock.set(AT)
    intake = take_batch(worker.runtime, limit=len(posts))
    assert intake.claimed == len(posts)
    platform = worker.runtime.platforms.get("mock")
    for post in sent:
        platform.publish(
            PublishRequest(
                account=Account(post.channel.handle),
                text=post.text,
                idempotency_key=post.idempotency_key,
            )
        )
    platform.sync()
    worker.session.expire_all()


def test_a_dead_workers_posts_are_found_or_sent_again_exactly_once(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    dead, alive = make_worker("dead"), make_worker("alive")
    channel = factory.channel()
    sent, unsent = factory.post(channel, send_at=AT), factory.post(channel, send_at=AT)
    die_mid_pass(dead, [sent, unsent], sent=[sent])
    assert sent.state is unsent.state is PostState.PUBLISHING
    assert sent.lease_owner == "dead"

    # While the lease runs, nobody touches the posts.
    alive.run_at(AT + timedelta(minutes=1))
    assert sent.state is unsent.state is PostState.PUBLISHING

    alive.run_at(AT + timedelta(minutes=2, seconds=1))
    assert sent.state is PostState.PUBLISHED
    assert unsent.state is PostState.PUBLISHED
    assert sorted(alive.published_keys()) == sorted([sent.idempotency_key, unsent.idempotency_key])
    assert [e["event"] for e in alive.ledger()] == ["published", "published"]
    assert alive.actions(sent) == ["claim", "mark_published"]
    assert alive.actions(unsent) == ["claim", "mark_retry", "claim", "mark_published"]


def test_a_post_recovered_after_its_grace_is_missed_not_sent_late(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    dead, alive = make_worker("dead"), make_worker("alive")
    post = factory.post(factory.channel(), send_at=AT)
    die_mid_pass(dead, [post], sent=[])
    alive.run_at(AT + timedelta(minutes=20))
    assert post.state is PostState.MISSED
    assert alive.published_keys() == []


def test_a_dead_workers_post_on_a_platform_without_lookup_is_left_for_a_person(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    dead, alive = make_worker("dead"), make_worker("alive")
    alive.runtime.platforms.install("mock", NoLookupMock(alive.settings, alive.clock))
    post = factory.post(factory.channel(), send_at=AT)
    die_mid_pass(dead, [post], sent=[])
    alive.run_at(AT + timedelta(minutes=3))
    assert post.state is PostState.UNKNOWN
    assert post.last_error is not None
    assert post.last_error.startswith("Worker dead stopped while publishing it")
    assert alive.published_keys() == []


LATE = AT + timedelta(minutes=4)


def record_late(factory: PublishingFactory, job: Job, kind: OutcomeKind) -> Counter[OutcomeKind]:
    """Record, as the stalled worker and four minutes late, what its own call of the post gave."""
    outcome = Outcome(
        job,
        kind,
        LATE,
        error="late" if kind is OutcomeKind.FAILED else None,
        external_id="stale-1" if kind is OutcomeKind.PUBLISHED else None,
        published_at=LATE if kind is OutcomeKind.PUBLISHED else None,
        attempted=True,
    )
    counts = record_outcomes(
        factory.session, [outcome], owner="stalled", actor_label="worker:stalled", now=LATE
    )
    factory.session.expire_all()
    return counts


@pytest.mark.parametrize("kind", [OutcomeKind.FAILED, OutcomeKind.PUBLISHED])
def test_a_worker_that_lost_its_lease_cannot_overwrite_the_result(
    factory: PublishingFactory, make_worker: Callable[..., Worker], kind: OutcomeKind
) -> None:
    stalled, rescuer = make_worker("stalled"), make_worker("rescuer")
    post = factory.post(factory.channel(), send_at=AT)
    stalled.clock.set(AT)
    intake = take_batch(stalled.runtime, limit=10)
    job = intake.units[0].jobs[0]

    rescuer.run_at(AT + timedelta(minutes=3))
    assert post.state is PostState.PUBLISHED
    events_before = rescuer.actions(post)

    published_at, external_id = post.published_at, post.external_id
    # The stalled worker wakes up and tries to record what its own call gave.
    assert record_late(factory, job, kind) == {}
    assert post.state is PostState.PUBLISHED
    assert post.last_error is None
    assert (post.published_at, post.external_id) == (published_at, external_id)
    assert rescuer.actions(post) == events_before


def test_a_post_whose_lease_another_worker_holds_is_not_recorded_by_the_first(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    stalled = make_worker("stalled")
    post = factory.post(factory.channel(), send_at=AT)
    stalled.clock.set(AT)
    (unit,) = take_batch(stalled.runtime, limit=10).units
    # Another worker's reaper has taken the lease over and is still resolving the post.
    factory.session.expire_all()
    post.lease_owner = "rescuer"
    factory.session.commit()
    events_before = stalled.actions(post)

    assert record_late(factory, unit.jobs[0], OutcomeKind.PUBLISHED) == {}
    assert (post.state, post.lease_owner, post.external_id) == (
        PostState.PUBLISHING,
        "rescuer",
        None,
    )
    assert stalled.actions(post) == events_before


def test_renewed_leases_are_not_taken_over(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    busy, other = make_worker("busy"), make_worker("other")
    post = factory.post(factory.channel(), send_at=AT)
    busy.clock.set(AT)
    take_batch(busy.runtime, limit=10)
    renewed = renew_leases(
        factory.session,
        "busy",
        busy.runtime.in_flight.ids(),
        now=AT + timedelta(minutes=1),
        lease=timedelta(minutes=2),
    )
    assert renewed == 1
    other.clock.set(AT + timedelta(minutes=2, seconds=30))
    assert recover_expired(other.runtime) == {}
    factory.session.expire_all()
    assert post.state is PostState.PUBLISHING
    assert post.lease_owner == "busy"


def test_two_workers_claim_disjoint_batches(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    first, second = make_worker("first"), make_worker("second")
    posts = [factory.post(factory.channel(), send_at=AT) for _ in range(10)]
    first.clock.set(AT)
    second.clock.set(AT)
    a = take_batch(first.runtime, limit=4)
    b = take_batch(second.runtime, limit=4)
    c = take_batch(first.runtime, limit=4)
    ids = [job.post.id for intake in (a, b, c) for unit in intake.units for job in unit.jobs]
    assert sorted(ids) == sorted(post.id for post in posts)
    assert len(set(ids)) == len(ids)
    assert take_batch(second.runtime, limit=4).claimed == 0


def test_posts_a_worker_claimed_and_lost_track_of_are_resolved_by_its_own_reaper(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    worker = make_worker("forgetful")
    channel = factory.channel()
    sending, lost = factory.post(channel, send_at=AT), factory.post(factory.channel(), send_at=AT)
    worker.clock.set(AT)
    take_batch(worker.runtime, limit=10)
    # The claim of `lost` committed, but the worker never heard back (its connection died).
    worker.runtime.in_flight.discard([lost.id])

    # Its heartbeat keeps the lease of the post it is sending, and only that one.
    assert keep_leases_at(worker, AT + timedelta(minutes=1)) == 1
    worker.clock.set(AT + timedelta(minutes=2, seconds=30))
    recovered = recover_expired(worker.runtime)

    factory.session.expire_all()
    assert recovered == {OutcomeKind.REQUEUED: 1}
    assert lost.state is PostState.SCHEDULED
    assert sending.state is PostState.PUBLISHING
    assert worker.actions(lost) == ["claim", "mark_retry"]
    worker.run_at(AT + timedelta(minutes=2, seconds=31))
    assert lost.state is PostState.PUBLISHED
    assert worker.published_keys() == [lost.idempotency_key]


def keep_leases_at(worker: Worker, instant: datetime) -> int:
    """Run the worker's heartbeat lease renewal as if it were `instant`."""
    worker.clock.set(instant)
    return keep_leases(worker.runtime)
