"""The demo data: people with their second factors, channels, access lists, the release-day work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import may_read_text
from scheduler.channels.operations import access_list, get_channel
from scheduler.demo.marker import DEMO_SEEDED, demo_marker
from scheduler.demo.people import DEMO_PEOPLE, demo_sign_ins
from scheduler.demo.seed import SENT_BACK_COMMENT, SeedOutcome, next_release_morning, seed_demo
from scheduler.identity.accounts import create_user, get_user_by_email
from scheduler.models import AuditEvent, Post, PostState, Release, Role, Thread, User
from scheduler.releases.operations import release_access_list
from tests.conftest import TEST_PASSWORD
from tests.support.processes import PROJECT_ROOT

THURSDAY_BEFORE_EASTER = datetime(2027, 3, 25, 10, 0, tzinfo=UTC)


def _states(thread: Thread) -> set[PostState]:
    assert thread.twin_thread is not None
    return {post.state for post in [*thread.posts, *thread.twin_thread.posts]}


def test_the_demo_seeds_a_release_day_thread_part_cleared_part_in_review(
    session: Session, settings: Settings
) -> None:
    assert seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER) is SeedOutcome.ADDED
    english, welsh = get_channel(session, "ONSdemo"), get_channel(session, "ONSdemo_cy")
    assert english.twin is welsh
    assert english.requires_twin
    own = get_channel(session, "SianStatsONS")
    assert own.owner is not None
    assert own.owner.email == "stats@demo.gatepost.test"
    assert {(e.email, e.role) for e in access_list(session, own)} == {
        ("stats@demo.gatepost.test", "author"),
        ("approver@demo.gatepost.test", "approver"),
    }
    for corporate in (english, welsh):
        assert {(e.email, e.role) for e in access_list(session, corporate)} == {
            ("author@demo.gatepost.test", "author"),
            ("stats@demo.gatepost.test", "author"),
            ("approver@demo.gatepost.test", "approver"),
            ("welsh-approver@demo.gatepost.test", "approver"),
        }

    release = session.scalars(select(Release)).one()
    # Good Friday, the weekend and Easter Monday are skipped; the clocks went forward meanwhile.
    assert release.embargo_at == datetime(2027, 3, 30, 8, 30, tzinfo=UTC)
    assert release.title == "Labour market overview, UK: March 2027"
    # The statistician, an approver and the Welsh approver; not the admin.
    assert {entry.user.email for entry in release_access_list(session, release)} == {
        "stats@demo.gatepost.test",
        "approver@demo.gatepost.test",
        "welsh-approver@demo.gatepost.test",
    }

    threads = session.scalars(
        select(Thread).where(Thread.channel_id == english.id).order_by(Thread.id)
    ).all()
    headlines, regions = threads
    assert len(headlines.posts) == 4
    assert _states(headlines) == {PostState.SCHEDULED}
    assert {post.send_at for post in headlines.posts} == {release.embargo_at}
    assert {approval.approver.email for approval in headlines.posts[0].approvals} == {
        "welsh-approver@demo.gatepost.test"
    }
    assert len(regions.posts) == 3
    assert _states(regions) == {PostState.IN_REVIEW}
    assert {post.author.email for post in regions.posts} == {"stats@demo.gatepost.test"}

    lead = get_user_by_email(session, "lead@demo.gatepost.test")
    approver = get_user_by_email(session, "approver@demo.gatepost.test")
    post = regions.posts[0]
    assert may_read_text(session, post, approver, now=THURSDAY_BEFORE_EASTER)
    assert not may_read_text(session, post, lead, now=THURSDAY_BEFORE_EASTER)

    # The author's own work: a bilingual post in review, one sent back with a comment.
    by_author = session.scalars(
        select(Post)
        .join(User, Post.author_id == User.id)
        .where(User.email == "author@demo.gatepost.test", Post.channel_id == english.id)
        .order_by(Post.id)
    ).all()
    assert [p.state for p in by_author] == [PostState.IN_REVIEW, PostState.DRAFT]
    assert all(p.twin is not None for p in by_author)
    sent_back = session.scalars(
        select(AuditEvent).where(
            AuditEvent.post_id == by_author[1].id, AuditEvent.action == "request_changes"
        )
    ).one()
    assert sent_back.comment == SENT_BACK_COMMENT
    assert sent_back.actor_id == approver.id


def test_the_approvers_and_the_admin_have_an_authenticator_app_set_up(
    session: Session, settings: Settings
) -> None:
    seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER)
    for person in DEMO_PEOPLE:
        user = get_user_by_email(session, person.email)
        assert user.role is person.role
        assert user.name == person.name
        assert user.totp_enabled is (person.role in (Role.APPROVER, Role.ADMIN)), person.email
    sign_ins = demo_sign_ins(session)
    assert [(s.person.email, s.two_factor) for s in sign_ins] == [
        (person.email, person.role is not Role.AUTHOR) for person in DEMO_PEOPLE
    ]


def test_seeding_twice_changes_nothing_the_second_time(
    session: Session, settings: Settings
) -> None:
    seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER)
    marker = demo_marker(session)
    assert marker is not None
    assert [entry["email"] for entry in marker.details["people"]] == [
        person.email for person in DEMO_PEOPLE
    ]
    events = session.scalar(select(func.count()).select_from(AuditEvent))

    assert seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER) is SeedOutcome.ALREADY_SEEDED
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert session.scalar(select(func.count()).select_from(Post)) == 19
    assert session.scalar(select(func.count()).select_from(User)) == len(DEMO_PEOPLE)


def test_a_database_with_real_people_is_left_alone(session: Session, settings: Settings) -> None:
    create_user(session, email="lead@example.gov.uk", password=TEST_PASSWORD, role=Role.ADMIN)

    assert seed_demo(session, settings, now=THURSDAY_BEFORE_EASTER) is SeedOutcome.NOT_EMPTY
    assert session.scalar(select(func.count()).select_from(User)) == 1
    assert session.scalar(select(func.count()).select_from(Post)) == 0
    assert demo_marker(session) is None
    assert demo_sign_ins(session) == []
    assert not session.scalars(select(AuditEvent).where(AuditEvent.action == DEMO_SEEDED)).all()


def test_the_readme_lists_the_demo_sign_ins_as_they_are() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    for person in DEMO_PEOPLE:
        row = f"| `{person.email}` | `{person.password}` | {person.role.value} |"
        assert row in readme, row


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Thursday 08:00 GMT, before that day's 09:30: still the next day, Friday.
        (datetime(2027, 3, 11, 8, 0, tzinfo=UTC), datetime(2027, 3, 12, 9, 30, tzinfo=UTC)),
        # Saturday before the early May bank holiday: Tuesday, in summer time.
        (datetime(2027, 5, 1, 12, 0, tzinfo=UTC), datetime(2027, 5, 4, 8, 30, tzinfo=UTC)),
        # Friday evening: Monday.
        (datetime(2027, 3, 12, 18, 0, tzinfo=UTC), datetime(2027, 3, 15, 9, 30, tzinfo=UTC)),
        # Christmas Eve 2027 is a Friday; Christmas and Boxing Day fall at the weekend, so their
        # substitute days, Monday 27 and Tuesday 28 December, are off too.
        (datetime(2027, 12, 23, 12, 0, tzinfo=UTC), datetime(2027, 12, 24, 9, 30, tzinfo=UTC)),
        (datetime(2027, 12, 24, 12, 0, tzinfo=UTC), datetime(2027, 12, 29, 9, 30, tzinfo=UTC)),
    ],
)
def test_the_demo_release_is_the_next_working_morning(
    settings: Settings, now: datetime, expected: datetime
) -> None:
    assert next_release_morning(settings, now) == expected
