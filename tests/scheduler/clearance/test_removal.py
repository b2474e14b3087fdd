"""Removing a published post from its platform."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import post_history
from scheduler.clearance.removal import PlatformRefused, remove_published
from scheduler.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from scheduler.models import Post, PostState
from scheduler.platforms.base import Account, PermanentError, PublishRequest
from scheduler.platforms.registry import get_platform
from tests.support.factories import Factory


@pytest.fixture(autouse=True)
def _platform() -> None:
    """Use the real mock platform here: removal deletes from its ledger."""


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings)


def published(factory: Factory) -> tuple[Post, object]:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.post(channel, author)
    factory.move(post, PostState.APPROVED, approvers=[approver])
    platform = get_platform("mock", factory.settings)
    result = platform.publish(
        PublishRequest(
            account=Account(channel.handle), text=post.text, idempotency_key=post.idempotency_key
        )
    )
    post.state = PostState.PUBLISHED
    post.external_id = result.external_id
    post.published_at = result.published_at
    factory.session.flush()
    return post, approver


def test_an_approver_removes_a_published_post_with_one_audit_event(factory: Factory) -> None:
    post, approver = published(factory)
    before = len(post_history(factory.session, post))

    remove_published(
        factory.session, post, by=approver, reason="Wrong figures", settings=factory.settings
    )

    assert post.state is PostState.REMOVED
    assert post.removed_at is not None
    events = post_history(factory.session, post)
    assert len(events) == before + 1
    assert events[-1].action == "remove"
    assert events[-1].comment == "Wrong figures"
    assert events[-1].to_state == "removed"
    platform = get_platform("mock", factory.settings)
    with pytest.raises(PermanentError, match="no post"):  # already gone from the platform
        platform.delete(Account(post.channel.handle), post.external_id)


def test_removal_needs_a_reason(factory: Factory) -> None:
    post, approver = published(factory)

    with pytest.raises(ValidationFailed, match="reason") as raised:
        remove_published(factory.session, post, by=approver, reason="  ", settings=factory.settings)

    assert raised.value.field == "reason"
    assert post.state is PostState.PUBLISHED


def test_the_author_cannot_remove_without_approver_access(factory: Factory) -> None:
    post, _approver = published(factory)

    with pytest.raises(PermissionDenied, match="approver access"):
        remove_published(
            factory.session, post, by=post.author, reason="Oops", settings=factory.settings
        )


def test_only_a_published_post_can_be_removed(factory: Factory) -> None:
    channel = factory.channel()
    approver = factory.approver(channel)
    post = factory.post(channel, factory.author(channel))

    with pytest.raises(InvalidTransition, match="only a published post"):
        remove_published(factory.session, post, by=approver, reason="x", settings=factory.settings)


def test_a_platform_refusal_leaves_the_post_published(factory: Factory) -> None:
    post, approver = published(factory)
    post.external_id = "mock-does-not-exist"
    factory.session.flush()
    before = len(post_history(factory.session, post))

    with pytest.raises(PlatformRefused, match="still published"):
        remove_published(factory.session, post, by=approver, reason="x", settings=factory.settings)

    assert post.state is PostState.PUBLISHED
    assert len(post_history(factory.session, post)) == before


def test_a_stale_version_is_a_conflict(factory: Factory) -> None:
    post, approver = published(factory)

    with pytest.raises(Conflict):
        remove_published(
            factory.session,
            post,
            by=approver,
            reason="x",
            settings=factory.settings,
            expected_version=post.version - 1,
        )
