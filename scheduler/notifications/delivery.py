"""The notification step the worker runs: make notifications from the trail, then e-mail them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config import Settings
from scheduler.core.database import Database
from scheduler.models import utcnow
from scheduler.notifications.digest import mark_digested, take_due_digests
from scheduler.notifications.instant_mail import mark_emailed, pending_emails
from scheduler.notifications.mail import build_message, send_messages
from scheduler.notifications.operations import BATCH, notify_from_audit


@dataclass(frozen=True)
class DeliveryReport:
    """How many notifications were made, e-mailed on their own, and digests sent."""

    created: int
    emailed: int
    digests: int = 0
    updated: int = 0


def deliver_notifications(
    database: Database, settings: Settings, *, now: datetime | None = None
) -> DeliveryReport:
    """Make notifications (committed), e-mail the waiting ones, then send the digests now due.

    Mail goes only after the commit, never inside a transaction; a crash between sending and
    recording sends those few again rather than losing them. A digest is the exception: its day
    is taken before it is sent, so it goes at most once a day (see digest.py).
    """
    created = updated = 0
    while True:
        with database.unit_of_work() as session:
            report = notify_from_audit(session, now=now, limit=BATCH)
        created += report.created
        updated += report.updated
        if report.read < BATCH:
            break
    emailed = 0
    while True:
        with database.read_session_factory() as session:
            pending = pending_emails(session)
        if not pending:
            break
        send_messages(
            settings,
            [
                build_message(settings, to=item.to, subject=item.subject, body=item.body)
                for item in pending
            ],
        )
        with database.unit_of_work() as session:
            mark_emailed(session, [item.notification_id for item in pending], now=now)
        emailed += len(pending)
    return DeliveryReport(
        created=created,
        emailed=emailed,
        digests=send_digests(database, settings, now=now),
        updated=updated,
    )


def send_digests(database: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """Send the daily digests due now, one a person a local day; return how many went."""
    now = now or utcnow()
    with database.unit_of_work() as session:
        digests = take_due_digests(session, settings.timezone, now=now)
    for digest in digests:
        send_messages(
            settings,
            [build_message(settings, to=digest.to, subject=digest.subject, body=digest.body)],
        )
        with database.unit_of_work() as session:
            mark_digested(session, digest.notification_ids, now=now)
    return len(digests)
