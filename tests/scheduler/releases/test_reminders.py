"""Release reminders, sent by the real worker's job at each lead time while anything is not
cleared, once per release and lead time with two workers and after a restart; and the warning
when a post in review has no approver who can read it. E-mails are read back from the mailbox."""

from __future__ import annotations

import email
import mailbox
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from config import Settings
from scheduler.clearance import approve, submit
from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import AuditEvent, Notification, Post, ReleaseReminder, User
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.service import WorkerService
from scheduler.releases.reminders import lead_words
from tests.scheduler.publishing.test_service import service_settings
from tests.support.factories import NOW, Factory
from tests.support.release_board import EMBARGO, THREAD_TEXTS, WELSH_TEXTS, release_day


@pytest.fixture
def worker_settings(committed_database: Database, tmp_path: Path) -> Settings:
    return service_settings(committed_database, tmp_path)


def make_worker(database: Database, settings: Settings, name: str, at: datetime) -> WorkerService:
    return WorkerService(
        database, settings, clock=FixedClock(at), identity=WorkerIdentity(name, "testhost", 1)
    )


def run_job(worker: WorkerService, at: datetime) -> None:
    """Run the worker's release-reminders job, then its notifications job, as if at `at`."""
    worker.runtime.clock.set(at)  # type: ignore[attr-defined]
    [job] = [spec for spec in worker.jobs() if spec.id == "release-reminders"]
    job.func()
    worker.notify()


def mails(settings: Settings) -> list[tuple[str, str, str]]:
    """Return (to, subject, body) of each e-mail in the mailbox, headers decoded."""
    path = settings.mailbox_path
    if not path.exists():
        return []
    box = mailbox.mbox(str(path), factory=None)
    try:
        parsed = [email.message_from_bytes(raw.as_bytes(), policy=policy.default) for raw in box]
    finally:
        box.close()
    return [
        (str(message["To"]), str(message["Subject"]), message.get_content())  # type: ignore[attr-defined]
        for message in parsed
    ]


@pytest.fixture
def scenario(committed_database: Database, worker_settings: Settings) -> Iterator[dict[str, Any]]:
    with committed_database.session_factory() as session:
        factory = Factory(session, worker_settings)
        day = release_day(factory)
        submit(session, day.posts[0], by=day.statistician, settings=worker_settings, now=NOW)
        session.commit()
        emails = {day.statistician.email, day.reader.email, day.admin.email}
        yield {
            "emails": emails,
            "release": day.release.id,
            "statistician": day.statistician.id,
            "reader": day.reader.id,
            "outsider": day.outsider.id,
            "admin": day.admin.id,
            "loose": day.loose.id,
            "first": day.posts[0].id,
        }


def people(database: Database, kind: str) -> dict[int, list[str]]:
    with database.read_session_factory() as session:
        rows = session.execute(
            select(Notification.user_id, Notification.message)
            .where(Notification.kind == kind)
            .order_by(Notification.id)
        ).all()
    found: dict[int, list[str]] = {}
    for user_id, message in rows:
        found.setdefault(user_id, []).append(message)
    return found


def test_a_reminder_goes_at_each_lead_time_to_the_statistician_readers_and_admins(
    committed_database: Database, worker_settings: Settings, scenario: dict[str, Any]
) -> None:
    worker = make_worker(committed_database, worker_settings, "w1", NOW)

    run_job(worker, EMBARGO - timedelta(hours=24, minutes=1))
    assert people(committed_database, "release_reminder") == {}
    for lead in (timedelta(hours=24), timedelta(hours=2), timedelta(minutes=30)):
        run_job(worker, EMBARGO - lead + timedelta(seconds=30))
        run_job(worker, EMBARGO - lead + timedelta(minutes=1))  # the next round: nothing new

    sent = people(committed_database, "release_reminder")
    assert set(sent) == {scenario["statistician"], scenario["reader"], scenario["admin"]}
    # The approver off the access list is not reminded: they cannot clear it anyway.
    assert scenario["outsider"] not in sent
    messages = sent[scenario["admin"]]
    assert messages == [
        "“Labour market overview, March 2027” is embargoed until Fri 12 Mar 2027 09:30 GMT, "
        f"{words} away: 8 of 8 posts not yet cleared (2 draft, 6 in review)"
        for words in ("24 hours", "2 hours", "30 minutes")
    ]
    with committed_database.read_session_factory() as session:
        rows = session.scalars(select(ReleaseReminder).order_by(ReleaseReminder.id)).all()
        assert [(row.kind, row.lead_minutes, row.waiting) for row in rows] == [
            ("lead_time", 1440, 8),
            ("lead_time", 120, 8),
            ("lead_time", 30, 8),
        ]
        assert {row.sent_by for row in rows} == {"worker:w1"}
        audit = session.scalar(
            select(func.count()).where(AuditEvent.action == "release_reminder_sent")
        )
        assert audit == 3

    mailed = [
        (to, subject, body)
        for to, subject, body in mails(worker_settings)
        if "embargoed until" in subject
    ]
    assert len(mailed) == 9  # three people, three lead times, once each
    assert {to for to, _, _ in mailed} == scenario["emails"]
    for _, subject, body in mailed:
        assert subject.startswith("Gatepost: “Labour market overview, March 2027” is embargoed")
        for text in (*THREAD_TEXTS, *WELSH_TEXTS, "Unemployment at 4.1%"):
            assert text not in subject
            assert text not in body


def test_a_release_all_cleared_gets_no_reminder(
    committed_database: Database, worker_settings: Settings, scenario: dict[str, Any]
) -> None:
    with committed_database.session_factory() as session:
        approver = session.get(User, scenario["reader"])
        statistician = session.get(User, scenario["statistician"])
        first = session.get(Post, scenario["first"])
        loose = session.get(Post, scenario["loose"])
        assert approver is not None
        assert statistician is not None
        assert first is not None
        assert loose is not None
        approve(session, first, by=approver, settings=worker_settings, now=NOW)
        submit(session, loose, by=statistician, settings=worker_settings, now=NOW)
        approve(session, loose, by=approver, settings=worker_settings, now=NOW)
        session.commit()
    worker = make_worker(committed_database, worker_settings, "w1", NOW)

    run_job(worker, EMBARGO - timedelta(hours=2))

    assert people(committed_database, "release_reminder") == {}
    with committed_database.read_session_factory() as session:
        assert session.scalars(select(ReleaseReminder)).all() == []


def test_two_workers_at_once_and_a_restart_send_each_reminder_once(
    committed_database: Database, worker_settings: Settings, scenario: dict[str, Any]
) -> None:
    at = EMBARGO - timedelta(hours=2)
    workers = [make_worker(committed_database, worker_settings, f"w{n}", at) for n in (1, 2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(worker: WorkerService) -> None:
        try:
            start.wait()
            worker.send_reminders()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    restarted = make_worker(committed_database, worker_settings, "w3", at + timedelta(minutes=1))
    run_job(restarted, at + timedelta(minutes=1))

    sent = people(committed_database, "release_reminder")
    assert {user_id: len(messages) for user_id, messages in sent.items()} == {
        scenario["statistician"]: 1,
        scenario["reader"]: 1,
        scenario["admin"]: 1,
    }
    with committed_database.read_session_factory() as session:
        [row] = session.scalars(select(ReleaseReminder)).all()
        assert row.lead_minutes == 120
    mailed = [to for to, subject, _ in mails(worker_settings) if "2 hours away" in subject]
    assert sorted(mailed) == sorted(set(mailed))
    assert len(mailed) == 3


def test_a_post_in_review_no_approver_can_read_warns_the_statistician_and_admins_once(
    committed_database: Database, worker_settings: Settings
) -> None:
    with committed_database.session_factory() as session:
        factory = Factory(session, worker_settings)
        day = release_day(factory, reader_on_list=False)
        for post in (day.posts[0], day.loose):
            submit(session, post, by=day.statistician, settings=worker_settings, now=NOW)
        session.commit()
        expected = {day.statistician.id, day.admin.id}
        english = day.english.handle
    worker = make_worker(committed_database, worker_settings, "w1", NOW)

    run_job(worker, NOW + timedelta(minutes=1))
    run_job(worker, NOW + timedelta(minutes=2))

    warned = people(committed_database, "release_unreadable")
    assert set(warned) == expected
    [message] = warned[day.admin.id]
    assert message.startswith("“Labour market overview, March 2027” has 8 posts in review on ")
    assert f"@{english}" in message
    assert message.endswith(
        "that no approver on its access list can clear before the embargo at "
        "Fri 12 Mar 2027 09:30 GMT; add an approver of the channel to the access list"
    )
    assert len([s for _, s, _ in mails(worker_settings) if "no approver" in s]) == 2


def test_lead_times_are_said_in_words() -> None:
    assert lead_words(timedelta(hours=24)) == "24 hours"
    assert lead_words(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert lead_words(timedelta(minutes=1)) == "1 minute"
