"""Build scheduled posts straight from the models (the clearance operations live elsewhere)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from config import Settings, load_settings
from scheduler.core.database import Database
from scheduler.identity.passwords import hash_password
from scheduler.models import (
    Approval,
    Channel,
    Post,
    PostState,
    PublishOverride,
    Release,
    Role,
    Thread,
    User,
)

TEST_PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per test run.
    return hash_password(TEST_PASSWORD)


class PublishingFactory:
    """Channels, releases, threads, twins and approved scheduled posts for publishing tests."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._numbers = itertools.count(1)
        self.author = self.user(Role.AUTHOR)
        self.approver = self.user(Role.APPROVER)
        self.admin = self.user(Role.ADMIN)

    def user(self, role: Role) -> User:
        """Add a person with the shared test password."""
        number = next(self._numbers)
        user = User(
            email=f"{role.value}{number}@example.gov.uk",
            name=f"{role.value.title()} {number}",
            password_hash=_password_hash(),
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
        requires_twin: bool = False,
        approvals_required: int = 1,
        platform_options: dict[str, Any] | None = None,
        platform: str = "mock",
    ) -> Channel:
        """Add a channel on the mock platform."""
        channel = Channel(
            platform=platform,
            handle=handle or f"@channel{next(self._numbers)}",
            language=language,
            requires_twin=requires_twin,
            approvals_required=approvals_required,
            platform_options=platform_options or {},
        )
        self.session.add(channel)
        self.session.flush()
        return channel

    def twin_channels(self, *, requires_twin: bool = True) -> tuple[Channel, Channel]:
        """Add an English channel and its Welsh twin."""
        number = next(self._numbers)
        english = self.channel(f"@ONS{number}", requires_twin=requires_twin)
        welsh = self.channel(f"@ONS{number}_cy", language="cy", requires_twin=requires_twin)
        english.twin_id, welsh.twin_id = welsh.id, english.id
        self.session.flush()
        return english, welsh

    def release(self, embargo_at: datetime, title: str = "Labour market overview") -> Release:
        """Add a statistical release embargoed until the instant."""
        release = Release(title=title, embargo_at=embargo_at)
        self.session.add(release)
        self.session.flush()
        return release

    def post(
        self,
        channel: Channel,
        *,
        send_at: datetime,
        text: str | None = None,
        release: Release | None = None,
        approvers: Sequence[User] | None = None,
        thread: Thread | None = None,
        position: int | None = None,
        state: PostState = PostState.SCHEDULED,
        author: User | None = None,
    ) -> Post:
        """Add a post scheduled (due) at send_at and approved by the factory's approver."""
        number = next(self._numbers)
        post = Post(
            channel_id=channel.id,
            author_id=(author or self.author).id,
            text=text or f"Post {number}: unemployment rate 4.2%",
            send_at=send_at,
            due_at=send_at if state is PostState.SCHEDULED else None,
            release_id=release.id if release else None,
            thread_id=thread.id if thread else None,
            thread_position=position,
            state=state,
        )
        self.session.add(post)
        self.session.flush()
        for approver in [self.approver] if approvers is None else approvers:
            self.session.add(Approval(post_id=post.id, approver_id=approver.id, content_version=1))
        self.session.flush()
        return post

    def twins(
        self,
        english: Channel,
        welsh: Channel,
        *,
        send_at: datetime,
        release: Release | None = None,
        welsh_state: PostState = PostState.SCHEDULED,
    ) -> tuple[Post, Post]:
        """Add an English post and its Welsh twin, each pointing at the other."""
        first = self.post(english, send_at=send_at, release=release, text="Unemployment 4.2%")
        second = self.post(
            welsh, send_at=send_at, release=release, text="Diweithdra 4.2%", state=welsh_state
        )
        first.twin_id, second.twin_id = second.id, first.id
        self.session.flush()
        return first, second

    def thread(
        self,
        channel: Channel,
        count: int,
        *,
        send_at: datetime,
        release: Release | None = None,
    ) -> list[Post]:
        """Add a thread of `count` scheduled posts on the channel."""
        thread = Thread(channel_id=channel.id, release_id=release.id if release else None)
        self.session.add(thread)
        self.session.flush()
        return [
            self.post(
                channel,
                send_at=send_at,
                release=release,
                thread=thread,
                position=position,
                text=f"Thread post {position} of {count}",
            )
            for position in range(1, count + 1)
        ]

    def override(self, post: Post, reason: str = "Ministerial statement") -> PublishOverride:
        """Record an admin override for the post's current content version."""
        override = PublishOverride(
            post_id=post.id,
            content_version=post.content_version,
            reason=reason,
            granted_by_id=self.admin.id,
        )
        self.session.add(override)
        self.session.flush()
        return override


def bulk_scheduled_posts(
    session: Session,
    factory: PublishingFactory,
    channels: Sequence[Channel],
    count: int,
    *,
    due_at: datetime,
    override: bool = True,
) -> list[int]:
    """Insert `count` approved posts due at one instant, spread over the channels, in bulk.

    With `override`, each carries an admin override, so the test does not depend on the time
    of day it runs at.
    """
    posts_table = Post.__table__
    session.execute(
        insert(posts_table),
        [
            {
                "channel_id": channels[number % len(channels)].id,
                "author_id": factory.author.id,
                "text": f"Bulk post {number}: unemployment rate 4.2%",
                "send_at": due_at,
                "due_at": due_at,
                "state": PostState.SCHEDULED,
                "version": 1,
                "content_version": 1,
                "attempts": 0,
            }
            for number in range(count)
        ],
    )
    ids = list(
        session.scalars(select(Post.id).where(Post.text.startswith("Bulk post ")).order_by(Post.id))
    )
    session.execute(
        insert(Approval.__table__),
        [
            {"post_id": post_id, "approver_id": factory.approver.id, "content_version": 1}
            for post_id in ids
        ],
    )
    if override:
        session.execute(
            insert(PublishOverride.__table__),
            [
                {
                    "post_id": post_id,
                    "content_version": 1,
                    "reason": "Load test",
                    "granted_by_id": factory.admin.id,
                }
                for post_id in ids
            ],
        )
    return ids


def make_settings(database: Database, tmp_path: Path, **overrides: Any) -> Settings:
    """Return test settings with a ledger in tmp_path, changed by the overrides."""
    values: dict[str, Any] = {
        "instance_path": str(tmp_path / "instance"),
        "database_url": database.url,
        "secret_key": "test-secret-key-that-is-long-enough",
        "mock_ledger": str(tmp_path / "ledger.jsonl"),
        "retry": {"base_delay_seconds": 30, "max_delay_seconds": 900, "max_attempts": 3},
    }
    values.update(overrides)
    return load_settings({}, overrides=values)
