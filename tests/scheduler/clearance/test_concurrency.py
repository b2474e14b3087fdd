"""Two officers acting on one post at once: one wins, the other is told to reload."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import approve, edit_post, get_post, request_changes
from scheduler.clearance.changes import CONFLICT_MESSAGE
from scheduler.core.database import Database
from scheduler.core.errors import Conflict, DomainError
from scheduler.models import PostState, User
from tests.support.factories import NOW, Factory


def seed(database: Database, settings: Settings, approvals_required: int = 1) -> dict[str, int]:
    with database.unit_of_work() as session:
        factory = Factory(session, settings)
        channel = factory.channel(approvals_required=approvals_required)
        author = factory.author(channel)
        first, second = factory.approver(channel), factory.approver(channel)
        post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
        return {"post": post.id, "author": author.id, "first": first.id, "second": second.id}


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def test_a_stale_version_from_the_page_gets_a_conflict(
    committed_database: Database, settings: Settings
) -> None:
    ids = seed(committed_database, settings)
    with committed_database.unit_of_work() as session:
        opened_at = get_post(session, ids["post"]).version  # both officers open the page

    with committed_database.unit_of_work() as session:
        post = get_post(session, ids["post"])
        approve(
            session,
            post,
            by=user(session, ids["first"]),
            settings=settings,
            now=NOW,
            expected_version=opened_at,
        )

    with committed_database.unit_of_work() as session:
        post = get_post(session, ids["post"])
        second = user(session, ids["second"])
        with pytest.raises(Conflict) as refused:
            request_changes(
                session,
                post,
                comment="No",
                by=second,
                settings=settings,
                now=NOW,
                expected_version=opened_at,
            )
    assert refused.value.message == CONFLICT_MESSAGE
    with committed_database.unit_of_work() as session:
        assert (
            get_post(session, ids["post"]).state is PostState.SCHEDULED
            or get_post(session, ids["post"]).state is PostState.APPROVED
        )


def test_a_write_over_a_row_someone_else_changed_gets_a_conflict(
    committed_database: Database, settings: Settings
) -> None:
    ids = seed(committed_database, settings)
    slow = committed_database.session_factory()
    stale_post = get_post(slow, ids["post"])
    author = user(slow, ids["author"])
    slow.commit()  # the author's page is open; the loaded post is kept, not refreshed

    with committed_database.unit_of_work() as session:
        approve(
            session,
            get_post(session, ids["post"]),
            by=user(session, ids["first"]),
            settings=settings,
            now=NOW,
        )

    with pytest.raises(Conflict, match="changed by someone else"):
        edit_post(slow, stale_post, by=author, settings=settings, text="Late edit", now=NOW)
    slow.rollback()
    slow.close()
    with committed_database.unit_of_work() as session:
        post = get_post(session, ids["post"])
        assert post.text != "Late edit"
        assert post.state is PostState.APPROVED


@pytest.mark.only_on(
    "postgresql", why="SQLite lets one writer in at a time, so two approvals cannot overlap there"
)
def test_two_approvers_at_the_same_moment_one_wins(
    backend: str, committed_database: Database, settings: Settings
) -> None:
    ids = seed(committed_database, settings, approvals_required=2)
    both_loaded = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def officer(name: str) -> None:
        try:
            with committed_database.unit_of_work() as session:
                post = get_post(session, ids["post"])
                approver = user(session, ids[name])
                _ = post.approvals, post.channel  # loaded before either writes
                both_loaded.wait()
                approve(session, post, by=approver, settings=settings, now=NOW)
            outcomes[name] = "approved"
        except DomainError as error:
            outcomes[name] = type(error).__name__

    threads = [threading.Thread(target=officer, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["Conflict", "approved"]
    with committed_database.unit_of_work() as session:
        post = get_post(session, ids["post"])
        # One approval of two: the loser's approval was not silently counted.
        assert post.state is PostState.IN_REVIEW
        assert len([a for a in post.approvals if a.voided_at is None]) == 1
