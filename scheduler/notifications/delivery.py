"""The notification step the worker runs: make notifications from the trail, then e-mail them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config import Settings
from scheduler.core.database import Database
from scheduler.notifications.mail import build_message, send_messages
from scheduler.notifications.operations import (
    BATCH,
    mark_emailed,
    notify_from_audit,
    pending_emails,
)


@dataclass(frozen=True)
class DeliveryReport:
    """How many notifications were made and how many e-mailed."""

    created: int
    emailed: int


def deliver_notifications(
    database: Database, settings: Settings, *, now: datetime | None = None
) -> DeliveryReport:
    """Make notifications (committed), then e-mail the unsent ones and record that they went.

    Mail goes only after the commit, never inside a transaction; a crash between sending and
    recording sends those few again rather than losing them.
    """
    created = 0
    while True:
        with database.unit_of_work() as session:
            report = notify_from_audit(session, now=now, limit=BATCH)
        created += report.created
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
    return DeliveryReport(created=created, emailed=emailed)
