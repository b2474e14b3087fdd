"""What changed in a post since someone last reviewed it: its text word by word, its send time,
its channel and its twin."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.clearance.transitions import Action, audit_names
from scheduler.models import AuditEvent, Channel, Post, PostRevision

#: Audit actions that mean a person looked at the text and decided.
REVIEW_ACTIONS = (*audit_names(Action.APPROVE), *audit_names(Action.REQUEST_CHANGES))
_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class DiffPiece:
    """A run of text kept, added or taken out."""

    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class ReviewedVersion:
    """A post as it stood when it was last approved or sent back."""

    post_id: int
    reviewed_at: datetime
    #: The audit action of the review: "approve" or "request_changes".
    action: str
    text: str
    send_at: datetime | None
    channel_id: int

    @property
    def sent_back(self) -> bool:
        """Return whether the review sent the post back (rather than approving it)."""
        return self.action in audit_names(Action.REQUEST_CHANGES)


@dataclass(frozen=True)
class ReviewChanges:
    """What changed in one post since its last review; each field None when it did not."""

    reviewed: ReviewedVersion
    text: list[DiffPiece] | None
    #: (before, after) when the send time changed.
    send_at: tuple[datetime | None, datetime | None] | None
    #: (before, after) handles when the post moved to another channel.
    channel: tuple[str, str] | None
    #: The twin was written after the review: all of its text is new.
    twin_added: bool = False
    #: The twin's own changes since the same review (the post page shows them beside the post's).
    twin: ReviewChanges | None = None

    @property
    def any(self) -> bool:
        """Return whether anything changed at all."""
        return bool(
            self.text or self.send_at or self.channel or self.twin_added or self.twin_changed
        )

    @property
    def twin_changed(self) -> bool:
        """Return whether the twin changed since the review."""
        return self.twin is not None and self.twin.any


def word_diff(before: str, after: str) -> list[DiffPiece]:
    """Return the pieces that turn `before` into `after`, comparing whole words."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    pieces: list[DiffPiece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(DiffPiece("removed", "".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(DiffPiece("added", "".join(new[j1:j2])))
    return pieces


def reviewed_versions(session: Session, posts: Sequence[Post]) -> dict[int, ReviewedVersion]:
    """Return, for each of the posts ever reviewed, how it stood at its last review."""
    ids = sorted({post.id for post in posts})
    if not ids:
        return {}
    last_review = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.post_id.in_(ids), AuditEvent.action.in_(REVIEW_ACTIONS))
        .group_by(AuditEvent.post_id)
    )
    reviews = {
        post_id: (occurred_at, action)
        for post_id, occurred_at, action in session.execute(
            select(AuditEvent.post_id, AuditEvent.occurred_at, AuditEvent.action).where(
                AuditEvent.id.in_(last_review)
            )
        )
    }
    if not reviews:
        return {}
    versions: dict[int, ReviewedVersion] = {}
    revisions = session.execute(
        select(
            PostRevision.post_id,
            PostRevision.created_at,
            PostRevision.text,
            PostRevision.send_at,
            PostRevision.channel_id,
        )
        .where(PostRevision.post_id.in_(list(reviews)))
        .order_by(PostRevision.post_id, PostRevision.content_version)
    )
    for post_id, created_at, text, send_at, channel_id in revisions:
        reviewed_at, action = reviews[post_id]
        # The latest version made by the time of the review wins: rows come oldest first.
        if created_at <= reviewed_at:
            versions[post_id] = ReviewedVersion(
                post_id, reviewed_at, action, text, send_at, channel_id
            )
    return versions


def _handles(session: Session, versions: Sequence[ReviewedVersion]) -> dict[int, str]:
    ids = {version.channel_id for version in versions}
    if not ids:
        return {}
    rows = session.execute(select(Channel.id, Channel.handle).where(Channel.id.in_(ids)))
    return {channel_id: handle for channel_id, handle in rows}


def _compare(post: Post, version: ReviewedVersion, handles: dict[int, str]) -> ReviewChanges:
    text = None if version.text == post.text else word_diff(version.text, post.text)
    send_at = None if version.send_at == post.send_at else (version.send_at, post.send_at)
    channel = None
    if version.channel_id != post.channel_id:
        channel = (handles.get(version.channel_id, "a removed channel"), post.channel.handle)
    return ReviewChanges(version, text, send_at, channel)


def review_changes(
    session: Session, posts: Sequence[Post], *, with_twins: bool = False
) -> dict[int, ReviewChanges]:
    """Return what changed in each post ever reviewed since its last review.

    A post never reviewed has no entry. With `with_twins`, each entry carries its twin's own
    changes too (the twins are read as well); a twin written after the post's review is
    `twin_added`. A fixed number of queries, whatever the number of posts.
    """
    twins = [post.twin for post in posts if with_twins and post.twin is not None]
    versions = reviewed_versions(session, [*posts, *twins])
    handles = _handles(session, list(versions.values()))
    found: dict[int, ReviewChanges] = {}
    for post in posts:
        version = versions.get(post.id)
        if version is None:
            continue
        changes = _compare(post, version, handles)
        twin = post.twin
        if twin is not None:
            added = twin.created_at > version.reviewed_at
            twin_version = versions.get(twin.id)
            twin_changes = (
                _compare(twin, twin_version, handles)
                if with_twins and twin_version is not None and not added
                else None
            )
            changes = ReviewChanges(
                version,
                changes.text,
                changes.send_at,
                changes.channel,
                twin_added=added,
                twin=twin_changes,
            )
        found[post.id] = changes
    return found


def review_changes_of(session: Session, post: Post) -> ReviewChanges | None:
    """Return what changed in the post and its twin since the last review, or None if never."""
    return review_changes(session, [post], with_twins=True).get(post.id)


__all__ = [
    "DiffPiece",
    "ReviewChanges",
    "ReviewedVersion",
    "review_changes",
    "review_changes_of",
    "reviewed_versions",
    "word_diff",
]
