"""The release readiness board: posts and twins in thread order, who must act next, which
approvers can read the text, the window's conflicts, the countdown, and who may see it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import (
    ViewingLog,
    may_open_releases,
    may_see_release,
    releases_visible_to,
)
from scheduler.clearance import approve, request_changes, submit
from scheduler.models import EmbargoViewing, PostState, QuietPeriod, Release, Role
from scheduler.releases.operations import grant_release_access
from scheduler.releases.readiness import (
    approvers_who_can_read,
    build_board,
    countdown_words,
    list_release_summaries,
    unreadable_in_review,
)
from tests.support.factories import NOW, Factory
from tests.support.release_board import EMBARGO, THREAD_TEXTS, WELSH_TEXTS, release_day


def test_the_board_lists_the_thread_beside_its_welsh_twins_in_order_then_loose_posts(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory)

    log = ViewingLog()
    board = build_board(
        session, day.release, reader=day.reader, settings=settings, now=NOW, log=log
    )

    thread, loose = board.groups
    assert thread.title == "Unemployment at 4.1%"
    assert thread.handles == (day.english.handle, day.welsh.handle)
    assert [row.post.text for row in thread.rows] == list(THREAD_TEXTS)
    assert [row.twin.text if row.twin else None for row in thread.rows] == list(WELSH_TEXTS)
    assert [row.post.place for row in thread.rows] == ["Post 1 of 3", "Post 2 of 3", "Post 3 of 3"]
    assert [row.post.post.id for row in loose.rows] == [day.loose.id]
    assert loose.rows[0].twin is not None
    assert (board.total, board.not_cleared, board.cleared) == (8, 8, 0)
    # Every embargoed text shown is a read, noted for the page to record after it answers.
    assert len(log.pending) == 8
    assert {row["via"] for row in log.pending} == {"board"}
    assert {row["user_id"] for row in log.pending} == {day.reader.id}
    assert session.scalars(select(EmbargoViewing)).all() == []
    build_board(session, day.release, reader=day.outsider, settings=settings, now=NOW)
    assert session.scalars(select(EmbargoViewing)).all() == []  # nothing read, nothing noted


def test_people_off_the_access_list_see_states_but_never_text_or_the_thread_title(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory)

    for person in (day.outsider, day.admin):
        board = build_board(session, day.release, reader=person, settings=settings, now=NOW)
        rows = [row for group in board.groups for row in group.rows]
        assert all(row.post.text is None for row in rows)
        assert all(row.twin is None or row.twin.text is None for row in rows)
        assert board.groups[0].title is None
        assert {row.post.post.state for row in rows} == {PostState.DRAFT}
    after = build_board(session, day.release, reader=day.outsider, settings=settings, now=EMBARGO)
    assert after.groups[0].rows[0].post.text == THREAD_TEXTS[0]


def test_who_must_act_follows_the_post_through_clearance(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory)
    first = day.posts[0]

    def step(reader=day.statistician):  # type: ignore[no-untyped-def]
        board = build_board(session, day.release, reader=reader, settings=settings, now=NOW)
        return board.groups[0].rows[0].post.next_step

    assert (step().actor, step().words) == ("author", "Submit it for clearance")
    assert step().people == ("Sam Statistician",)

    submit(session, first, by=day.statistician, settings=settings, now=NOW)
    # Only the approver on the access list can clear it before the embargo.
    assert (step().actor, step().words) == (
        "approvers",
        "Clear it: Rhian Reader (1 more approval needed)",
    )

    request_changes(session, first, comment="Say 'fell'", by=day.reader, settings=settings, now=NOW)
    assert step().words == "Make the changes asked for and submit it again"

    submit(session, first, by=day.statistician, settings=settings, now=NOW)
    approve(session, first, by=day.reader, settings=settings, now=NOW)
    assert first.state is PostState.SCHEDULED
    assert (step().actor, step().words) == (
        "worker",
        "Publishes it at Fri 12 Mar 2027 09:30 GMT",
    )
    board = build_board(session, day.release, reader=day.reader, settings=settings, now=NOW)
    assert board.cleared == 6  # the thread and its twins clear as one
    assert board.not_cleared == 2


def test_approvers_are_listed_with_whether_they_can_read_the_text(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory)

    board = build_board(session, day.release, reader=day.admin, settings=settings, now=NOW)

    assert [(item.user.name, item.on_access_list) for item in board.approvers] == [
        ("Rhian Reader", True),
        ("Owen Outsider", False),
    ]
    assert board.approvers[0].handles == tuple(sorted([day.english.handle, day.welsh.handle]))
    assert approvers_who_can_read(session, day.release) == [day.reader]


def test_a_post_in_review_no_approver_can_read_is_shown_and_says_who_must_add_one(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory, reader_on_list=False)
    submit(session, day.posts[0], by=day.statistician, settings=settings, now=NOW)

    board = build_board(session, day.release, reader=day.admin, settings=settings, now=NOW)

    stuck = unreadable_in_review(session, day.release, now=NOW)
    assert {post.id for post in stuck} == {post.id for post in board.unreadable}
    assert len(stuck) == 6
    step = board.groups[0].rows[0].post.next_step
    assert step.actor == "person"
    assert "add one of Owen Outsider or Rhian Reader to the access list" in step.words
    assert approvers_who_can_read(session, day.release) == []

    grant_release_access(session, day.release, user=day.outsider, by=day.statistician, now=NOW)
    assert unreadable_in_review(session, day.release, now=NOW) == []
    assert unreadable_in_review(session, day.release, now=EMBARGO) == []


def test_a_bank_holiday_or_a_quiet_period_at_the_embargo_is_a_conflict(
    factory: Factory, settings: Settings, session: Session
) -> None:
    good_friday = NOW.replace(month=3, day=26, hour=9, minute=30)  # Good Friday 2027
    day = release_day(factory, embargo_at=good_friday)

    board = build_board(session, day.release, reader=day.admin, settings=settings, now=NOW)

    kinds = {(conflict.handle, conflict.kind) for conflict in board.conflicts}
    assert (day.english.handle, "bank_holiday") in kinds
    assert (day.welsh.handle, "bank_holiday") in kinds
    reason = board.conflicts[0].reason
    assert "Bank holiday in England (Good Friday)" in reason
    assert reason.endswith("it may go at Tue 30 Mar 2027 09:00 BST")
    assert board.groups[0].rows[0].post.conflict is not None
    # Posts at the embargo are held as their channel is, said once; a later one is named.
    later = [(c.post_id, c.place) for c in board.conflicts if c.post_id is not None]
    assert later == [(day.loose.id, "Post"), (day.loose.twin_id, "Post")]

    other = release_day(factory)
    session.add(
        QuietPeriod(
            name="Pre-election period",
            starts_at=EMBARGO - timedelta(days=1),
            ends_at=EMBARGO + timedelta(hours=3),
            channel_id=other.english.id,
        )
    )
    session.flush()
    board = build_board(session, other.release, reader=other.admin, settings=settings, now=NOW)
    assert {(c.handle, c.kind) for c in board.conflicts if c.post_id is None} == {
        (other.english.handle, "quiet_period")
    }
    assert "Quiet period “Pre-election period”" in board.conflicts[0].reason


def test_no_conflict_inside_office_hours(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory)
    board = build_board(session, day.release, reader=day.admin, settings=settings, now=NOW)
    assert board.conflicts == []


def test_the_countdown_says_how_long_until_the_embargo(settings: Settings) -> None:
    assert (
        countdown_words(EMBARGO, EMBARGO - timedelta(hours=2, minutes=14, seconds=30), settings)
        == "2 hours 14 minutes to the embargo (09:30 GMT)"
    )
    assert (
        countdown_words(EMBARGO, EMBARGO - timedelta(days=1, hours=3), settings)
        == "1 day 3 hours to the embargo (Fri 12 Mar 2027 09:30 GMT)"
    )
    assert (
        countdown_words(EMBARGO, EMBARGO - timedelta(seconds=20), settings)
        == "Less than a minute to the embargo (09:30 GMT)"
    )
    assert countdown_words(EMBARGO, EMBARGO, settings) == "The embargo passed at 09:30 GMT"


def test_the_board_is_for_the_creator_the_list_the_channels_people_and_admins(
    factory: Factory, settings: Settings, session: Session
) -> None:
    day = release_day(factory, reader_on_list=False)
    listed = factory.user(Role.AUTHOR)
    grant_release_access(session, day.release, user=listed, by=day.statistician, now=NOW)
    stranger = factory.author(factory.channel())
    nobody = factory.user(Role.AUTHOR)

    for person in (day.statistician, listed, day.reader, day.outsider, day.admin):
        assert may_see_release(session, person, day.release), person.name
        assert may_open_releases(session, person)
    for person in (stranger, nobody):
        assert not may_see_release(session, person, day.release)
    assert may_open_releases(session, stranger)  # may work on a release one day
    assert not may_open_releases(session, nobody)
    seen = session.scalars(select(Release.id).where(releases_visible_to(stranger))).all()
    assert seen == []
    day.outsider.active = False
    assert not may_see_release(session, day.outsider, day.release)


def test_the_list_puts_upcoming_releases_first_and_marks_todays(
    factory: Factory, settings: Settings, session: Session
) -> None:
    admin = factory.user(Role.ADMIN)
    later = factory.release(embargo_at=NOW + timedelta(days=5), title="Later")
    today = factory.release(embargo_at=NOW + timedelta(hours=3), title="Today")
    factory.now = NOW - timedelta(days=10)
    past = factory.release(embargo_at=NOW - timedelta(days=2), title="Past")

    upcoming = list_release_summaries(
        session, reader=admin, settings=settings, now=NOW, upcoming=True
    )
    gone = list_release_summaries(session, reader=admin, settings=settings, now=NOW, upcoming=False)

    assert [(s.release.id, s.is_today) for s in upcoming] == [(today.id, True), (later.id, False)]
    assert [s.release.id for s in gone] == [past.id]
