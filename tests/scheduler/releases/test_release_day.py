"""Writing a release-day thread in one go: new release, posts, and sending it for clearance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.errors import ValidationFailed
from scheduler.models import PostState, Release
from scheduler.releases.release_day import NewRelease, write_thread
from tests.support.factories import NOW, Factory


def test_a_thread_for_a_new_release_is_written_and_sent_for_clearance(
    session: Session, factory: Factory, settings: Settings
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    embargo = NOW + timedelta(days=2)
    written = write_thread(
        session,
        channel=channel,
        texts=["First of two", "Second of two"],
        by=author,
        settings=settings,
        send_at=embargo,
        new_release=NewRelease(title="Labour market, March", embargo_at=embargo),
        submit_for_clearance=True,
        now=NOW,
    )
    posts = written.thread.posts
    assert [post.text for post in posts] == ["First of two", "Second of two"]
    assert {post.state for post in posts} == {PostState.IN_REVIEW}
    assert written.submitted is not None
    assert posts[0].release is not None
    assert posts[0].release.title == "Labour market, March"
    assert author.id in [entry.user_id for entry in posts[0].release.access]


def test_a_thread_not_sent_stays_a_draft(
    session: Session, factory: Factory, settings: Settings
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    written = write_thread(
        session, channel=channel, texts=["Only one"], by=author, settings=settings, now=NOW
    )
    assert written.submitted is None
    assert written.thread.posts[0].state is PostState.DRAFT


def test_an_existing_release_and_a_new_one_are_refused_before_anything_is_made(
    session: Session, factory: Factory, settings: Settings
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    release = factory.release(access=[author])
    releases = session.scalar(select(func.count()).select_from(Release))
    with pytest.raises(ValidationFailed) as refused:
        write_thread(
            session,
            channel=channel,
            texts=["Text"],
            by=author,
            settings=settings,
            release=release,
            new_release=NewRelease(title="Another", embargo_at=NOW + timedelta(days=1)),
            now=NOW,
        )
    assert refused.value.field == "new_release_title"
    assert session.scalar(select(func.count()).select_from(Release)) == releases
