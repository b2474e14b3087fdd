"""Factories for people, channels, releases and posts in any state (domain, web and API tests)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.operations import create_channel, grant_access
from scheduler.clearance import (
    TRANSITIONS,
    Action,
    Actor,
    approve,
    create_post,
    submit,
    withdraw,
)
from scheduler.core import audit
from scheduler.identity.passwords import hash_password
from scheduler.models import AccessRole, Channel, Post, PostState, Release, Role, User
from scheduler.releases.operations import create_release
from tests.conftest import TEST_PASSWORD

#: A Wednesday morning in March, before the clocks go forward.
NOW = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)


def worker_action(state: PostState) -> str:
    """Return the transition table's worker action that puts a post in the state."""
    [action] = {row.action.value for row in TRANSITIONS
                if row.actor is Actor.SYSTEM and row.target is state}  # fmt: skip
    return action


@functools.cache
def test_password_hash() -> str:
    """Return one Argon2 hash of the test password (hashing is slow on purpose)."""
    return hash_password(TEST_PASSWORD)


# States the publishing worker puts posts in, reached from scheduled.
WORKER_STATES = (
    PostState.PUBLISHING,
    PostState.PUBLISHED,
    PostState.FAILED,
    PostState.UNKNOWN,
    PostState.MISSED,
    PostState.REMOVED,
)


class Factory:
    """Build test data through the real operations, at a fixed instant."""

    def __init__(self, session: Session, settings: Settings, now: datetime = NOW) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self._numbers = itertools.count(1)

    def number(self) -> int:
        """Return a number not used before by this factory."""
        return next(self._numbers)

    def user(
        self, role: Role | str = Role.AUTHOR, *, email: str | None = None, name: str = ""
    ) -> User:
        """Add a person who can sign in with TEST_PASSWORD."""
        role = Role(role)
        number = self.number()
        user = User(
            email=email or f"{role.value}{number}@example.gov.uk",
            name=name or f"{role.value.title()} {number}",
            password_hash=test_password_hash(),
            role=role,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def channel(
        self,
        handle: str | None = None,
        *,
        language: str = "en",
        twin: Channel | None = None,
        requires_twin: bool = False,
        approvals_required: int = 1,
        owner: User | None = None,
    ) -> Channel:
        """Add a mock-platform channel."""
        return create_channel(
            self.session,
            platform="mock",
            handle=handle or f"channel{self.number()}",
            language=language,
            twin_handle=twin.handle if twin else None,
            requires_twin=requires_twin,
            approvals_required=approvals_required,
            owner=owner,
            now=self.now,
        )

    def twin_channels(
        self, *, requires_twin: bool = True, approvals_required: int = 1
    ) -> tuple[Channel, Channel]:
        """Add an English channel and its Welsh twin."""
        number = self.number()
        welsh = self.channel(f"cymraeg{number}", language="cy")
        english = self.channel(
            f"english{number}",
            twin=welsh,
            requires_twin=requires_twin,
            approvals_required=approvals_required,
        )
        return english, welsh

    def grant(self, user: User, channels: Iterable[Channel], *roles: AccessRole) -> User:
        """Give the person the roles on each channel."""
        for channel in channels:
            for role in roles:
                grant_access(self.session, channel=channel, user=user, role=role, now=self.now)
        return user

    def author(self, *channels: Channel) -> User:
        """Add an author with author access to the channels."""
        return self.grant(self.user(Role.AUTHOR), channels, AccessRole.AUTHOR)

    def approver(self, *channels: Channel) -> User:
        """Add an approver with approver access to the channels."""
        return self.grant(self.user(Role.APPROVER), channels, AccessRole.APPROVER)

    def release(
        self,
        *,
        embargo_at: datetime | None = None,
        access: Iterable[User] = (),
        by: User | None = None,
        title: str = "",
    ) -> Release:
        """Add a release, by default embargoed until 09:30 two days from now."""
        return create_release(
            self.session,
            title=title or f"Release {self.number()}",
            embargo_at=embargo_at or self.now.replace(hour=9, minute=30) + timedelta(days=2),
            by=by,
            access=access,
            now=self.now,
        )

    def post(
        self,
        channel: Channel,
        author: User,
        *,
        text: str | None = None,
        send_at: datetime | None = None,
        release: Release | None = None,
        twin_text: str | None = None,
    ) -> Post:
        """Add a draft post through create_post."""
        return create_post(
            self.session,
            channel=channel,
            text=text or f"Post number {self.number()} about the latest figures",
            by=author,
            settings=self.settings,
            send_at=send_at,
            release=release,
            twin_text=twin_text,
            now=self.now,
        )

    def move(self, post: Post, state: PostState, *, approvers: Iterable[User] = ()) -> Post:
        """Take a draft post (and its unit) to the state through the real operations.

        Approved and scheduled need approvers (enough for the channel); a post with a future
        send time becomes scheduled on approval, one without stays approved. The worker's
        states are reached from scheduled as the worker would, with its audit event.
        """
        if state is PostState.DRAFT:
            return post
        if state is PostState.WITHDRAWN:
            withdraw(self.session, post, by=post.author, settings=self.settings, now=self.now)
            return post
        submit(self.session, post, by=post.author, settings=self.settings, now=self.now)
        if state is PostState.IN_REVIEW:
            return post
        for approver in approvers:
            approve(self.session, post, by=approver, settings=self.settings, now=self.now)
        wanted = PostState.APPROVED if state is PostState.APPROVED else PostState.SCHEDULED
        assert post.state is wanted, f"setting up {state}: post is {post.state}, not {wanted}"
        if state in WORKER_STATES:
            self.worker_sets(post, state)
        return post

    def worker_sets(self, post: Post, state: PostState) -> None:
        """Put a scheduled post in one of the worker's states, as the worker records it."""
        before = post.state
        if state in (PostState.PUBLISHING, PostState.UNKNOWN):
            post.lease_owner = "worker:test"
            post.lease_expires_at = self.now + timedelta(minutes=2)
        if state in (PostState.PUBLISHED, PostState.REMOVED):
            post.published_at = self.now
            post.external_id = f"mock-{post.id}"
        if state is PostState.REMOVED:
            post.removed_at = self.now
        if state is PostState.FAILED:
            post.last_error = "The platform refused the post"
        post.state = state
        self.session.flush()
        # The worker never removes a post (people do, scheduler/clearance/removal.py); the shortcut
        # records it under the table's name all the same.
        audit.record(
            self.session,
            Action.REMOVE.value if state is PostState.REMOVED else worker_action(state),
            actor_label="worker:test",
            post=post,
            from_state=before.value,
            to_state=state.value,
            at=self.now,
        )
        self.session.flush()
