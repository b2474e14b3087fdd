"""When a post may go: the compose preview, the dry run and the worker give one answer, and hold
reasons name what holds a post once, never nested."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.core.local_time import describe
from scheduler.models import Post, PostState, QuietPeriod
from scheduler.publishing.dry_run import preview as dry_run
from scheduler.publishing.rules.eligibility import root_cause, waiting_reason
from scheduler.publishing.rules.timing import judge_timing
from scheduler.publishing.rules.window import PublishingWindow
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.run_pass import run_pass
from scheduler.publishing.worker.runtime import WorkerRuntime
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory, make_settings
from web.compose.preview import build_preview

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NATIONS = ("ENG", "WLS", "SCT", "NIR")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- one answer: preview, dry run and worker ------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> dict[str, object]:
    """A send time, a window configuration, and perhaps an embargo and a quiet period."""
    start = draw(st.integers(6, 11))
    end = draw(st.integers(start + 1, 20))
    days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    # Minutes across 2026-2027: both clock changes each year, Christmas and Easter included.
    send_at = utc("2026-01-01 00:00") + timedelta(minutes=draw(st.integers(0, 2 * 365 * 1440)))
    embargo = None
    if draw(st.booleans()):
        embargo = send_at + timedelta(minutes=draw(st.integers(-600, 4 * 1440)))
    quiet = None
    if draw(st.booleans()):
        starts = send_at + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
        quiet = (starts, starts + timedelta(minutes=draw(st.integers(30, 5 * 1440))))
    return {
        "office_hours": {
            "start": f"{start:02d}:{draw(st.sampled_from([0, 30])):02d}",
            "end": f"{end:02d}:00",
            "days": sorted(days, key=WEEKDAYS.index),
        },
        "nation": draw(st.sampled_from(NATIONS)),
        "send_at": send_at,
        "embargo": embargo,
        "quiet": quiet,
    }


@pytest.mark.only_on("sqlite", why="the rules are Python; one database is enough for 40 cases")
def test_the_preview_the_dry_run_and_the_worker_agree_on_when_a_post_goes(
    backend: str,
    database: Database,
    session_factory: sessionmaker[Session],
    session: Session,
    tmp_path: Path,
) -> None:
    factory = PublishingFactory(session)
    shared = database.with_session_factory(session_factory)

    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=cases())
    def check(case: dict[str, object]) -> None:
        send_at = case["send_at"]
        assert isinstance(send_at, datetime)
        settings = make_settings(
            database,
            tmp_path,
            office_hours=case["office_hours"],
            holidays={"country": "GB", "subdivision": case["nation"]},
        )
        # Each case on its own channel: what earlier cases left behind cannot hold this one.
        channel = factory.channel()
        release = None
        if isinstance(case["embargo"], datetime):
            release = factory.release(case["embargo"])
        quiet = case["quiet"]
        if isinstance(quiet, tuple):
            session.add(
                QuietPeriod(
                    name="Purdah", starts_at=quiet[0], ends_at=quiet[1], channel_id=channel.id
                )
            )
        post = factory.post(channel, send_at=send_at, release=release)

        promised = build_preview(
            session,
            channel=channel,
            text=post.text,
            twin_text=None,
            send_at=send_at,
            release=release,
            settings=settings,
            now=send_at,
        )
        assert promised.timing is not None
        goes_at = promised.timing.may_go_at

        rehearsed = dry_run(shared, settings, now=send_at)
        published = {item.post_id for item in rehearsed.publish}
        held = {item.post_id: item.until for item in rehearsed.held}
        assert (send_at if post.id in published else held[post.id]) == goes_at

        runtime = WorkerRuntime(
            shared,
            settings,
            clock=FixedClock(send_at),
            identity=WorkerIdentity("timing", "testhost", 1),
            rng=random.Random(1),
        )
        with runtime:
            run_pass(runtime)
        session.expire_all()
        went = session.get(Post, post.id)
        assert went is not None
        if went.state is PostState.PUBLISHED:
            assert went.published_at == goes_at == send_at
        else:
            assert went.state is PostState.SCHEDULED
            assert went.due_at == goes_at
            assert went.hold_reason is not None
            assert went.hold_reason.endswith(f"it may go at {describe(goes_at, settings.timezone)}")
            assert f"it may go at {describe(goes_at, settings.timezone)}." in promised.notes[-1]

    check()


# -- the examples people reported, and the clocks changing ----------------------------------------


@pytest.mark.parametrize(
    ("send_at", "goes_at"),
    [
        # Friday evening: Monday morning, not Saturday.
        ("2026-12-11 18:00", "2026-12-14 09:00"),
        # Christmas Eve evening (England 2026): Christmas Day Friday, Boxing Day Saturday, its
        # substitute Monday 28: Tuesday 29 December.
        ("2026-12-24 18:00", "2026-12-29 09:00"),
        # The Friday evening before the clocks go forward (Sunday 29 March 2026): Monday 09:00 BST.
        ("2026-03-27 17:30", "2026-03-30 08:00"),
        # The Friday evening before they go back (Sunday 25 October 2026): Monday 09:00 GMT.
        ("2026-10-23 16:30", "2026-10-26 09:00"),
        # Saturday 09:30 BST, the day before the clocks go back: Monday 09:00 GMT.
        ("2026-10-24 08:30", "2026-10-26 09:00"),
        # The small hours of the day the clocks go forward: next working morning, in BST.
        ("2026-03-29 01:30", "2026-03-30 08:00"),
    ],
)
def test_when_a_post_due_outside_the_window_may_go(
    settings: Settings, send_at: str, goes_at: str
) -> None:
    window = PublishingWindow(settings)
    timing = judge_timing(window, at=utc(send_at), send_at=utc(send_at), channel_id=None)
    assert timing.may_go_at == utc(goes_at)
    assert timing.reason is not None
    assert timing.reason.endswith(f"it may go at {describe(utc(goes_at), settings.timezone)}")


def test_an_embargo_later_than_the_send_time_is_when_it_may_go(settings: Settings) -> None:
    window = PublishingWindow(settings)
    send_at, embargo = utc("2026-12-15 09:00"), utc("2026-12-15 09:30")
    timing = judge_timing(
        window, at=send_at, send_at=send_at, channel_id=None, embargo=embargo, release_title="GDP"
    )
    assert timing.may_go_at == embargo
    assert timing.reason == (
        "Embargoed until Tue 15 Dec 2026 09:30 GMT (release “GDP”); "
        "it may go at Tue 15 Dec 2026 09:30 GMT"
    )


# -- reasons do not nest ---------------------------------------------------------------------------


def assert_flat(reason: str | None) -> None:
    """Fail if a reason names more than one post it waits on, or nests brackets."""
    assert reason is not None
    leads = reason.count("Waits for") + reason.count("Held with")
    assert leads <= 1, reason
    depth = deepest = 0
    for character in reason:
        depth += {"(": 1, ")": -1}.get(character, 0)
        deepest = max(deepest, depth)
    assert deepest <= 1, reason


def uncleared(session: Session, post: Post) -> None:
    for approval in list(post.approvals):
        session.delete(approval)
    session.flush()


def test_a_thread_behind_a_held_post_says_why_once_for_every_post(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    posts = factory.thread(factory.channel(), 4, send_at=utc("2026-03-12 10:00"))
    uncleared(session, posts[0])

    worker.run_at(utc("2026-03-12 10:00"))

    cause = posts[0].hold_reason
    assert cause is not None
    assert cause.startswith("Not cleared")
    for before, post in itertools.pairwise(posts):
        assert post.hold_reason == (
            f"Waits for the post before it in its thread (#{before.id}), which is held: {cause}"
        )
        assert_flat(post.hold_reason)


def test_a_thread_post_judged_after_its_held_predecessor_names_the_root_cause_only(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    posts = factory.thread(factory.channel(), 3, send_at=utc("2026-03-12 10:00"))
    uncleared(session, posts[0])
    worker.run_at(utc("2026-03-12 10:00"))
    # A reason stored the old, nested way; and the followers looked at again in a later pass,
    # alone, reading the reasons stored for those before them.
    posts[0].hold_reason = (
        "Waits for the post before it in its thread (#99), which is held: Waits for the post "
        "before it in its thread (#98), which is held: Quiet period “Purdah” until later"
    )
    for post in posts[1:]:
        post.due_at = utc("2026-03-12 10:05")
    session.flush()

    worker.run_at(utc("2026-03-12 10:05"))

    assert posts[0].due_at is None
    for before, post in itertools.pairwise(posts):
        assert post.hold_reason == (
            f"Waits for the post before it in its thread (#{before.id}), which is held: "
            "Quiet period “Purdah” until later"
        )


def test_a_thread_post_behind_a_post_held_with_its_twin_names_the_twins_cause(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.twin_channels(requires_twin=False)
    thread = factory.thread(english, 2, send_at=utc("2026-03-12 10:00"))
    twin = factory.post(welsh, send_at=utc("2026-03-12 10:00"), state=PostState.IN_REVIEW)
    thread[0].twin_id, twin.twin_id = twin.id, thread[0].id
    session.flush()

    worker.run_at(utc("2026-03-12 10:00"))

    assert thread[0].hold_reason == (
        f"Its twin #{twin.id} on {welsh.handle} is in review; twins go out together"
    )
    assert thread[1].hold_reason == (
        f"Waits for the post before it in its thread (#{thread[0].id}), which is held: "
        f"Its twin #{twin.id} on {welsh.handle} is in review; twins go out together"
    )


def test_the_preview_of_a_closed_day_nests_no_brackets(settings: Settings) -> None:
    window = PublishingWindow(settings)
    saturday = utc("2026-12-12 10:00")
    timing = judge_timing(window, at=saturday, send_at=saturday, channel_id=None)
    assert_flat(f"At {describe(saturday, settings.timezone)} it would be held: {timing.reason}.")


@pytest.mark.parametrize(
    ("reason", "root"),
    [
        ("After office hours (Mon-Fri 09:00-17:00)", "After office hours (Mon-Fri 09:00-17:00)"),
        (
            "Waits for the post before it in its thread (#12), which is held: Quiet period “X”",
            "Quiet period “X”",
        ),
        ("Waits for the post before it in its thread (#11), which was missed", "#11 was missed"),
        ("Held with its twin #4, which did not go out: Refused", "Refused"),
        (
            # Stored before reasons were composed this way: nested; reduced all the same.
            "Waits for the post before it in its thread (#3), which is held: Waits for the post "
            "before it in its thread (#2), which is held: Bank holiday in England (Good Friday)",
            "Bank holiday in England (Good Friday)",
        ),
    ],
)
def test_root_cause_drops_the_posts_waited_on(reason: str, root: str) -> None:
    assert root_cause(reason) == root
    composed = waiting_reason("Waits for the post before it in its thread (#20)", "is held", reason)
    assert_flat(composed)
    assert composed.endswith(root)


def test_an_embargo_stored_at_the_end_of_year_9999_holds_the_post_without_breaking_the_pass(
    factory: PublishingFactory, worker: Worker
) -> None:
    # Only a row stored before the horizon rule (scheduler.core.time_horizon) can hold such a time.
    release = factory.release(datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
    far = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"), release=release)
    near = factory.post(factory.channel(), send_at=utc("2026-03-12 10:00"))

    report = worker.run_at(utc("2026-03-12 10:00"))

    assert report.published == 1
    assert near.state is PostState.PUBLISHED
    assert far.state is PostState.SCHEDULED
    assert far.hold_reason is not None
    assert "beyond the dates Gatepost can handle" in far.hold_reason
