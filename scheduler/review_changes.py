"""What changed in a post's text since someone last reviewed it, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import select
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


def changes_since_review(session: Session, post: Post) -> list[DiffPiece] | None:
    """Return the word diff from the last reviewed text to now, or None if nothing to compare."""
    before = reviewed_text(session, post)
    if before is None or before == post.text:
        return None
    return word_diff(before, post.text)


__all__ = ["DiffPiece", "changes_since_review", "reviewed_text", "word_diff"]
