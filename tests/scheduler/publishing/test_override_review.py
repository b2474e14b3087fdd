"""Held posts and overrides, as the admin overrides page lists them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import edit_post
from scheduler.models import PostState
from scheduler.publishing.override_review import has_current_override, held_posts, recent_overrides
from scheduler.publishing.overrides import grant_override
from tests.support.factories import Factory


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    """Return the clearance factory: these posts are made by people, not seeded for a pass."""
    return Factory(session, settings)


def test_held_posts_are_the_scheduled_ones_with_a_hold(session: Session, factory: Factory) -> None:
    channel = factory.channel()
    author, approver = factory.author(channel), factory.approver(channel)
    send_at = datetime(2027, 3, 13, 7, 0, tzinfo=UTC)
    held = factory.move(
        factory.post(channel, author, send_at=send_at), PostState.SCHEDULED, approvers=[approver]
    )
    free = factory.move(
        factory.post(channel, author, send_at=send_at), PostState.SCHEDULED, approvers=[approver]
    )
    factory.post(channel, author)  # a draft is never held
    held.hold_reason = "Outside office hours"
    session.flush()
    assert [post.id for post in held_posts(session)] == [held.id]
    assert free not in held_posts(session)


def test_an_override_counts_for_the_current_text_only(session: Session, factory: Factory) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    admin = factory.user("admin")
    post = factory.post(channel, author)
    assert not has_current_override(session, post)
    override = grant_override(session, post, by=admin, reason="Urgent", now=factory.now)
    assert has_current_override(session, post)
    assert recent_overrides(session)[0].id == override.id
    edit_post(
        session,
        post,
        by=author,
        settings=factory.settings,
        text="New words for the post",
        now=factory.now,
    )
    assert not has_current_override(session, post)
