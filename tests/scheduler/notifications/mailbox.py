"""The test mail sink: the mailbox file notifications go to when no SMTP server is set."""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import datetime

from config import Settings
from scheduler.core.database import Database
from scheduler.notifications.delivery import deliver_notifications


@dataclass(frozen=True)
class Mail:
    """One e-mail from the mailbox."""

    to: str
    subject: str
    body: str


def mailbox_of(settings: Settings) -> list[Mail]:
    """Return every e-mail in the mailbox file, oldest first."""
    if not settings.mailbox_path.exists():
        return []
    box = mailbox.mbox(str(settings.mailbox_path))
    try:
        return [
            Mail(message["To"], message["Subject"], message.get_payload(decode=True).decode())
            for message in box
        ]
    finally:
        box.close()


def send_at(database: Database, settings: Settings, at: datetime) -> list[Mail]:
    """Run what `gatepost notifications send` and the worker run at the instant; return new mail."""
    before = len(mailbox_of(settings))
    deliver_notifications(database, settings, now=at)
    return mailbox_of(settings)[before:]
