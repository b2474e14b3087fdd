"""How the API shows posts: every field a script needs, with embargoed text hidden or recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import request
from pydantic import Field

from scheduler.access.rules import TextAccess, ViewingLog, is_embargoed, read_texts
from scheduler.clearance import approval_count
from scheduler.models import Post, PostState, Thread
from web.api.endpoints import ApiCall
from web.api.schemas import ResponseBody
from web.extensions import db

#: What the audit trail and the embargo viewing log record as the way a text was read.
API_VIA = "api"


class PostOut(ResponseBody):
    """A post: its state, text (unless embargoed from you), timing and publishing outcome."""

    id: int
    state: PostState = Field(description="One of the clearance states of DESIGN.md")
    version: int = Field(
        description="Row version: send it back as `version` to edit or act, and a stale one "
        "gets 409"
    )
    content_version: int = Field(description="Bumped on every change of text, time or twin")
    channel: str = Field(description="The channel's handle, without @")
    language: str
    text: str | None = Field(
        description="The text; null when it is embargoed and you are not on the release's "
        "access list"
    )
    embargoed_until: datetime | None = Field(
        description="Set (the release's embargo) when the text is hidden from you"
    )
    send_at: datetime | None
    release_id: int | None
    thread_id: int | None
    thread_position: int | None
    twin_id: int | None
    author: str = Field(description="The author's e-mail address")
    approvals: int = Field(description="Approvals of the current content version that count")
    approvals_required: int
    hold_reason: str | None = Field(description="Why the worker is holding it, if it is")
    hold_until: datetime | None
    attempts: int
    last_error: str | None
    external_id: str | None = Field(description="The platform's id once published")
    published_at: datetime | None
    twin_gap_ms: float | None = Field(description="Measured gap to its twin's publication")
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PostReads:
    """Decide who sees which texts, recording each read of embargoed text (via the API)."""

    def __init__(self, call: ApiCall) -> None:
        self.call = call
        self._access = TextAccess(call.session, call.user, now=call.now)

    def hidden(self, post: Post) -> bool:
        """Return whether the caller may not read the post's text now."""
        return not self._access.allows(post)

    def title_of(self, thread: Thread) -> str | None:
        """Return the thread's title, or None while it is embargoed from the caller."""
        return thread.title if self._access.allows_title(thread) else None

    def record(self, posts: Iterable[Post]) -> None:
        """Record the caller's read of every embargoed text about to be shown to them."""
        shown = [
            post
            for post in posts
            if is_embargoed(post, now=self.call.now) and not self.hidden(post)
        ]
        if not shown:
            return
        viewings = ViewingLog()
        read_texts(
            self.call.session,
            shown,
            reader=self.call.user,
            now=self.call.now,
            via=API_VIA,
            log=viewings,
        )
        if request.method in ("GET", "HEAD"):
            # A read's session only reads (no SQLite write lock): the record is written apart,
            # and a record that cannot be written does not fail the read.
            viewings.record_apart(db.database.session_factory)
        else:
            # A write's session holds the write lock already; the record commits with it.
            viewings.record_in(self.call.session)

    def describe(self, post: Post) -> PostOut:
        """Return the post as the caller may see it (record the reads first)."""
        hidden = self.hidden(post)
        release = post.release
        return PostOut(
            id=post.id,
            state=post.state,
            version=post.version,
            content_version=post.content_version,
            channel=post.channel.handle,
            language=post.channel.language,
            text=None if hidden else post.text,
            embargoed_until=release.embargo_at if hidden and release is not None else None,
            send_at=post.send_at,
            release_id=post.release_id,
            thread_id=post.thread_id,
            thread_position=post.thread_position,
            twin_id=post.twin_id,
            author=post.author.email,
            approvals=approval_count(post),
            approvals_required=post.channel.approvals_required,
            hold_reason=post.hold_reason,
            hold_until=post.hold_until,
            attempts=post.attempts,
            last_error=post.last_error,
            external_id=post.external_id,
            published_at=post.published_at,
            twin_gap_ms=post.twin_gap_ms,
            submitted_at=post.submitted_at,
            created_at=post.created_at,
            updated_at=post.updated_at,
        )

    def show(self, posts: Iterable[Post]) -> list[PostOut]:
        """Record the reads and return the posts as the caller may see them."""
        listed = list(posts)
        self.record(listed)
        return [self.describe(post) for post in listed]


def show_post(call: ApiCall, post: Post) -> PostOut:
    """Return one post as the caller may see it, recording a read of embargoed text."""
    return PostReads(call).show([post])[0]
