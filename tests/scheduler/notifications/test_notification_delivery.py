"""E-mailing notifications after their commit: to the mailbox file, or through SMTP."""

from __future__ import annotations

import dataclasses
import mailbox
import smtplib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from config.settings import MailSettings
from scheduler.core.database import Database
from scheduler.models import Notification, PostState
from scheduler.models.notification import EmailState
from scheduler.notifications.delivery import deliver_notifications
from scheduler.notifications.operations import notify_from_audit
from tests.scheduler.notifications.mailbox import mailbox_of
from tests.support.factories import NOW, Factory
from tests.support.fake_smtp import fake_smtp_server
from tests.support.publishing_factories import make_settings


def submit_embargoed_post(factory: Factory) -> int:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = factory.approver(channel)
    release = factory.release(access=[author, approver])
    post = factory.post(channel, author, text="Unemployment 4.4%", release=release)
    factory.move(post, PostState.IN_REVIEW)
    return post.id


def test_mail_goes_to_the_mailbox_file_by_default_without_post_text(
    session: Session, settings: Settings, factory: Factory, shared_database: Database
) -> None:
    post_id = submit_embargoed_post(factory)

    report = deliver_notifications(shared_database, settings, now=NOW)

    assert (report.created, report.emailed) == (1, 1)
    box = mailbox.mbox(str(settings.mailbox_path))
    try:
        [message] = list(box)
    finally:
        box.close()
    body = message.get_payload(decode=True).decode()
    assert message["Subject"] == f"Gatepost: Post {post_id} on @ons is waiting for your clearance"
    assert message["To"].startswith("approver")
    assert "Unemployment" not in body
    assert f"Post {post_id} on @ons" in body
    assert session.scalar(select(Notification.emailed_at)) is not None
    assert deliver_notifications(shared_database, settings, now=NOW).emailed == 0


def test_mail_goes_through_smtp_when_a_server_is_configured(
    settings: Settings, factory: Factory, shared_database: Database
) -> None:
    post_id = submit_embargoed_post(factory)
    with fake_smtp_server() as (port, received):
        smtp = dataclasses.replace(
            settings,
            mail=MailSettings(sender="gatepost@ons.example", smtp_host="127.0.0.1", smtp_port=port),
        )
        report = deliver_notifications(shared_database, smtp, now=NOW)

    assert report.emailed == 1
    [data] = received.messages
    assert f"Subject: Gatepost: Post {post_id} on @ons".encode() in data
    assert b"Unemployment" not in data
    assert "STARTTLS" not in received.commands
    assert not settings.mailbox_path.exists()


def test_starttls_is_insisted_on_when_configured(
    session: Session, settings: Settings, factory: Factory, shared_database: Database
) -> None:
    submit_embargoed_post(factory)
    with fake_smtp_server() as (port, received):
        smtp = dataclasses.replace(
            settings,
            mail=MailSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=True),
        )
        with pytest.raises(smtplib.SMTPResponseException):
            deliver_notifications(shared_database, smtp, now=NOW)

    assert "STARTTLS" in received.commands
    assert received.messages == []
    assert session.scalar(select(Notification.emailed_at)) is None


def test_two_workers_at_once_e_mail_each_notification_once(
    committed_database: Database, tmp_path: Path
) -> None:
    settings = make_settings(committed_database, tmp_path)
    with committed_database.session_factory() as session:
        factory = Factory(session, settings)
        channel = factory.channel("ons")
        author = factory.author(channel)
        approvers = {factory.approver(channel).email for _ in range(3)}
        for _ in range(20):
            factory.move(factory.post(channel, author), PostState.IN_REVIEW)
        session.commit()
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait(timeout=10)
            deliver_notifications(committed_database, settings, now=NOW)
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert failures == []
    sent = [(mail.to, mail.subject) for mail in mailbox_of(settings)]
    assert len(sent) == len(set(sent)) == 60
    assert {to for to, _ in sent} == approvers


def test_a_notification_a_dead_worker_took_is_e_mailed_later_not_lost(
    session: Session, settings: Settings, factory: Factory, shared_database: Database
) -> None:
    post_id = submit_embargoed_post(factory)
    notify_from_audit(session, now=NOW)
    note = session.scalars(select(Notification)).one()
    note.email_state, note.emailed_at = EmailState.SENDING, NOW  # taken, then the worker died
    session.flush()

    assert (
        deliver_notifications(shared_database, settings, now=NOW + timedelta(minutes=5)).emailed
        == 0
    )
    report = deliver_notifications(shared_database, settings, now=NOW + timedelta(minutes=11))

    assert report.emailed == 1
    [mail] = mailbox_of(settings)
    assert mail.subject == f"Gatepost: Post {post_id} on @ons is waiting for your clearance"
