"""Calendar days: local-midnight bounds across clock changes, holidays, quiet periods, embargoes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.quiet_periods import add_quiet_period
from scheduler.models import PostState, Role, User
from scheduler.reports.calendar import (
    MoveEffect,
    calendar_days,
    month_grid,
    move_effect,
    slot_fields,
    week_start,
)
from tests.support.factories import NOW, Factory


def test_the_days_the_clocks_change_have_23_and_25_hours(
    session: Session, settings: Settings, factory: Factory
) -> None:
    reader = factory.user(Role.ADMIN)

    spring = calendar_days(
        session,
        reader=reader,
        settings=settings,
        first=date(2027, 3, 27),
        last=date(2027, 3, 29),
        now=NOW,
    )
    autumn = calendar_days(
        session,
        reader=reader,
        settings=settings,
        first=date(2027, 10, 31),
        last=date(2027, 10, 31),
        now=NOW,
    )

    assert [day.hours for day in spring] == [24, 23, 24]
    assert spring[1].starts_at == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    assert spring[1].ends_at == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)
    assert autumn[0].hours == 25


def test_a_post_sits_on_its_local_day_after_the_clocks_go_forward(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    # 23:30 UTC on Sunday 28 March is 00:30 BST on Monday 29 March.
    post = factory.post(channel, author, send_at=datetime(2027, 3, 28, 23, 30, tzinfo=UTC))
    factory.move(post, PostState.SCHEDULED, approvers=[approver])

    days = calendar_days(
        session,
        reader=author,
        settings=settings,
        first=date(2027, 3, 28),
        last=date(2027, 3, 29),
        now=NOW,
    )

    assert [entry.post_id for entry in days[0].posts] == []
    assert [entry.post_id for entry in days[1].posts] == [post.id]


def test_days_show_office_hours_holidays_quiet_periods_and_embargoes(
    session: Session, settings: Settings, factory: Factory
) -> None:
    admin = factory.user(Role.ADMIN)
    release = factory.release(embargo_at=datetime(2027, 3, 25, 9, 30, tzinfo=UTC), title="GDP")
    add_quiet_period(
        session,
        by=admin,
        name="Purdah",
        starts_at=datetime(2027, 3, 24, 12, tzinfo=UTC),
        ends_at=datetime(2027, 3, 25, 12, tzinfo=UTC),
        now=NOW,
    )

    days = calendar_days(
        session,
        reader=admin,
        settings=settings,
        first=date(2027, 3, 22),
        last=date(2027, 3, 28),
        now=NOW,
    )
    by_day = {day.day: day for day in days}

    assert by_day[date(2027, 3, 22)].office_hours == "09:00 to 17:00"
    assert by_day[date(2027, 3, 26)].holiday == "Good Friday"
    assert by_day[date(2027, 3, 26)].office_hours is None
    assert by_day[date(2027, 3, 27)].office_hours is None
    assert [p.name for p in by_day[date(2027, 3, 24)].quiet_periods] == ["Purdah"]
    assert [p.name for p in by_day[date(2027, 3, 25)].quiet_periods] == ["Purdah"]
    assert by_day[date(2027, 3, 23)].quiet_periods == []
    assert [e.release_id for e in by_day[date(2027, 3, 25)].embargoes] == [release.id]


def test_embargoed_posts_carry_no_text(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    release = factory.release(access=[author, approver])
    post = factory.post(
        channel, author, text="Secret figure", release=release, send_at=release.embargo_at
    )
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    day = release.embargo_at.date()

    [shown] = calendar_days(
        session, reader=author, settings=settings, first=day, last=day, now=NOW
    )[0].posts

    assert shown.embargoed_until == release.embargo_at
    assert shown.excerpt_source is None


def test_weeks_start_on_monday_and_months_fill_whole_weeks() -> None:
    assert week_start(date(2027, 3, 10)) == date(2027, 3, 8)
    assert month_grid(date(2027, 2, 14)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert month_grid(date(2027, 3, 31)) == (date(2027, 3, 1), date(2027, 4, 4))


def test_a_busy_day_lists_its_first_posts_and_counts_the_rest(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    times = [datetime(2027, 3, 11, hour, tzinfo=UTC) for hour in (15, 9, 12, 10)]
    made = []
    for at in times:
        post = factory.post(channel, author, send_at=at)
        factory.move(post, PostState.SCHEDULED, approvers=[approver])
        made.append((at, post.id))
    # A draft sits at the send time it asks for, like the rest.
    draft = factory.post(channel, author, send_at=datetime(2027, 3, 11, 8, tzinfo=UTC))
    made.append((draft.send_at, draft.id))

    [day] = calendar_days(
        session,
        reader=author,
        settings=settings,
        first=date(2027, 3, 11),
        last=date(2027, 3, 11),
        now=NOW,
        per_day=2,
    )

    earliest = [post_id for _, post_id in sorted(made)][:2]
    assert [entry.post_id for entry in day.posts] == earliest
    assert earliest[0] == draft.id
    assert (day.post_count, day.unlisted) == (5, 3)


@pytest.mark.parametrize("per_day", [2, None])
def test_each_day_counts_and_lists_the_posts_whose_slot_it_holds(
    session: Session, settings: Settings, factory: Factory, per_day: int | None
) -> None:
    # Published posts sit where they went out, the rest where they are to go; the reader sees
    # their channel's posts and their own, drafts and posts in review at the time they ask for,
    # never withdrawn ones; a day lists its first posts by slot.
    mine, theirs = factory.channel("ons"), factory.channel("hmrc")
    reader, approver = factory.author(mine), factory.approver(mine, theirs)
    other = factory.author(theirs)
    chooser = random.Random(11)
    first = date(2027, 3, 29)
    slots: dict[int, datetime] = {}
    for _ in range(40):
        channel, author = chooser.choice([(mine, reader), (theirs, other), (mine, reader)])
        send_at = datetime(2027, 3, 29, 8, tzinfo=UTC) + timedelta(
            minutes=chooser.randrange(3 * 24 * 60 - 8 * 60)
        )
        state = chooser.choice(
            [
                PostState.SCHEDULED,
                PostState.PUBLISHED,
                PostState.PUBLISHING,
                PostState.DRAFT,
                PostState.IN_REVIEW,
                PostState.WITHDRAWN,
            ]
        )
        post = factory.post(channel, author, send_at=send_at)
        factory.move(post, state, approvers=[approver])
        if state is PostState.PUBLISHED:
            # Late or early, across midnight: the slot is when it went out.
            post.published_at = send_at + timedelta(minutes=chooser.randrange(-600, 600))
            session.flush()
        if state is not PostState.WITHDRAWN and channel is mine:
            slots[post.id] = post.published_at or send_at

    days = calendar_days(
        session,
        reader=reader,
        settings=settings,
        first=first,
        last=first + timedelta(days=2),
        now=NOW,
        per_day=per_day,
    )

    expected = []
    for day in days:
        held = sorted(
            (at, post_id) for post_id, at in slots.items() if day.starts_at <= at < day.ends_at
        )
        expected.append((len(held), [post_id for _, post_id in held][:per_day]))
    assert [(day.post_count, [p.post_id for p in day.posts]) for day in days] == expected
    # Every day holds more than it lists, so the choice of the first ones is tested.
    assert all(count > 2 for count, _ in expected)


def test_drafts_and_posts_in_review_sit_at_the_time_they_ask_for(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    at = datetime(2027, 3, 11, 10, tzinfo=UTC)
    draft = factory.post(channel, author, send_at=at)
    in_review = factory.move(factory.post(channel, author, send_at=at), PostState.IN_REVIEW)
    scheduled = factory.move(
        factory.post(channel, author, send_at=at), PostState.SCHEDULED, approvers=[approver]
    )
    factory.move(factory.post(channel, author, send_at=at), PostState.WITHDRAWN)
    factory.post(channel, author)  # no send time: no slot

    [day] = calendar_days(
        session,
        reader=approver,
        settings=settings,
        first=date(2027, 3, 11),
        last=date(2027, 3, 11),
        now=NOW,
    )

    shown = {entry.post_id: entry.state for entry in day.posts}
    assert shown == {
        draft.id: PostState.DRAFT,
        in_review.id: PostState.IN_REVIEW,
        scheduled.id: PostState.SCHEDULED,
    }


def test_hour_slots_hold_their_posts_office_hours_and_quiet_periods(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    admin = factory.user(Role.ADMIN)
    author = factory.author(channel)
    add_quiet_period(
        session,
        by=admin,
        name="Pre-election",
        starts_at=datetime(2027, 3, 11, 14, 30, tzinfo=UTC),
        ends_at=datetime(2027, 3, 11, 16, 0, tzinfo=UTC),
        now=NOW,
    )
    post = factory.post(channel, author, send_at=datetime(2027, 3, 11, 10, 15, tzinfo=UTC))

    [day] = calendar_days(
        session,
        reader=author,
        settings=settings,
        first=date(2027, 3, 11),
        last=date(2027, 3, 11),
        now=NOW,
        hourly=True,
    )

    assert len(day.slots) == 24
    assert [slot.starts_at.hour for slot in day.slots if slot.in_office_hours] == list(range(9, 17))
    assert [entry.post_id for entry in day.slots[10].posts] == [post.id]
    assert sum(len(slot.posts) for slot in day.slots) == 1
    quiet = [slot.starts_at.hour for slot in day.slots if slot.quiet_periods]
    assert quiet == [14, 15]
    assert day.slots[14].quiet_periods[0].name == "Pre-election"


def test_the_days_the_clocks_change_have_23_and_25_hour_slots(
    session: Session, settings: Settings, factory: Factory
) -> None:
    reader = factory.user(Role.ADMIN)

    spring, autumn = (
        calendar_days(
            session, reader=reader, settings=settings, first=day, last=day, now=NOW, hourly=True
        )[0]
        for day in (date(2027, 3, 28), date(2027, 10, 31))
    )

    assert len(spring.slots) == 23
    assert len(autumn.slots) == 25
    zone = settings.timezone
    # 01:00 happens twice on 31 October: once in BST, then in GMT; a link says which.
    first_one, second_one = autumn.slots[1], autumn.slots[2]
    assert slot_fields(first_one.starts_at, zone) == {
        "date": "2027-10-31",
        "time": "01:00",
        "fold": "earlier",
    }
    assert slot_fields(second_one.starts_at, zone) == {
        "date": "2027-10-31",
        "time": "01:00",
        "fold": "later",
    }
    assert slot_fields(spring.slots[1].starts_at, zone) == {"date": "2027-03-28", "time": "02:00"}


def test_posts_are_offered_to_move_to_people_who_may_edit_them(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    colleague = factory.author(channel)
    release = factory.release(access=[author, approver])
    at = datetime(2027, 3, 11, 10, tzinfo=UTC)
    scheduled = factory.move(
        factory.post(channel, author, send_at=at), PostState.SCHEDULED, approvers=[approver]
    )
    published = factory.move(
        factory.post(channel, author, send_at=at), PostState.PUBLISHED, approvers=[approver]
    )
    published.published_at = at
    embargoed = factory.post(channel, author, release=release, send_at=release.embargo_at)
    session.flush()

    def movable(reader: User, first: date) -> dict[int, bool]:
        days = calendar_days(
            session, reader=reader, settings=settings, first=first, last=first, now=NOW
        )
        return {entry.post_id: entry.movable for entry in days[0].posts}

    embargo_day = release.embargo_at.date()
    assert movable(author, date(2027, 3, 11)) == {scheduled.id: True, published.id: False}
    assert movable(colleague, date(2027, 3, 11)) == {scheduled.id: True, published.id: False}
    # An approver without author access may clear it, not move it.
    assert movable(approver, date(2027, 3, 11)) == {scheduled.id: False, published.id: False}
    # Before the embargo only those who may read the text may edit it: its author, the list.
    assert movable(author, embargo_day) == {embargoed.id: True}
    assert movable(colleague, embargo_day) == {embargoed.id: False}


def test_the_effect_of_a_move_counts_the_approvals_that_stop_counting(
    session: Session, factory: Factory
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    pair = factory.post(
        english, author, send_at=datetime(2027, 3, 11, 10, tzinfo=UTC), twin_text="Ffigurau"
    )
    factory.move(pair, PostState.SCHEDULED, approvers=[approver])
    draft = factory.post(english, author)

    effect = move_effect(pair)

    assert effect.back_to_draft
    assert effect.approvals_voided == 2  # the post's approval and its twin's
    assert [member.id for member in effect.moving_with_it] == [pair.twin_id]
    assert move_effect(draft) == MoveEffect(False, 0, ())
