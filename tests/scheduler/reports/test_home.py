"""What waits for one person on their home page, a few of each kind, by clearance unit."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import approve, create_thread, edit_post, request_changes, submit
from scheduler.core.database import Database
from scheduler.models import AccessRole, PostState, Role
from scheduler.reports.home import (
    Trouble,
    drafts_of,
    home_for,
    releases_soon,
    sent_back_to,
    to_clear_for,
    troubles_for,
)
from tests.support.factories import Factory
from tests.support.query_count import counting_queries

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


def test_a_thread_of_eight_waiting_for_clearance_is_one_item(factory: Factory) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    thread = create_thread(
        factory.session,
        channel=channel,
        texts=[f"Part {number} of the figures" for number in range(1, 9)],
        by=author,
        settings=factory.settings,
        now=factory.now,
    )
    submit(factory.session, thread.posts[0], by=author, settings=factory.settings, now=factory.now)
    single = factory.post(channel, author)
    factory.move(single, PostState.IN_REVIEW)

    found = to_clear_for(factory.session, approver)

    assert found is not None
    assert [len(unit) for unit in found.items] == [8, 1]
    assert found.items[0][0].id == thread.posts[0].id
    assert not found.more


def test_people_who_clear_nothing_have_no_clearance_section_and_own_posts_never_wait(
    factory: Factory,
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    factory.grant(approver, [channel], AccessRole.AUTHOR)
    own = factory.post(channel, approver)
    factory.move(own, PostState.IN_REVIEW)

    assert to_clear_for(factory.session, author) is None
    section = to_clear_for(factory.session, approver)
    assert section is not None
    assert section.items == []


def test_the_clearance_section_shows_a_few_and_says_there_are_more(factory: Factory) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    for _ in range(4):
        factory.move(factory.post(channel, author), PostState.IN_REVIEW)

    found = to_clear_for(factory.session, approver, limit=3)

    assert found is not None
    assert len(found.items) == 3
    assert found.more


def test_a_post_sent_back_shows_the_comment_and_who_sent_it_even_after_an_edit(
    factory: Factory,
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    request_changes(
        factory.session,
        post,
        comment="Say which quarter the figure is for",
        by=approver,
        settings=factory.settings,
        now=factory.now,
    )
    edit_post(
        factory.session,
        post,
        text="Unemployment fell to 4.1% in the last quarter",
        by=author,
        settings=factory.settings,
        now=factory.now,
    )
    plain = factory.post(channel, author)

    sent_back = sent_back_to(factory.session, author)
    drafts = drafts_of(factory.session, author)

    [item] = sent_back.items
    assert item.lead.id == post.id
    assert item.comment == "Say which quarter the figure is for"
    assert item.by is not None
    assert item.by.id == approver.id
    # A draft is listed once: the one sent back is not among the plain drafts.
    assert [unit[0].id for unit in drafts.items] == [plain.id]


def test_a_post_sent_back_then_cleared_and_edited_is_a_plain_draft_again(
    factory: Factory,
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    request_changes(
        factory.session, post, comment="Shorter", by=approver, settings=factory.settings,
        now=factory.now,
    )  # fmt: skip
    submit(factory.session, post, by=author, settings=factory.settings, now=factory.now)
    approve(factory.session, post, by=approver, settings=factory.settings, now=factory.now)
    edit_post(
        factory.session, post, text="A new text", by=author, settings=factory.settings,
        now=factory.now,
    )  # fmt: skip

    assert sent_back_to(factory.session, author).items == []
    assert [unit[0].id for unit in drafts_of(factory.session, author).items] == [post.id]


def test_drafts_are_the_persons_own_newest_first_twins_as_one(factory: Factory) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    other = factory.author(english, welsh)
    older = factory.post(english, author, twin_text="Testun")
    newer = factory.post(english, author, twin_text="Testun arall")
    factory.post(english, other, twin_text="Nid fy un i")
    factory.move(factory.post(english, author, twin_text="Wedi"), PostState.IN_REVIEW)

    drafts = drafts_of(factory.session, author)

    assert [unit[0].id for unit in drafts.items] in (
        [newer.twin_id, older.twin_id],
        [newer.id, older.id],
    )
    assert all(len(unit) == 2 for unit in drafts.items)


@pytest.mark.parametrize(
    ("state", "trouble"),
    [
        (PostState.FAILED, Trouble.FAILED),
        (PostState.UNKNOWN, Trouble.UNKNOWN),
        (PostState.MISSED, Trouble.MISSED),
    ],
)
def test_failed_unknown_and_missed_posts_on_the_persons_channels_need_them(
    factory: Factory, state: PostState, trouble: Trouble
) -> None:
    channel = factory.channel()
    elsewhere = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel, elsewhere)
    mine = factory.post(channel, author, send_at=factory.now + timedelta(days=1))
    factory.move(mine, state, approvers=[approver])
    theirs = factory.post(elsewhere, factory.author(elsewhere), send_at=mine.send_at)
    factory.move(theirs, state, approvers=[approver])

    found = troubles_for(factory.session, author)

    assert [(item.lead.id, item.trouble) for item in found.items] == [(mine.id, trouble)]
    if state is PostState.FAILED:
        assert found.items[0].reason == "The platform refused the post"
    assert len(troubles_for(factory.session, approver).items) == 2


def test_a_held_post_is_listed_with_its_reason(factory: Factory) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    held = factory.post(channel, author, send_at=factory.now + timedelta(days=1))
    factory.move(held, PostState.SCHEDULED, approvers=[approver])
    waiting = factory.post(channel, author, send_at=factory.now + timedelta(days=1))
    factory.move(waiting, PostState.SCHEDULED, approvers=[approver])
    held.hold_reason = "Outside the publishing window (opens Thu 11 Mar 2027 09:00 GMT)"
    factory.session.flush()

    [item] = troubles_for(factory.session, author).items

    assert item.lead.id == held.id
    assert item.trouble is Trouble.HELD
    assert item.reason.startswith("Outside the publishing window")


def test_releases_today_and_tomorrow_with_how_many_posts_are_cleared(factory: Factory) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    today = factory.now.replace(hour=9, minute=30)  # 10:00 GMT now: it has passed
    tomorrow = today + timedelta(days=1)
    release = factory.release(embargo_at=tomorrow, access=[author, approver])
    # Releases whose embargo has passed were made before it.
    earlier = Factory(factory.session, factory.settings, now=factory.now - timedelta(days=3))
    earlier.release(embargo_at=today, title="Earlier today")
    earlier.release(embargo_at=today - timedelta(days=1), title="Yesterday")
    factory.release(embargo_at=today + timedelta(days=2), title="Too late")
    cleared = factory.post(channel, author, release=release, send_at=tomorrow)
    factory.move(cleared, PostState.SCHEDULED, approvers=[approver])
    factory.move(factory.post(channel, author, release=release), PostState.IN_REVIEW)
    factory.move(factory.post(channel, author, release=release), PostState.WITHDRAWN)

    days = releases_soon(factory.session, author, zone=LONDON, now=factory.now)

    assert [(entry.release.title, entry.is_today) for entry in days] == [
        ("Earlier today", True),
        (release.title, False),
    ]
    assert (days[1].cleared, days[1].posts) == (1, 2)
    # Someone who can see none of its posts is told of none.
    outsider = factory.user(Role.AUTHOR)
    assert releases_soon(factory.session, outsider, zone=LONDON, now=factory.now)[1].posts == 0


def test_releases_use_local_days_across_the_clock_change(factory: Factory) -> None:
    # Saturday 27 March 2027 23:30 GMT; the clocks go forward at 01:00 on Sunday 28 March.
    now = factory.now.replace(month=3, day=27, hour=23, minute=30)
    sunday = factory.release(embargo_at=now.replace(day=28, hour=8, minute=30))  # 09:30 BST
    monday_late = factory.release(embargo_at=now.replace(day=29, hour=22, minute=30))  # 23:30
    factory.release(embargo_at=now.replace(day=29, hour=23, minute=0))  # Tue 00:00 BST

    days = releases_soon(factory.session, factory.user(), zone=LONDON, now=now)

    # Saturday is today: Sunday is tomorrow, Monday is not shown.
    assert [entry.release.id for entry in days] == [sunday.id]
    # Sunday 23:30 BST, 23 hours later: today is Sunday, Tuesday 00:00 BST is not tomorrow.
    sunday_night = now + timedelta(hours=23)
    days = releases_soon(factory.session, factory.user(), zone=LONDON, now=sunday_night)
    assert [entry.release.id for entry in days] == [sunday.id, monday_late.id]


def test_a_new_person_has_nothing_waiting(factory: Factory) -> None:
    person = factory.user(Role.APPROVER)

    home = home_for(factory.session, person, zone=LONDON, now=factory.now)

    assert home.to_clear is None
    assert home.sent_back.items == home.troubles.items == home.drafts.items == []
    assert home.releases == []


def test_the_statements_run_do_not_grow_with_what_waits(
    factory: Factory, database: Database
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    factory.grant(approver, [channel], AccessRole.AUTHOR)
    colleague = factory.approver(channel)
    send_at = factory.now + timedelta(days=1)
    factory.release(embargo_at=factory.now + timedelta(hours=3))

    def add_one_of_each() -> None:
        factory.post(channel, approver)
        factory.move(factory.post(channel, author), PostState.IN_REVIEW)
        factory.move(
            factory.post(channel, approver, send_at=send_at),
            PostState.FAILED,
            approvers=[colleague],
        )
        back = factory.move(factory.post(channel, approver), PostState.IN_REVIEW)
        request_changes(
            factory.session, back, comment="No", by=colleague, settings=factory.settings,
            now=factory.now,
        )  # fmt: skip

    def statements() -> int:
        factory.session.expire_all()
        with counting_queries(database.engine) as counter:
            home_for(factory.session, approver, zone=LONDON, now=factory.now)
        return counter.count

    add_one_of_each()
    few = statements()
    for _ in range(7):
        add_one_of_each()
    many = statements()

    assert many == few
