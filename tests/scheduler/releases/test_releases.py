"""Releases: embargoes, moving them (posts follow), and the pre-release access list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clearance import approval_count, create_thread, edit_post, post_history
from scheduler.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import AuditEvent, PostState, Role
from scheduler.releases.operations import (
    create_release,
    grant_release_access,
    list_releases,
    move_embargo,
    release_access_list,
    revoke_release_access,
)
from tests.support.factories import NOW, Factory


def test_a_release_keeps_its_creator_and_named_people_on_the_access_list(
    factory: Factory, session: Session
) -> None:
    statistician = factory.user(Role.AUTHOR, email="stats@example.gov.uk")
    officer = factory.user(Role.APPROVER, email="officer@example.gov.uk")
    release = create_release(
        session,
        title=" Labour market overview ",
        embargo_at=NOW + timedelta(days=2),
        by=statistician,
        access=[officer],
        now=NOW,
    )
    assert release.title == "Labour market overview"
    assert [entry.user.email for entry in release_access_list(session, release)] == [
        "officer@example.gov.uk",
        "stats@example.gov.uk",
    ]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.release_id == release.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["release_created", "release_access_granted", "release_access_granted"]
    assert list_releases(session) == [release]


@pytest.mark.parametrize(
    ("title", "hours", "message"),
    [("", 1, "Give the release a title"), ("Figures", -1, "The embargo must be in the future")],
)
def test_bad_releases_are_refused(session: Session, title: str, hours: int, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        create_release(
            session, title=title, embargo_at=NOW + timedelta(hours=hours), by=None, now=NOW
        )


def test_moving_the_embargo_later_moves_posts_with_it_and_keeps_approvals(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    release = factory.release(access=[author, approver])
    embargo = release.embargo_at
    at_embargo = factory.post(channel, author, release=release, send_at=embargo)
    factory.move(at_embargo, PostState.SCHEDULED, approvers=[approver])
    well_after = factory.post(channel, author, release=release, send_at=embargo + timedelta(days=3))
    no_time = factory.post(channel, author, release=release)

    new_embargo = embargo + timedelta(days=1)
    moved = move_embargo(
        session, release, embargo_at=new_embargo, by=None, settings=factory.settings, now=NOW
    )
    assert moved == [at_embargo]
    assert at_embargo.state is PostState.SCHEDULED
    assert at_embargo.send_at == at_embargo.due_at == new_embargo
    assert approval_count(at_embargo) == 1
    event = post_history(session, at_embargo)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "send_time_moved_with_embargo",
        "scheduled",
        "scheduled",
    )
    assert "approvals stand" in event.comment
    assert well_after.send_at == embargo + timedelta(days=3)
    assert no_time.send_at is None
    assert len(post_history(session, well_after)) == 1

    # Earlier again: the post's time was chosen for the later embargo and stays.
    assert (
        move_embargo(
            session, release, embargo_at=embargo, by=None, settings=factory.settings, now=NOW
        )
        == []
    )
    assert at_embargo.send_at == new_embargo


def test_moving_the_embargo_moves_a_whole_thread_and_its_twins(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    release = factory.release(access=[author])
    thread = create_thread(
        session,
        channel=english,
        texts=["One", "Two"],
        twin_texts=["Un", "Dau"],
        by=author,
        settings=factory.settings,
        release=release,
        send_at=release.embargo_at,
        now=NOW,
    )
    later = release.embargo_at + timedelta(hours=2)
    moved = move_embargo(
        session, release, embargo_at=later, by=None, settings=factory.settings, now=NOW
    )
    assert len(moved) == 4
    assert thread.twin_thread is not None
    assert {p.send_at for p in [*thread.posts, *thread.twin_thread.posts]} == {later}


def test_only_the_creator_or_an_admin_moves_an_embargo_or_changes_access(
    factory: Factory, session: Session
) -> None:
    creator = factory.user(Role.AUTHOR)
    stranger = factory.user(Role.APPROVER)
    release = factory.release(by=creator)
    with pytest.raises(PermissionDenied, match="Only admins and the person who created"):
        move_embargo(
            session,
            release,
            embargo_at=release.embargo_at + timedelta(hours=1),
            by=stranger,
            settings=factory.settings,
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        grant_release_access(session, release, user=stranger, by=stranger, now=NOW)
    grant_release_access(session, release, user=stranger, by=creator, now=NOW)
    with pytest.raises(Conflict, match="already on the access list"):
        grant_release_access(session, release, user=stranger, by=creator, now=NOW)
    revoke_release_access(session, release, user=stranger, by=factory.user(Role.ADMIN), now=NOW)
    with pytest.raises(NotFound, match="is not on the access list"):
        revoke_release_access(session, release, user=stranger, by=creator, now=NOW)
    with pytest.raises(ValidationFailed, match="into the past"):
        move_embargo(
            session,
            release,
            embargo_at=NOW - timedelta(minutes=1),
            by=creator,
            settings=factory.settings,
            now=NOW,
        )


def test_moving_a_thread_to_another_release_moves_the_whole_thread(
    factory: Factory, session: Session
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    first, second = factory.release(access=[author]), factory.release(access=[author])
    thread = create_thread(
        session,
        channel=english,
        texts=["One", "Two"],
        twin_texts=["Un", "Dau"],
        by=author,
        settings=factory.settings,
        release=first,
        now=NOW,
    )
    edit_post(session, thread.posts[1], by=author, settings=factory.settings, release=second)
    assert thread.twin_thread is not None
    assert {p.release_id for p in [*thread.posts, *thread.twin_thread.posts]} == {second.id}
    assert (thread.release_id, thread.twin_thread.release_id) == (second.id, second.id)
