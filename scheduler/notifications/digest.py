"""The daily digest: one e-mail a person a local day, at their chosen local time.

A worker takes a person's digest for the day by moving `last_digest_on` to today in one fenced
UPDATE, committed before anything is sent, so two workers, or a worker restarted after sending,
never send a second one that day. Each digest lists the unread notifications still waiting for
an e-mail; they are marked as listed only once it went, so should a worker die between taking
the day and sending, nothing is lost: they wait in the next day's digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from scheduler.core.local_time import at_local, describe, describe_date
from scheduler.models import Notification, User, utcnow
from scheduler.models.notification import EmailChoice, EmailState, NotificationChoice
from scheduler.notifications.instant_mail import NO_TEXT

#: The most notifications one digest lists by name; the rest are counted.
LISTED = 50


@dataclass(frozen=True)
class Digest:
    """One person's digest, ready to send, and the notifications it lists."""

    user_id: int
    to: str
    subject: str
    body: str
    notification_ids: tuple[int, ...]


def digest_due_at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the instant of a day's digest: its local time, or just after a skipped one.

    On the night the clocks go forward a time in the gap comes when the gap ends; on the night
    they go back a time that happens twice comes the first time.
    """
    return at_local(day, wall, zone)


def take_due_digests(
    session: Session, zone: ZoneInfo, *, now: datetime | None = None
) -> list[Digest]:
    """Take today's digest of everyone whose digest time has come; return those to send.

    Commit before sending: the taking is what keeps it to one a day. A person with nothing
    unread has their day taken and gets no e-mail.
    """
    now = now or utcnow()
    today = now.astimezone(zone).date()
    not_yet = or_(
        NotificationChoice.last_digest_on.is_(None), NotificationChoice.last_digest_on < today
    )
    candidates = session.execute(
        select(NotificationChoice.user_id, NotificationChoice.digest_time, User.email, User.name)
        .join(User, User.id == NotificationChoice.user_id)
        .where(
            NotificationChoice.email == EmailChoice.DAILY_DIGEST,
            User.active.is_(True),
            not_yet,
        )
        .order_by(NotificationChoice.user_id)
    ).all()
    digests: list[Digest] = []
    for row in candidates:
        if row.digest_time is None or now < digest_due_at(today, row.digest_time, zone):
            continue
        taken = session.execute(
            update(NotificationChoice)
            .where(
                NotificationChoice.user_id == row.user_id,
                NotificationChoice.email == EmailChoice.DAILY_DIGEST,
                not_yet,
            )
            .values(last_digest_on=today)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            continue  # another worker took it first
        # What was read before its digest needs no e-mail.
        session.execute(
            update(Notification)
            .where(
                Notification.user_id == row.user_id,
                Notification.email_state == EmailState.WAITING,
                Notification.read_at.is_not(None),
            )
            .values(email_state=EmailState.NOT_SENT)
            .execution_options(synchronize_session=False)
        )
        unread = session.execute(
            select(Notification.id, Notification.message, Notification.updated_at)
            .where(
                Notification.user_id == row.user_id,
                Notification.email_state == EmailState.WAITING,
                Notification.read_at.is_(None),
                Notification.updated_at <= now,
            )
            .order_by(Notification.updated_at.desc(), Notification.id.desc())
        ).all()
        if unread:
            digests.append(_digest(row.user_id, row.email, row.name, today, unread, zone))
    session.flush()
    return digests


def _digest(
    user_id: int,
    email: str,
    name: str,
    day: date,
    unread: Sequence[tuple[int, str, datetime]],
    zone: ZoneInfo,
) -> Digest:
    count = len(unread)
    things = f"{count} unread notification{'s' if count != 1 else ''}"
    lines = [f"- {message} ({describe(at, zone)})" for _, message, at in unread[:LISTED]]
    if count > LISTED:
        lines.append(f"- and {count - LISTED} more")
    body = (
        f"Hello {name or email},\n\n"
        f"Your Gatepost digest for {describe_date(day)}: {things} since your last digest, "
        "newest first.\n\n" + "\n".join(lines) + "\n\n"
        f"Sign in to Gatepost to see them and act. {NO_TEXT}\n"
    )
    return Digest(
        user_id=user_id,
        to=email,
        subject=f"Gatepost: your digest for {describe_date(day)}, {things}",
        body=body,
        notification_ids=tuple(notification_id for notification_id, _, _ in unread),
    )


def mark_digested(
    session: Session, notification_ids: Sequence[int], *, now: datetime | None = None
) -> None:
    """Record that a digest listing these notifications went (none is listed again)."""
    if notification_ids:
        session.execute(
            update(Notification)
            .where(
                Notification.id.in_(list(notification_ids)),
                Notification.email_state == EmailState.WAITING,
            )
            .values(email_state=EmailState.IN_DIGEST, emailed_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
        session.flush()
