"""Add a comment to a post, mentioning people, with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.transitions import Action
from scheduler.comments.access import require_may_comment
from scheduler.comments.mentions import resolve_mentions
from scheduler.core.audit import record_post
from scheduler.core.errors import ValidationFailed
from scheduler.core.storable_text import is_storable, unstorable_message
from scheduler.models import Comment, Post, User, utcnow

#: The longest comment kept: a remark, not a document.
MAX_LENGTH = 2000


@dataclass(frozen=True)
class CommentAdded:
    """The comment saved, and the people it mentions (who will be notified)."""

    comment: Comment
    mentioned: tuple[User, ...]

    @property
    def message(self) -> str:
        """Return what the person who commented is told."""
        if not self.mentioned:
            return "Comment added."
        names = [user.display_name for user in self.mentioned]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
        return f"Comment added; {listed} will be told you mentioned them."


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed("Write a comment", field="text")
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(
            f"A comment can be {MAX_LENGTH} characters at most; this one has {len(text)}",
            field="text",
        )
    if not is_storable(text):
        raise ValidationFailed(unstorable_message("The comment"), field="text")
    return text


def add_comment(
    session: Session,
    post: Post,
    text: str,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
) -> CommentAdded:
    """Add the person's comment to the post, notifying whoever it @mentions; flush."""
    now = now or utcnow()
    require_may_comment(session, post, by, settings=settings, now=now)
    text = _checked_text(text)
    mentioned = [user for user in resolve_mentions(session, post, text, now=now) if user != by]
    comment = Comment(post_id=post.id, author_id=by.id, text=text, created_at=now)
    session.add(comment)
    session.flush()
    # The event names the comment and whom it mentions, not its words: the audit trail is read
    # by notifications, reports and exports that must never carry embargoed text.
    record_post(
        session,
        Action.COMMENT,
        post,
        actor=by,
        actor_label=actor_label,
        details={"comment_id": comment.id, "mentioned": [user.id for user in mentioned]},
        at=now,
    )
    session.flush()
    return CommentAdded(comment, tuple(mentioned))
