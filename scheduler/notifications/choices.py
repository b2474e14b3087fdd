"""How each person wants their notifications e-mailed: as they happen, in a daily digest, or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.core.errors import ValidationFailed
from scheduler.models import Notification, User, utcnow
from scheduler.models.notification import EmailChoice, EmailState, NotificationChoice
from scheduler.notifications.digest import digest_due_at

#: The digest time offered to someone who has not chosen one.
DEFAULT_DIGEST_TIME = time(8, 0)


@dataclass(frozen=True)
class EmailPreference:
    """A person's choice, and the local time of their digest when they chose one."""

    choice: EmailChoice
    digest_time: time | None = None


def email_preference(session: Session, user: User) -> EmailPreference:
    """Return how the person wants notifications e-mailed (each as it happens, unless chosen)."""
    row = session.get(NotificationChoice, user.id)
    if row is None:
        return EmailPreference(EmailChoice.AS_IT_HAPPENS)
    return EmailPreference(row.email, row.digest_time)


def wanting_no_email(session: Session) -> set[int]:
    """Return the ids of the people who chose no e-mails (their notifications are never sent)."""
    return set(
        session.scalars(
            select(NotificationChoice.user_id).where(NotificationChoice.email == EmailChoice.NONE)
        )
    )


def choose_email(
    session: Session,
    user: User,
    *,
    choice: EmailChoice | str,
    digest_time: time | None = None,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> EmailPreference:
    """Record how the person wants notifications e-mailed; return the choice now in force.

    A digest chosen after today's time has passed first comes tomorrow, not at once.

    Notifications still waiting for an e-mail follow the new choice, except that none is sent
    on its own once someone leaves the digest (they were kept for a digest that no longer comes,
    and a burst of a day's e-mails would surprise): the app still shows them all.
    """
    try:
        chosen = EmailChoice(choice)
    except ValueError:
        raise ValidationFailed(
            "Choose how you want notifications e-mailed", field="email"
        ) from None
    if chosen is EmailChoice.DAILY_DIGEST and digest_time is None:
        raise ValidationFailed("Enter the time of your daily digest", field="digest_time")
    if digest_time is not None and (digest_time.second or digest_time.microsecond):
        raise ValidationFailed("Enter the digest time in hours and minutes", field="digest_time")
    now = now or utcnow()
    row = session.get(NotificationChoice, user.id)
    before = row.email if row is not None else EmailChoice.AS_IT_HAPPENS
    if row is None:
        row = NotificationChoice(user_id=user.id)
        session.add(row)
    row.email = chosen
    # A digest time is kept when another choice is made, to offer it again.
    row.digest_time = digest_time or row.digest_time
    row.updated_at = now
    if chosen is EmailChoice.DAILY_DIGEST and row.digest_time is not None:
        today = now.astimezone(zone).date()
        if now >= digest_due_at(today, row.digest_time, zone):
            row.last_digest_on = max(row.last_digest_on or today, today)
    if chosen is EmailChoice.NONE or (
        before is EmailChoice.DAILY_DIGEST and chosen is EmailChoice.AS_IT_HAPPENS
    ):
        session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.email_state == EmailState.WAITING)
            .values(email_state=EmailState.NOT_SENT)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return EmailPreference(row.email, row.digest_time)
