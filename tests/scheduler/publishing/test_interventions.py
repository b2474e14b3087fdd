"""People stepping in: overrides, quiet periods, publishing a missed post now, retry, confirm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.quiet_periods import (
    add_quiet_period,
    cancel_quiet_period,
    get_quiet_period,
    list_quiet_periods,
)
from scheduler.clearance import publish_now, resolve_unknown, retry
from scheduler.core.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from scheduler.models import AccessRole, AuditEvent, ChannelAccess, PostState, Role
from scheduler.publishing.overrides import grant_override
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)  # a Saturday


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- overrides -----------------------------------------------------------------------------------


def test_only_admins_grant_overrides_and_they_must_say_why(
    factory: PublishingFactory, session: Session
) -> None:
    post = factory.post(factory.channel(), send_at=AT)
    with pytest.raises(PermissionDenied, match="Only an admin can grant an override"):
        grant_override(session, post, by=factory.approver, reason="Urgent")
    with pytest.raises(ValidationFailed, match="Give the reason"):
        grant_override(session, post, by=factory.admin, reason="   ")


def test_an_override_is_audited_and_lets_a_held_post_go_now(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    post = factory.post(factory.channel(), send_at=AT)
    worker.run_at(AT)
    assert post.due_at == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # Monday morning

    later = AT + timedelta(minutes=10)
    override = grant_override(
        session, post, by=factory.admin, reason="Severe weather warning", now=later
    )
    assert override.content_version == post.content_version
    assert post.due_at == later  # looked at again straight away
    (event,) = events(session, "override_granted")
    assert event.comment == "Severe weather warning"
    assert event.actor_id == factory.admin.id

    worker.run_at(later)
    assert post.state is PostState.PUBLISHED, post.last_error


def test_no_override_for_a_post_already_published(
    factory: PublishingFactory, session: Session
) -> None:
    post = factory.post(factory.channel(), send_at=AT)
    post.state = PostState.PUBLISHED
    post.published_at = AT
    session.flush()
    with pytest.raises(InvalidTransition, match="is published; an override is only for"):
        grant_override(session, post, by=factory.admin, reason="Oops")


# -- quiet periods -------------------------------------------------------------------------------


def test_admins_add_list_and_cancel_quiet_periods(
    factory: PublishingFactory, session: Session
) -> None:
    with pytest.raises(PermissionDenied, match="Only an admin can add a quiet period"):
        add_quiet_period(
            session,
            by=factory.approver,
            name="Purdah",
            starts_at=AT,
            ends_at=AT + timedelta(days=1),
            now=AT,
        )
    with pytest.raises(ValidationFailed, match="must end after it starts"):
        add_quiet_period(session, by=factory.admin, name="Purdah", starts_at=AT, ends_at=AT, now=AT)
    with pytest.raises(ValidationFailed, match="already over"):
        add_quiet_period(
            session,
            by=factory.admin,
            name="Purdah",
            starts_at=AT - timedelta(days=2),
            ends_at=AT - timedelta(days=1),
            now=AT,
        )
    period = add_quiet_period(
        session,
        by=factory.admin,
        name="Pre-election period",
        starts_at=AT,
        ends_at=AT + timedelta(days=30),
        reason="Local elections",
        now=AT,
    )
    assert [p.id for p in list_quiet_periods(session, now=AT)] == [period.id]
    assert get_quiet_period(session, period.id) is period
    assert events(session, "quiet_period_added")[0].details["name"] == "Pre-election period"

    cancel_quiet_period(session, period, by=factory.admin, now=AT + timedelta(days=1))
    assert period.cancelled_at == AT + timedelta(days=1)
    with pytest.raises(Conflict, match="already cancelled"):
        cancel_quiet_period(session, period, by=factory.admin)


def test_cancelling_a_quiet_period_releases_what_it_held(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    thursday = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    period = add_quiet_period(
        session,
        by=factory.admin,
        name="By-election",
        starts_at=thursday - timedelta(hours=1),
        ends_at=thursday + timedelta(days=1),
        now=thursday - timedelta(days=1),
    )
    post = factory.post(factory.channel(), send_at=thursday)
    worker.run_at(thursday)
    assert post.hold_reason is not None
    assert post.hold_reason.startswith("Quiet period “By-election”")

    released = cancel_quiet_period(
        session, period, by=factory.admin, now=thursday + timedelta(minutes=30)
    )
    assert released == 1
    worker.run_at(thursday + timedelta(minutes=30))
    assert post.state is PostState.PUBLISHED  # within grace: it counts from the release


# -- publish a missed post now (clearance's publish_now, retry and resolve_unknown) ----------------


def test_a_missed_post_published_now_goes_with_fresh_grace(
    factory: PublishingFactory, worker: Worker, session: Session, settings: Settings
) -> None:
    thursday = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    english, welsh = factory.twin_channels()
    first, second = factory.twins(english, welsh, send_at=thursday)
    worker.run_at(thursday + timedelta(hours=1))
    assert first.state is second.state is PostState.MISSED

    with pytest.raises(PermissionDenied):
        publish_now(session, first, by=factory.author, settings=settings)
    later = thursday + timedelta(hours=2)
    result = publish_now(session, first, by=factory.admin, settings=settings, now=later)
    assert {post.id for post in result.changed} == {first.id, second.id}  # its twin goes too
    assert first.first_allowed_at is None  # the grace period starts afresh
    worker.run_at(later + timedelta(minutes=1))
    assert first.state is second.state is PostState.PUBLISHED
    assert [e.to_state for e in events(session, "publish_now")] == ["scheduled", "scheduled"]

    with pytest.raises(InvalidTransition):
        publish_now(session, first, by=factory.admin, settings=settings)


def test_an_approver_of_the_channel_may_publish_a_missed_post(
    factory: PublishingFactory, worker: Worker, session: Session, settings: Settings
) -> None:
    channel = factory.channel()
    post = factory.post(channel, send_at=datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    worker.run_at(datetime(2026, 3, 12, 11, 0, tzinfo=UTC))
    officer = factory.user(Role.APPROVER)
    with pytest.raises(PermissionDenied):
        publish_now(session, post, by=officer, settings=settings)
    session.add(ChannelAccess(channel_id=channel.id, user_id=officer.id, role=AccessRole.APPROVER))
    session.flush()
    publish_now(session, post, by=officer, settings=settings)
    assert post.state is PostState.SCHEDULED


def test_publish_now_on_a_missed_thread_sends_the_whole_thread(
    factory: PublishingFactory, worker: Worker, session: Session, settings: Settings
) -> None:
    thursday = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    posts = factory.thread(factory.channel(), 3, send_at=thursday)
    worker.run_at(thursday + timedelta(hours=1))
    # The first is missed; the rest wait for it rather than going without it.
    assert [p.state for p in posts] == [PostState.MISSED, PostState.SCHEDULED, PostState.SCHEDULED]
    assert posts[1].hold_reason is not None
    assert posts[1].hold_reason == (
        f"Waits for the post before it in its thread (#{posts[0].id}), which was missed"
    )
    assert posts[2].hold_reason == (
        f"Waits for the post before it in its thread (#{posts[1].id}), which is held: "
        f"#{posts[0].id} was missed"
    )
    publish_now(
        session, posts[0], by=factory.admin, settings=settings, now=thursday + timedelta(hours=2)
    )
    worker.run_at(thursday + timedelta(hours=2))
    assert [p.state for p in posts] == [PostState.PUBLISHED] * 3
    assert worker.published_keys() == [p.idempotency_key for p in posts]


# -- retry and unknown ---------------------------------------------------------------------------


def test_retry_is_only_for_failed_posts(
    factory: PublishingFactory, session: Session, settings: Settings
) -> None:
    post = factory.post(factory.channel(), send_at=AT)
    with pytest.raises(InvalidTransition):
        retry(session, post, by=factory.admin, settings=settings)
    post.state = PostState.FAILED
    session.flush()
    retry(session, post, by=factory.admin, settings=settings, now=AT)
    assert post.state is PostState.SCHEDULED


def test_confirming_an_unknown_post_records_its_platform_id(
    factory: PublishingFactory, session: Session, settings: Settings
) -> None:
    first, second = factory.thread(factory.channel(), 2, send_at=AT)
    first.state = PostState.UNKNOWN
    second.due_at = None
    second.hold_reason = "Waits for the post before it"
    session.flush()
    resolve_unknown(
        session, first, published=True, external_id="1234567890", published_at=AT,
        by=factory.admin, settings=settings, now=AT,
    )  # fmt: skip
    assert (first.state, first.external_id, first.published_at) == (
        PostState.PUBLISHED,
        "1234567890",
        AT,
    )
