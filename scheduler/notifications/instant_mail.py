"""E-mail each notification as it happens, for the people who want that (the default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from scheduler.models import Notification, User, utcnow
from scheduler.models.notification import EmailChoice, EmailState, NotificationChoice

BATCH = 500
#: Every e-mail says so: the text of a post may be under embargo, and mail leaves its list.
NO_TEXT = "This message never includes a post's text."


@dataclass(frozen=True)
class PendingEmail:
    """A notification still to be e-mailed, with where it goes."""

    notification_id: int
    to: str
    subject: str
    body: str


def pending_emails(session: Session, *, limit: int = BATCH) -> list[PendingEmail]:
    """Return notifications waiting to be e-mailed on their own to active people, oldest first.

    People who chose the daily digest are left out: theirs wait for it.
    """
    rows = session.execute(
        select(Notification.id, Notification.message, User.email, User.name)
        .join(User, User.id == Notification.user_id)
        .outerjoin(NotificationChoice, NotificationChoice.user_id == Notification.user_id)
        .where(
            Notification.email_state == EmailState.WAITING,
            User.active.is_(True),
            or_(
                NotificationChoice.email.is_(None),
                NotificationChoice.email == EmailChoice.AS_IT_HAPPENS,
            ),
        )
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    return [
        PendingEmail(
            notification_id=row.id,
            to=row.email,
            subject=f"Gatepost: {row.message}",
            body=(
                f"Hello {row.name or row.email},\n\n{row.message}.\n\n"
                f"Sign in to Gatepost to see the post. {NO_TEXT}\n"
            ),
        )
        for row in rows
    ]


def mark_emailed(
    session: Session, notification_ids: Sequence[int], *, now: datetime | None = None
) -> None:
    """Record that these notifications were e-mailed: a later update sends no second e-mail."""
    if notification_ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(list(notification_ids)))
            .values(email_state=EmailState.SENT, emailed_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
        session.flush()
