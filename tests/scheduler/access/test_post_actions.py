"""Which actions a person is offered on a post."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.post_actions import available_actions, may_view_post
from scheduler.clearance import Action, approve
from scheduler.models import PostState
from tests.support.factories import Factory


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


def test_the_author_may_submit_but_never_approve_their_own_post(factory: Factory) -> None:
    channel = factory.channel()
    author = factory.grant(factory.user("approver"), [channel], "author", "approver")
    post = factory.post(channel, author)
    offered = available_actions(
        factory.session, post, by=author, settings=factory.settings, now=factory.now
    )
    assert Action.SUBMIT in offered
    assert Action.EDIT in offered

    factory.move(post, PostState.IN_REVIEW)
    offered = available_actions(
        factory.session, post, by=author, settings=factory.settings, now=factory.now
    )
    assert Action.APPROVE not in offered
    assert Action.REQUEST_CHANGES not in offered
    assert Action.WITHDRAW in offered


def test_an_approver_is_offered_clearance_once(factory: Factory) -> None:
    channel = factory.channel(approvals_required=2)
    post = factory.post(channel, factory.author(channel))
    factory.move(post, PostState.IN_REVIEW)
    approver = factory.approver(channel)

    before = available_actions(
        factory.session, post, by=approver, settings=factory.settings, now=factory.now
    )
    approve(factory.session, post, by=approver, settings=factory.settings, now=factory.now)
    after = available_actions(
        factory.session, post, by=approver, settings=factory.settings, now=factory.now
    )

    assert Action.APPROVE in before
    assert Action.REQUEST_CHANGES in before
    assert Action.APPROVE not in after


def test_people_without_channel_access_may_not_open_a_post(factory: Factory) -> None:
    channel = factory.channel()
    post = factory.post(channel, factory.author(channel))

    assert may_view_post(factory.session, post, factory.approver(channel))
    assert not may_view_post(factory.session, post, factory.author(factory.channel()))
    assert may_view_post(factory.session, post, factory.user("admin"))
