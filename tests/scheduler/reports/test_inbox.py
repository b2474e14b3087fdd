"""What waits in an approver's inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import approve
from scheduler.models import PostState
from scheduler.reports.inbox import waiting_for
from tests.support.factories import Factory


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


def test_units_on_the_approvers_channels_wait_oldest_first_a_page_at_a_time(
    factory: Factory,
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    posts = []
    for number in range(5):
        post = factory.post(channel, author)
        factory.move(post, PostState.IN_REVIEW)
        post.submitted_at = factory.now - timedelta(minutes=10 - number)
        posts.append(post)
    factory.session.flush()

    first = waiting_for(factory.session, approver, limit=2)
    second = waiting_for(factory.session, approver, after=first.next_after, limit=2)
    third = waiting_for(factory.session, approver, after=second.next_after, limit=2)

    seen = [unit[0].id for page in (first, second, third) for unit in page.units]
    assert seen == [post.id for post in posts]
    assert third.next_after is None


def test_twins_wait_as_one_unit(factory: Factory) -> None:
    english, welsh = factory.twin_channels()
    post = factory.post(english, factory.author(english, welsh), twin_text="Testun")
    factory.move(post, PostState.IN_REVIEW)

    page = waiting_for(factory.session, factory.approver(english, welsh))

    assert len(page.units) == 1
    assert {member.id for member in page.units[0]} == {post.id, post.twin_id}


def test_own_posts_other_channels_and_posts_already_approved_do_not_wait(
    factory: Factory,
) -> None:
    channel = factory.channel(approvals_required=2)
    elsewhere = factory.channel()
    approver = factory.approver(channel)
    factory.grant(approver, [channel], "author")
    own = factory.post(channel, approver)
    factory.move(own, PostState.IN_REVIEW)
    other = factory.post(elsewhere, factory.author(elsewhere))
    factory.move(other, PostState.IN_REVIEW)
    cleared = factory.post(channel, factory.author(channel))
    factory.move(cleared, PostState.IN_REVIEW)
    approve(factory.session, cleared, by=approver, settings=factory.settings, now=factory.now)

    assert waiting_for(factory.session, approver).units == []
    assert [
        unit[0].id for unit in waiting_for(factory.session, factory.approver(channel)).units
    ] == [
        own.id,
        cleared.id,
    ]
