"""Send e-mail: through SMTP when a server is configured, else into a local mailbox file."""

from __future__ import annotations

import mailbox
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from config import Settings


def build_message(settings: Settings, *, to: str, subject: str, body: str) -> EmailMessage:
    """Return a plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = settings.mail.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail.sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send_messages(settings: Settings, messages: Sequence[EmailMessage]) -> None:
    """Send the messages over one connection, or append them to the mailbox file."""
    if not messages:
        return
    mail = settings.mail
    if mail.smtp_host:
        with smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=30) as smtp:
            if mail.smtp_starttls:
                smtp.starttls()
            if mail.smtp_username:
                smtp.login(mail.smtp_username, mail.smtp_password)
            for message in messages:
                smtp.send_message(message)
        return
    path = settings.mailbox_path
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(str(path))
    box.lock()
    try:
        for message in messages:
            box.add(message)
        box.flush()
    finally:
        box.unlock()
        box.close()
