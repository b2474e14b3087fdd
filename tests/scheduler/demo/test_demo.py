"""The demo data: channels with a required Welsh twin, access lists, a release-day thread."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import may_read_text
from scheduler.channels.operations import access_list, get_channel
from scheduler.demo.seed import next_release_morning, seed_demo
from scheduler.models import Post, PostState, Release, Thread

THURSDAY_BEFORE_EASTER = datetime(2027, 3, 25, 10, 0, tzinfo=UTC)


def test_the_demo_seeds_a_release_day_thread_awaiting_clearance(
    session: Session, settings: Settings
) -> None:
    assert seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER)
    english, welsh = get_channel(session, "ONSdemo"), get_channel(session, "ONSdemo_cy")
    assert english.twin is welsh
    assert english.requires_twin
    own = get_channel(session, "SianStatsONS")
    assert own.owner is not None
    assert own.owner.email == "stats@demo.gatepost.test"
    assert {(e.channel, e.email, e.role) for e in access_list(session, own)} == {
        ("SianStatsONS", "stats@demo.gatepost.test", "author"),
        ("SianStatsONS", "officer@demo.gatepost.test", "approver"),
    }

    release = session.scalars(select(Release)).one()
    # Good Friday, the weekend and Easter Monday are skipped; the clocks went forward meanwhile.
    assert release.embargo_at == datetime(2027, 3, 30, 8, 30, tzinfo=UTC)
    thread = session.scalars(select(Thread).where(Thread.channel_id == english.id)).one()
    assert thread.twin_thread is not None
    posts = [*thread.posts, *thread.twin_thread.posts]
    assert len(posts) == 6
    assert {p.state for p in posts} == {PostState.IN_REVIEW}
    assert {p.send_at for p in posts} == {release.embargo_at}
    drafts = session.scalars(select(Post).where(Post.state == PostState.DRAFT)).all()
    assert len(drafts) == 3  # a bilingual pair and one on the statistician's own channel

    officer = next(e for e in access_list(session, english) if e.role == "approver")
    assert officer.email == "officer@demo.gatepost.test"
    author = thread.posts[0].author
    assert may_read_text(session, thread.posts[0], author, now=THURSDAY_BEFORE_EASTER)

    assert not seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Thursday 08:00 GMT: today at 09:30.
        (datetime(2027, 3, 25, 8, 0, tzinfo=UTC), datetime(2027, 3, 25, 9, 30, tzinfo=UTC)),
        # Saturday before the early May bank holiday: Tuesday, in summer time.
        (datetime(2027, 5, 1, 12, 0, tzinfo=UTC), datetime(2027, 5, 4, 8, 30, tzinfo=UTC)),
        # Wednesday after 09:30: Thursday.
        (datetime(2027, 3, 10, 10, 0, tzinfo=UTC), datetime(2027, 3, 11, 9, 30, tzinfo=UTC)),
    ],
)
def test_the_demo_release_is_the_next_working_morning(
    settings: Settings, now: datetime, expected: datetime
) -> None:
    assert next_release_morning(settings, now) == expected
