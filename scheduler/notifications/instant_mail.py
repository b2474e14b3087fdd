"""E-mail each notification as it happens, for the people who want that (the default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from scheduler.models import Notification, User, utcnow
from scheduler.models.notification import EmailChoice, EmailState, NotificationChoice

BATCH = 500
#: A notification taken for e-mail this long ago and never recorded as sent is taken again.
ABANDONED_AFTER = timedelta(minutes=10)
#: Every e-mail says so: the text of a post may be under embargo, and mail leaves its list.
NO_TEXT = "This message never includes a post's text."


@dataclass(frozen=True)
class PendingEmail:
    """A notification still to be e-mailed, with where it goes."""

    notification_id: int
    to: str
    subject: str
    body: str


def take_pending_emails(
    session: Session, *, now: datetime | None = None, limit: int = BATCH
) -> list[PendingEmail]:
    """Take notifications waiting to be e-mailed on their own to active people, oldest first.

    Taken rows are `sending` once this unit of work commits, so another worker passes them by
    (PostgreSQL skips the rows locked by one taking them now; SQLite has one writer). People who
    chose the daily digest are left out: theirs wait for it. A row a worker took long ago and
    never recorded (it died sending) waits again: sent twice rather than lost.
    """
    now = now or utcnow()
    session.execute(
        update(Notification)
        .where(
            Notification.email_state == EmailState.SENDING,
            Notification.emailed_at < now - ABANDONED_AFTER,
        )
        .values(email_state=EmailState.WAITING, emailed_at=None)
        .execution_options(synchronize_session=False)
    )
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
        .with_for_update(of=Notification, skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(Notification)
            .where(Notification.id.in_([row.id for row in rows]))
            .values(email_state=EmailState.SENDING, emailed_at=now)
            .execution_options(synchronize_session=False)
        )
    session.flush()
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
    _settle(session, notification_ids, EmailState.SENT, now or utcnow())


def release_emails(session: Session, notification_ids: Sequence[int]) -> None:
    """Put back notifications whose e-mail could not be sent, for the next run to try again."""
    _settle(session, notification_ids, EmailState.WAITING, None)


def _settle(
    session: Session, notification_ids: Sequence[int], state: EmailState, at: datetime | None
) -> None:
    if notification_ids:
        session.execute(
            update(Notification)
            .where(
                Notification.id.in_(list(notification_ids)),
                Notification.email_state == EmailState.SENDING,
            )
            .values(email_state=state, emailed_at=at)
            .execution_options(synchronize_session=False)
        )
        session.flush()
