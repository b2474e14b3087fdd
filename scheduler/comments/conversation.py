"""A post's conversation: its comments and the approvers' send-back comments, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.clearance.transitions import Action, audit_names
from scheduler.models import AuditEvent, Comment, Post, User


@dataclass(frozen=True)
class Remark:
    """One thing said about a post: a comment, or the comment of a send-back."""

    at: datetime
    author: User | None
    #: Who said it when no person did (never for comments), as the audit trail labels them.
    author_label: str
    text: str
    sent_back: bool
    comment_id: int | None = None

    @property
    def author_name(self) -> str:
        """Return the name to show for who said it."""
        return self.author.display_name if self.author is not None else self.author_label


def comments_on(session: Session, post: Post) -> Sequence[Comment]:
    """Return the post's comments, oldest first, with their authors."""
    return session.scalars(
        select(Comment)
        .where(Comment.post_id == post.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
    ).all()


def _send_backs(session: Session, post: Post) -> list[Remark]:
    events = session.execute(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.post_id == post.id,
            AuditEvent.action.in_(audit_names(Action.REQUEST_CHANGES)),
        )
        .order_by(AuditEvent.id)
    ).all()
    return [
        Remark(event.occurred_at, user, event.actor_label, event.comment, sent_back=True)
        for event, user in events
        if event.comment
    ]


def conversation(session: Session, post: Post) -> list[Remark]:
    """Return everything said about the post, oldest first (newest last)."""
    remarks = [
        Remark(comment.created_at, comment.author, "", comment.text, False, comment.id)
        for comment in comments_on(session, post)
    ]
    remarks.extend(_send_backs(session, post))
    # Stable: at the same instant a send-back follows the comments that led to it.
    return sorted(remarks, key=lambda remark: (remark.at, remark.sent_back))


def standing_send_back(session: Session, post: Post) -> Remark | None:
    """Return the send-back comment the author must still answer: none once resubmitted."""
    latest = session.execute(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.post_id == post.id,
            AuditEvent.action.in_(
                (*audit_names(Action.REQUEST_CHANGES), *audit_names(Action.SUBMIT))
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    event, user = latest
    if event.action not in audit_names(Action.REQUEST_CHANGES) or not event.comment:
        return None
    return Remark(event.occurred_at, user, event.actor_label, event.comment, sent_back=True)


def mentions_by_comment(session: Session, post: Post) -> dict[int, list[str]]:
    """Return, for each of the post's comments, the e-mail addresses its audit event mentions."""
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.post_id == post.id, AuditEvent.action == Action.COMMENT.value
        )
    ).all()
    named = {
        int(event.details["comment_id"]): [int(user) for user in event.details.get("mentioned", [])]
        for event in events
        if "comment_id" in (event.details or {})
    }
    ids = {user for users in named.values() for user in users}
    emails: dict[int, str] = {}
    if ids:
        rows = session.execute(select(User.id, User.email).where(User.id.in_(ids)))
        emails = {user_id: email for user_id, email in rows}
    return {
        comment: [emails[user] for user in users if user in emails]
        for comment, users in named.items()
    }
