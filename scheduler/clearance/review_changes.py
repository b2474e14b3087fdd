"""What changed in a post's text since someone last reviewed it, word by word."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import AuditEvent, Post, PostRevision

#: Audit actions that mean a person looked at the text and decided.
REVIEW_ACTIONS = ("approve", "request_changes")
_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class DiffPiece:
    """A run of text kept, added or taken out."""

    kind: str  # "same", "added" or "removed"
    text: str


def reviewed_text(session: Session, post: Post) -> str | None:
    """Return the text as it was when last approved or sent back, or None if never reviewed."""
    reviewed_at = session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.post_id == post.id, AuditEvent.action.in_(REVIEW_ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if reviewed_at is None:
        return None
    return session.scalar(
        select(PostRevision.text)
        .where(PostRevision.post_id == post.id, PostRevision.created_at <= reviewed_at)
        .order_by(PostRevision.content_version.desc())
        .limit(1)
    )


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


def reviewed_texts(session: Session, posts: Sequence[Post]) -> dict[int, str]:
    """Return, for each of the posts ever reviewed, its text when last reviewed (two queries)."""
    ids = [post.id for post in posts]
    if not ids:
        return {}
    last_review = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.post_id.in_(ids), AuditEvent.action.in_(REVIEW_ACTIONS))
        .group_by(AuditEvent.post_id)
    )
    reviewed_at = {
        post_id: occurred_at
        for post_id, occurred_at in session.execute(
            select(AuditEvent.post_id, AuditEvent.occurred_at).where(AuditEvent.id.in_(last_review))
        )
    }
    if not reviewed_at:
        return {}
    texts: dict[int, str] = {}
    revisions = session.execute(
        select(PostRevision.post_id, PostRevision.created_at, PostRevision.text)
        .where(PostRevision.post_id.in_(list(reviewed_at)))
        .order_by(PostRevision.post_id, PostRevision.content_version)
    )
    for post_id, created_at, text in revisions:
        # The latest version made by the time of the review wins: rows come oldest first.
        if created_at <= reviewed_at[post_id]:
            texts[post_id] = text
    return texts


def changes_since_reviews(
    session: Session, posts: Sequence[Post]
) -> dict[int, list[DiffPiece] | None]:
    """Return `changes_since_review` for each post, in two queries whatever their number."""
    before = reviewed_texts(session, posts)
    changes: dict[int, list[DiffPiece] | None] = {}
    for post in posts:
        old = before.get(post.id)
        changes[post.id] = None if old is None or old == post.text else word_diff(old, post.text)
    return changes


def changes_since_review(session: Session, post: Post) -> list[DiffPiece] | None:
    """Return the word diff from the last reviewed text to now, or None if nothing to compare."""
    before = reviewed_text(session, post)
    if before is None or before == post.text:
        return None
    return word_diff(before, post.text)


__all__ = [
    "DiffPiece",
    "changes_since_review",
    "changes_since_reviews",
    "reviewed_text",
    "reviewed_texts",
    "word_diff",
]
