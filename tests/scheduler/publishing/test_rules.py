"""The rules checked at the moment of publishing, alone and together, with a controlled clock.

Each test shows the hold reason people see, the instant the post may go, and the publish itself.
Thursday 12 March 2026 is in GMT (UTC+0); the clocks go forward on Sunday 29 March.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clearance import edit_post, submit
from scheduler.models import AccessRole, Approval, Post, PostState, QuietPeriod, User
from tests.scheduler.publishing.conftest import Worker
from tests.support.factories import Factory
from tests.support.publishing_factories import PublishingFactory

LONDON = ZoneInfo("Europe/London")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


# -- embargo and office hours ------------------------------------------------------------------


def test_embargo_holds_until_the_release_instant(
    factory: PublishingFactory, worker: Worker
) -> None:
    release = factory.release(utc("2026-03-12 09:30"))
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 09:00"), release=release)

    report = worker.run_at(utc("2026-03-12 09:00"))
    assert report.published == 0
    assert post.state is PostState.SCHEDULED
    assert post.hold_reason == (
        "Embargoed until Thu 12 Mar 2026 09:30 GMT (release “Labour market overview”); "
        "it may go at Thu 12 Mar 2026 09:30 GMT"
    )
    assert post.hold_until == post.due_at == utc("2026-03-12 09:30")

    worker.run_at(utc("2026-03-12 09:29:59"))
    assert worker.published_keys() == []
    worker.run_at(utc("2026-03-12 09:30"))
    assert post.state is PostState.PUBLISHED
    assert post.published_at == utc("2026-03-12 09:30")
    assert post.hold_reason is None
    assert worker.published_keys() == [post.idempotency_key]
    assert worker.actions(post) == ["mark_held", "claim", "mark_published"]


def test_before_office_hours_it_waits_for_nine(factory: PublishingFactory, worker: Worker) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 08:00"))
    worker.run_at(utc("2026-03-12 08:00"))
    assert post.hold_reason == (
        "Before office hours (Mon-Fri 09:00-17:00); it may go at Thu 12 Mar 2026 09:00 GMT"
    )
    worker.run_at(utc("2026-03-12 09:00"))
    assert post.state is PostState.PUBLISHED


def test_after_office_hours_it_waits_for_the_next_working_morning(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-03-13 17:00"))  # a Friday
    worker.run_at(utc("2026-03-13 17:00"))
    assert post.hold_reason == (
        "After office hours (Mon-Fri 09:00-17:00); it may go at Mon 16 Mar 2026 09:00 GMT"
    )
    worker.run_at(utc("2026-03-16 09:00"))
    assert post.state is PostState.PUBLISHED


def test_embargo_at_nine_thirty_with_office_hours_from_nine(
    factory: PublishingFactory, worker: Worker
) -> None:
    release = factory.release(utc("2026-03-12 09:30"))
    channel = factory.channel()
    early = factory.post(channel, send_at=utc("2026-03-12 08:45"), release=release)

    worker.run_at(utc("2026-03-12 08:45"))
    # Both block at 08:45; the embargo is the later one, so it is what people are told.
    assert early.hold_reason is not None
    assert early.hold_reason.startswith("Embargoed until Thu 12 Mar 2026 09:30 GMT")
    assert early.due_at == utc("2026-03-12 09:30")

    worker.run_at(utc("2026-03-12 09:00"))
    assert early.state is PostState.SCHEDULED
    worker.run_at(utc("2026-03-12 09:30"))
    assert early.state is PostState.PUBLISHED


def test_an_embargo_before_office_hours_waits_for_the_window(
    factory: PublishingFactory, worker: Worker
) -> None:
    release = factory.release(utc("2026-03-12 07:00"))
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 07:00"), release=release)
    worker.run_at(utc("2026-03-12 07:00"))
    assert post.hold_reason == (
        "Before office hours (Mon-Fri 09:00-17:00); it may go at Thu 12 Mar 2026 09:00 GMT"
    )
    worker.run_at(utc("2026-03-12 09:00"))
    assert post.state is PostState.PUBLISHED


def test_an_embargo_moved_later_after_scheduling_holds_again(
    factory: PublishingFactory, worker: Worker
) -> None:
    release = factory.release(utc("2026-03-12 09:30"))
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 09:30"), release=release)
    release.embargo_at = utc("2026-03-12 11:00")
    factory.session.flush()
    worker.run_at(utc("2026-03-12 09:30"))
    assert post.hold_reason is not None
    assert post.hold_reason.startswith("Embargoed until Thu 12 Mar 2026 11:00 GMT")
    worker.run_at(utc("2026-03-12 11:00"))
    assert post.state is PostState.PUBLISHED


# -- bank holidays -------------------------------------------------------------------------------


def test_good_friday_holds_until_after_easter_monday_in_england(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=london("2026-04-03 09:30"))
    worker.run_at(london("2026-04-03 09:30"))
    assert post.hold_reason == (
        "Bank holiday in England (Good Friday); it may go at Tue 7 Apr 2026 09:00 BST"
    )
    worker.run_at(london("2026-04-06 10:00"))
    assert post.state is PostState.SCHEDULED
    worker.run_at(london("2026-04-07 09:00"))
    assert post.state is PostState.PUBLISHED


@pytest.mark.parametrize(
    ("nation", "send_at", "held_reason", "goes_at"),
    [
        pytest.param(
            "WLS",
            london("2026-04-06 09:30"),
            "Bank holiday in Wales (Easter Monday); it may go at Tue 7 Apr 2026 09:00 BST",
            london("2026-04-07 09:00"),
            id="easter-monday-in-wales",
        ),
        pytest.param("SCT", london("2026-04-06 09:30"), None, None, id="easter-monday-in-scotland"),
        pytest.param(
            "SCT",
            utc("2026-11-30 09:30"),
            "Bank holiday in Scotland (Saint Andrew's Day); it may go at Tue 1 Dec 2026 09:00 GMT",
            utc("2026-12-01 09:00"),
            id="st-andrews-day-in-scotland",
        ),
        pytest.param("WLS", utc("2026-11-30 09:30"), None, None, id="st-andrews-day-in-wales"),
    ],
)
def test_a_nations_own_bank_holiday_holds_posts_only_there(
    factory: PublishingFactory,
    make_worker: Callable[..., Worker],
    nation: str,
    send_at: datetime,
    held_reason: str | None,
    goes_at: datetime | None,
) -> None:
    worker = make_worker(holidays={"country": "GB", "subdivision": nation})
    post = factory.post(factory.channel(), send_at=send_at)
    worker.run_at(send_at)
    if held_reason is None:
        assert post.state is PostState.PUBLISHED
    else:
        assert post.hold_reason == held_reason
        assert goes_at is not None
        worker.run_at(goes_at)
        assert post.state is PostState.PUBLISHED


# -- quiet periods ---------------------------------------------------------------------------------


def test_a_quiet_period_added_after_scheduling_holds_until_it_ends(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    channel, other = factory.channel(), factory.channel()
    post = factory.post(channel, send_at=utc("2026-03-12 10:00"))
    elsewhere = factory.post(other, send_at=utc("2026-03-12 10:00"))
    # Added after both were scheduled, for one channel only.
    session.add(
        QuietPeriod(
            name="By-election",
            starts_at=utc("2026-03-12 09:00"),
            ends_at=utc("2026-03-12 12:00"),
            channel_id=channel.id,
        )
    )
    session.flush()

    worker.run_at(utc("2026-03-12 10:00"))
    assert post.hold_reason == (
        "Quiet period “By-election” until Thu 12 Mar 2026 12:00 GMT; "
        "it may go at Thu 12 Mar 2026 12:00 GMT"
    )
    assert elsewhere.state is PostState.PUBLISHED
    worker.run_at(utc("2026-03-12 12:00"))
    assert post.state is PostState.PUBLISHED


def test_a_quiet_period_from_the_settings_file_holds_every_channel(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    worker = make_worker(
        quiet_periods=[
            {
                "name": "Pre-election period",
                "starts": "2026-03-12T00:00",
                "ends": "2026-03-13T00:00",
            }
        ]
    )
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.hold_reason == (
        "Quiet period “Pre-election period” until Fri 13 Mar 2026 00:00 GMT; "
        "it may go at Fri 13 Mar 2026 09:00 GMT"
    )
    worker.run_at(utc("2026-03-13 09:00"))
    assert post.state is PostState.PUBLISHED


def test_a_cancelled_quiet_period_no_longer_holds(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    session.add(
        QuietPeriod(
            name="Cancelled",
            starts_at=utc("2026-03-12 09:00"),
            ends_at=utc("2026-03-12 12:00"),
            cancelled_at=utc("2026-03-11 12:00"),
        )
    )
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.state is PostState.PUBLISHED


# -- overrides ---------------------------------------------------------------------------------


def test_an_override_publishes_outside_office_hours(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-03-14 10:00"))  # a Saturday
    factory.override(post)
    worker.run_at(utc("2026-03-14 10:00"))
    assert post.state is PostState.PUBLISHED


def test_an_override_never_lifts_an_embargo(factory: PublishingFactory, worker: Worker) -> None:
    release = factory.release(utc("2026-03-14 09:30"))
    post = factory.post(factory.channel(), send_at=utc("2026-03-14 09:00"), release=release)
    factory.override(post)
    worker.run_at(utc("2026-03-14 09:00"))
    assert post.hold_reason == (
        "Embargoed until Sat 14 Mar 2026 09:30 GMT (release “Labour market overview”); "
        "it may go at Sat 14 Mar 2026 09:30 GMT"
    )
    worker.run_at(utc("2026-03-14 09:30"))
    assert post.state is PostState.PUBLISHED


def test_an_override_for_an_older_text_does_not_count(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-03-14 10:00"))
    factory.override(post)
    post.content_version = 2
    session.add(Approval(post_id=post.id, approver_id=factory.approver.id, content_version=2))
    session.flush()
    worker.run_at(utc("2026-03-14 10:00"))
    assert post.state is PostState.SCHEDULED
    assert post.hold_reason is not None
    assert post.hold_reason.startswith("Saturday is not a publishing day")


def test_an_override_lets_a_post_through_a_quiet_period(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    session.add(
        QuietPeriod(
            name="Purdah", starts_at=utc("2026-03-12 00:00"), ends_at=utc("2026-03-20 00:00")
        )
    )
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    factory.override(post, reason="Public safety information")
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.state is PostState.PUBLISHED


# -- daylight saving time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_release", "instant"),
    [
        ("2026-03-29 09:30", utc("2026-03-29 08:30")),  # clocks went forward at 01:00
        ("2026-10-25 09:30", utc("2026-10-25 09:30")),  # clocks went back at 02:00
    ],
)
def test_a_release_at_nine_thirty_on_the_day_the_clocks_change_goes_at_nine_thirty_local(
    factory: PublishingFactory,
    make_worker: Callable[..., Worker],
    local_release: str,
    instant: datetime,
) -> None:
    worker = make_worker(
        office_hours={
            "start": "09:00",
            "end": "17:00",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        }
    )
    release = factory.release(london(local_release))
    post = factory.post(factory.channel(), send_at=london(local_release), release=release)
    assert post.send_at == instant

    worker.run_at(instant - timedelta(seconds=1))
    assert post.state is PostState.SCHEDULED
    worker.run_at(instant)
    assert post.state is PostState.PUBLISHED
    published = worker.ledger()[0]["published_at"]
    assert datetime.fromisoformat(published).astimezone(LONDON).strftime("%H:%M") == "09:30"


def test_a_hold_across_the_spring_change_reopens_at_nine_local(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-03-27 17:30"))  # Friday, GMT
    worker.run_at(utc("2026-03-27 17:30"))
    assert post.hold_until == utc("2026-03-30 08:00")  # Monday 09:00 BST
    assert post.hold_reason is not None
    assert post.hold_reason.endswith("it may go at Mon 30 Mar 2026 09:00 BST")
    worker.run_at(utc("2026-03-30 07:59"))
    assert post.state is PostState.SCHEDULED
    worker.run_at(utc("2026-03-30 08:00"))
    assert post.state is PostState.PUBLISHED


def test_a_hold_across_the_autumn_change_reopens_at_nine_local(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-10-23 16:30"))  # Friday 17:30 BST
    worker.run_at(utc("2026-10-23 16:30"))
    assert post.hold_until == utc("2026-10-26 09:00")  # Monday 09:00 GMT
    worker.run_at(utc("2026-10-26 09:00"))
    assert post.state is PostState.PUBLISHED


# -- clearance re-checked at publish time --------------------------------------------------------


def test_a_post_approved_only_by_its_author_is_held(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(
        factory.channel(), send_at=utc("2026-03-12 10:00"), approvers=[factory.author]
    )
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.state is PostState.SCHEDULED
    assert post.hold_reason == (
        "Not cleared: its current text has 0 of the 1 approval it needs "
        "(its author's own never counts)"
    )
    assert post.due_at is None
    assert worker.published_keys() == []


def test_a_channel_needing_two_approvals_holds_a_post_with_one(
    factory: PublishingFactory, worker: Worker, make_user: Callable[..., object]
) -> None:
    post = factory.post(factory.channel(approvals_required=2), send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.hold_reason is not None
    assert "1 of the 2 approvals" in post.hold_reason


def test_approvals_of_an_older_text_do_not_count(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    post.content_version = 2
    session.flush()
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.state is PostState.SCHEDULED
    assert worker.published_keys() == []


def test_voided_approvals_do_not_count(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    # As clearance counts them: an approval voided (changes requested) no longer clears the
    # post, even for the same text.
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    for approval in session.scalars(select(Approval).where(Approval.post_id == post.id)):
        approval.voided_at = utc("2026-03-11 16:00")
        approval.void_reason = "changes requested"
    session.flush()
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.state is PostState.SCHEDULED
    assert post.hold_reason is not None
    assert "0 of the 1 approval" in post.hold_reason
    assert worker.published_keys() == []


def _drifted_approval(session: Session, post: Post, by: User, due: datetime) -> None:
    """Record an approval and schedule the post as clearance did before editors counted."""
    post.approvals.append(Approval(approver_id=by.id, content_version=post.content_version))
    post.state = PostState.SCHEDULED
    post.due_at = due
    session.flush()


def test_a_post_approved_only_by_someone_who_rewrote_it_is_held(
    worker: Worker, session: Session
) -> None:
    due = utc("2026-03-12 10:00")
    people = Factory(session, worker.settings, now=utc("2026-03-11 10:00"))
    channel = people.channel()
    author = people.author(channel)
    lead = people.grant(people.approver(channel), [channel], AccessRole.AUTHOR)
    post = people.post(channel, author, send_at=due)
    edit_post(session, post, by=lead, settings=worker.settings, text="Rewritten", now=people.now)
    submit(session, post, by=author, settings=worker.settings, now=people.now)
    _drifted_approval(session, post, lead, due)

    worker.run_at(due)

    assert post.state is PostState.SCHEDULED
    assert post.hold_reason is not None
    assert post.hold_reason.startswith("Not cleared: its current text has 0 of the 1 approval")
    assert worker.published_keys() == []


def test_twins_approved_by_whoever_rewrote_one_of_them_are_held(
    worker: Worker, session: Session
) -> None:
    due = utc("2026-03-12 10:00")
    people = Factory(session, worker.settings, now=utc("2026-03-11 10:00"))
    english, welsh = people.twin_channels()
    author = people.author(english, welsh)
    lead = people.grant(people.approver(english, welsh), [english, welsh], AccessRole.AUTHOR)
    post = people.post(english, author, send_at=due, twin_text="Diweithdra 4.2%")
    assert post.twin is not None
    twin = post.twin
    edit_post(
        session, twin, by=lead, settings=worker.settings, text="Diweithdra 4.1%", now=people.now
    )
    submit(session, post, by=author, settings=worker.settings, now=people.now)
    for member in (post, twin):
        _drifted_approval(session, member, lead, due)

    worker.run_at(due)

    assert (post.state, twin.state) == (PostState.SCHEDULED, PostState.SCHEDULED)
    assert post.hold_reason is not None
    assert twin.hold_reason is not None
    assert "0 of the 1 approval" in post.hold_reason
    assert worker.published_keys() == []


# -- never late by surprise ------------------------------------------------------------------


def test_a_post_the_worker_could_not_send_within_the_grace_is_missed(
    factory: PublishingFactory, worker: Worker
) -> None:
    on_time = factory.post(factory.channel(), send_at=utc("2026-03-12 09:30"))
    late = factory.post(factory.channel(), send_at=utc("2026-03-12 09:30"))
    late.due_at = utc("2026-03-12 09:29")
    factory.session.flush()
    worker.run_at(utc("2026-03-12 09:44"))  # the worker was down from 09:29
    assert on_time.state is PostState.PUBLISHED
    assert late.state is PostState.PUBLISHED

    missed = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:15:01"))
    assert missed.state is PostState.MISSED
    assert missed.hold_reason == (
        "Missed: it could go from Thu 12 Mar 2026 10:00 GMT but had not gone 15 minutes later "
        "(was the worker stopped?). Publish it now or reschedule it"
    )
    assert missed.first_allowed_at == utc("2026-03-12 10:00")
    assert worker.actions(missed) == ["mark_missed"]
    assert missed.idempotency_key not in worker.published_keys()


def test_grace_counts_from_when_the_rules_first_allowed_it(
    factory: PublishingFactory, worker: Worker
) -> None:
    # Scheduled at 08:00, before office hours; the worker is down until 09:10.
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 08:00"))
    worker.run_at(utc("2026-03-12 09:10"))
    assert post.state is PostState.PUBLISHED


def test_grace_is_configurable(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    worker = make_worker(worker={"missed_grace_minutes": 60})
    post = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:45"))
    assert post.state is PostState.PUBLISHED


# -- channels the worker cannot serve ------------------------------------------------------------


def test_a_channel_on_a_platform_not_installed_is_held_and_looked_at_again(
    factory: PublishingFactory, worker: Worker
) -> None:
    post = factory.post(factory.channel(platform="carrier-pigeon"), send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.state is PostState.SCHEDULED
    assert post.hold_reason == (
        "No adapter for the platform 'carrier-pigeon' is installed where the worker runs"
    )
    assert post.due_at == utc("2026-03-12 10:01")


def test_a_switched_off_channel_holds_its_posts(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    channel = factory.channel("@retired")
    channel.active = False
    session.flush()
    post = factory.post(channel, send_at=utc("2026-03-12 10:00"))
    worker.run_at(utc("2026-03-12 10:00"))
    assert post.hold_reason == "The channel @retired is switched off"
    assert worker.published_keys() == []
