"""Before approving, an approver hears when the publishing window will hold the post."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.quiet_periods import add_quiet_period
from scheduler.clearance.approval_warning import held_after_approval
from scheduler.clearance.review import approve
from scheduler.models import Post, PostState, Role
from scheduler.publishing.overrides import grant_override
from tests.support.factories import Factory


def _in_review(factory: Factory, send_at: datetime | None) -> Post:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel), send_at=send_at)
    factory.move(post, PostState.IN_REVIEW)
    return post


def test_a_send_time_after_office_hours_warns_until_the_next_morning(
    session: Session, settings: Settings, factory: Factory
) -> None:
    # NOW is Wednesday 10 March 2027, 10:00 GMT.
    post = _in_review(factory, datetime(2027, 3, 10, 18, 0, tzinfo=UTC))

    assert held_after_approval(session, post, settings=settings, now=factory.now) == (
        "If you approve it, it will be held until Thu 11 Mar 2027 09:00 GMT, not sent at its "
        "send time, Wed 10 Mar 2027 18:00 GMT: After office hours (Mon-Fri 09:00-17:00)"
    )


def test_a_weekend_send_time_warns_until_monday(
    session: Session, settings: Settings, factory: Factory
) -> None:
    post = _in_review(factory, datetime(2027, 3, 13, 11, 0, tzinfo=UTC))

    warning = held_after_approval(session, post, settings=settings, now=factory.now)
    assert warning is not None
    assert "held until Mon 15 Mar 2027 09:00 GMT" in warning
    assert "Saturday is not a publishing day" in warning


def test_a_bank_holiday_and_a_quiet_period_warn(
    session: Session, settings: Settings, factory: Factory
) -> None:
    # Good Friday 2027 is 26 March.
    holiday = _in_review(factory, datetime(2027, 3, 26, 10, 0, tzinfo=UTC))
    warning = held_after_approval(session, holiday, settings=settings, now=factory.now)
    assert warning is not None
    assert "Bank holiday" in warning
    assert "Good Friday" in warning

    quiet = _in_review(factory, datetime(2027, 3, 11, 10, 0, tzinfo=UTC))
    add_quiet_period(
        session,
        name="By-election",
        starts_at=datetime(2027, 3, 11, 0, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 12, 12, 0, tzinfo=UTC),
        by=factory.user(Role.ADMIN),
        now=factory.now,
    )
    warning = held_after_approval(session, quiet, settings=settings, now=factory.now)
    assert warning is not None
    assert "held until Fri 12 Mar 2027 12:00 GMT" in warning
    assert "Quiet period “By-election”" in warning


def test_no_warning_inside_the_window_without_a_send_time_or_with_an_override(
    session: Session, settings: Settings, factory: Factory
) -> None:
    inside = _in_review(factory, datetime(2027, 3, 11, 10, 0, tzinfo=UTC))
    assert held_after_approval(session, inside, settings=settings, now=factory.now) is None
    untimed = _in_review(factory, None)
    assert held_after_approval(session, untimed, settings=settings, now=factory.now) is None

    evening = _in_review(factory, datetime(2027, 3, 10, 18, 0, tzinfo=UTC))
    grant_override(
        session,
        evening,
        by=factory.user(Role.ADMIN),
        reason="Minister's statement",
        now=factory.now,
    )
    assert held_after_approval(session, evening, settings=settings, now=factory.now) is None


def test_no_warning_once_the_send_time_has_passed(
    session: Session, settings: Settings, factory: Factory
) -> None:
    # Approval then leaves the post approved, asking for a new time (its own message says so).
    post = _in_review(factory, datetime(2027, 3, 10, 18, 0, tzinfo=UTC))
    later = datetime(2027, 3, 10, 19, 0, tzinfo=UTC)

    assert held_after_approval(session, post, settings=settings, now=later) is None


def test_the_approval_itself_says_the_post_will_be_held(
    session: Session, settings: Settings, factory: Factory
) -> None:
    evening = _in_review(factory, datetime(2027, 3, 10, 18, 0, tzinfo=UTC))
    inside = _in_review(factory, datetime(2027, 3, 11, 10, 0, tzinfo=UTC))

    held = approve(
        session, evening, by=factory.approver(evening.channel), settings=settings, now=factory.now
    )
    sent = approve(
        session, inside, by=factory.approver(inside.channel), settings=settings, now=factory.now
    )

    assert evening.state is PostState.SCHEDULED
    assert held.message == (
        "Approved and scheduled for Wed 10 Mar 2027 18:00 GMT, but it will be held until "
        "Thu 11 Mar 2027 09:00 GMT, not sent at its send time, Wed 10 Mar 2027 18:00 GMT: "
        "After office hours (Mon-Fri 09:00-17:00)."
    )
    assert sent.message == "Approved and scheduled for Thu 11 Mar 2027 10:00 GMT."
