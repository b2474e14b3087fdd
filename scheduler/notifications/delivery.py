"""The notification step the worker runs: make notifications from the trail, then e-mail them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config import Settings
from scheduler.core.database import Database
from scheduler.models import utcnow
from scheduler.notifications.digest import mark_digested, take_due_digests
from scheduler.notifications.instant_mail import (
    mark_emailed,
    release_emails,
    take_pending_emails,
)
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

    Mail goes only after the commit, never inside a transaction. Each notification is taken for
    e-mail in a committed step first, so two workers never both send it; one that cannot be
    sent is put back, and one a dead worker took is sent again later rather than lost. A digest's
    day is taken before it is sent, so it goes at most once a day (see digest.py).
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
        with database.unit_of_work() as session:
            pending = take_pending_emails(session, now=now)
        if not pending:
            break
        taken = [item.notification_id for item in pending]
        try:
            send_messages(
                settings,
                [
                    build_message(settings, to=item.to, subject=item.subject, body=item.body)
                    for item in pending
                ],
            )
        except BaseException:
            with database.unit_of_work() as session:
                release_emails(session, taken)
            raise
        with database.unit_of_work() as session:
            mark_emailed(session, taken, now=now)
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
