"""Calendar days: local-midnight bounds across clock changes, holidays, quiet periods, embargoes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.quiet_periods import add_quiet_period
from scheduler.models import PostState, Role
from scheduler.reports.calendar import calendar_days, month_grid, week_start
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
    draft = factory.post(channel, author, send_at=datetime(2027, 3, 11, 8, tzinfo=UTC))

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
    assert draft.id not in earliest
    assert (day.post_count, day.unlisted) == (4, 2)


@pytest.mark.parametrize("per_day", [2, None])
def test_each_day_counts_and_lists_the_posts_whose_slot_it_holds(
    session: Session, settings: Settings, factory: Factory, per_day: int | None
) -> None:
    # Published posts sit where they went out, the rest where they are to go; the reader sees
    # their channel's posts and their own, never drafts; a day lists its first posts by slot.
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
            [PostState.SCHEDULED, PostState.PUBLISHED, PostState.PUBLISHING, PostState.DRAFT]
        )
        post = factory.post(channel, author, send_at=send_at)
        factory.move(post, state, approvers=[approver])
        if state is PostState.PUBLISHED:
            # Late or early, across midnight: the slot is when it went out.
            post.published_at = send_at + timedelta(minutes=chooser.randrange(-600, 600))
            session.flush()
        if state is not PostState.DRAFT and channel is mine:
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
