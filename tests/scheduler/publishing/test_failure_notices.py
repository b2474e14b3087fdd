"""Failures reach people: the real worker meets the mock's faults, then the e-mail that results.

Each test runs a real pass into a real fault, then the notification step the worker and
`gatepost notifications send` run, and reads the mailbox: the author and the channel's approvers
hear, in the app and by e-mail, and nobody else does.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.clearance.transitions import ALERTS, TRANSITIONS, Actor
from scheduler.models import (
    AccessRole,
    AuditEvent,
    Channel,
    ChannelAccess,
    Notification,
    Post,
    PostState,
    Role,
    User,
)
from scheduler.notifications.delivery import deliver_notifications
from tests.scheduler.publishing.conftest import Worker
from tests.scheduler.publishing.test_recovery import die_mid_pass
from tests.scheduler.publishing.test_retries import NoLookupMock
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # a Thursday, in office hours


@dataclass(frozen=True)
class Mail:
    """One e-mail from the mailbox."""

    to: str
    subject: str
    body: str


@dataclass
class Team:
    """The channels' people: the factory's author, two approvers, and one elsewhere."""

    factory: PublishingFactory
    approvers: list[User]
    elsewhere: User

    def emails_for(self, post: Post) -> set[str]:
        """Return who should hear about the post: its author and its channel's approvers."""
        return {self.factory.author.email, *(a.email for a in self.approvers)}


def grant(session: Session, user: User, channel: Channel, role: AccessRole) -> None:
    session.add(ChannelAccess(user_id=user.id, channel_id=channel.id, role=role))
    session.flush()


def team_for(factory: PublishingFactory, *channels: Channel) -> Team:
    """Give the factory's author and two approvers access to the channels, one approver not."""
    approvers = [factory.user(Role.APPROVER), factory.user(Role.APPROVER)]
    elsewhere = factory.user(Role.APPROVER)
    other = factory.channel("dhsc")
    for channel in channels:
        grant(factory.session, factory.author, channel, AccessRole.AUTHOR)
        for approver in approvers:
            grant(factory.session, approver, channel, AccessRole.APPROVER)
    grant(factory.session, elsewhere, other, AccessRole.APPROVER)
    return Team(factory, approvers, elsewhere)


def send_mail(worker: Worker, at: datetime) -> list[Mail]:
    """Run the notification step as the worker does; return every e-mail in the mailbox."""
    deliver_notifications(worker.runtime.database, worker.settings, now=at)
    worker.session.expire_all()
    path = worker.settings.mailbox_path
    if not path.exists():
        return []
    box = mailbox.mbox(str(path))
    try:
        return [
            Mail(message["To"], message["Subject"], message.get_payload(decode=True).decode())
            for message in box
        ]
    finally:
        box.close()


def told(mails: list[Mail], subject: str) -> set[str]:
    """Return who was e-mailed with the subject."""
    return {mail.to for mail in mails if mail.subject == subject}


def in_app(session: Session, post: Post) -> set[tuple[str, int]]:
    return {
        (row.kind, row.user_id)
        for row in session.scalars(select(Notification).where(Notification.post_id == post.id))
    }


def test_a_permanent_failure_e_mails_the_author_and_the_channels_approvers(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    channel = factory.channel(
        "ons", platform_options={"fail_every_nth": 1, "fail_kind": "permanent"}
    )
    team = team_for(factory, channel)
    post = factory.post(channel, send_at=AT, text="Unemployment 4.4%")

    worker.run_at(AT)
    assert post.state is PostState.FAILED
    mails = send_mail(worker, AT + timedelta(minutes=1))

    subject = f"Gatepost: Post {post.id} on @ons failed to publish"
    assert told(mails, subject) == team.emails_for(post)
    assert team.elsewhere.email not in {mail.to for mail in mails}
    assert all("Unemployment" not in mail.body for mail in mails)
    assert in_app(session, post) == {
        ("failed", factory.author.id),
        *(("failed", approver.id) for approver in team.approvers),
    }
    # Sent once: the next run finds nothing new.
    assert len(send_mail(worker, AT + timedelta(minutes=2))) == len(mails)


def test_a_lost_answer_the_platform_cannot_look_up_e_mails_a_check_request(
    factory: PublishingFactory, worker: Worker
) -> None:
    worker.runtime.platforms.install(
        "mock", NoLookupMock(worker.settings.with_overrides(), worker.clock)
    )
    channel = factory.channel("ons", platform_options={"fail_every_nth": 1, "fail_kind": "unknown"})
    team = team_for(factory, channel)
    post = factory.post(channel, send_at=AT)

    worker.run_at(AT)
    assert post.state is PostState.UNKNOWN
    mails = send_mail(worker, AT + timedelta(minutes=1))

    subject = f"Gatepost: Post {post.id} on @ons may or may not have been published; check it"
    assert told(mails, subject) == team.emails_for(post)


def test_a_post_the_worker_could_not_send_in_time_e_mails_that_it_missed(
    factory: PublishingFactory, worker: Worker
) -> None:
    channel = factory.channel("ons")
    team = team_for(factory, channel)
    post = factory.post(channel, send_at=AT)

    worker.run_at(AT + timedelta(minutes=15, seconds=1))  # the worker was down since before 10:00
    assert post.state is PostState.MISSED
    mails = send_mail(worker, AT + timedelta(minutes=16))

    assert told(mails, f"Gatepost: Post {post.id} on @ons missed its send time") == (
        team.emails_for(post)
    )


def test_a_twin_left_behind_e_mails_its_author_and_approvers(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.channel("ons"), factory.channel("ons_cy", language="cy")
    english.twin_id, welsh.twin_id = welsh.id, english.id
    welsh.platform_options = {"fail_matching": "Diweithdra"}
    session.flush()
    team = team_for(factory, english, welsh)
    first, second = factory.twins(english, welsh, send_at=AT)

    worker.run_at(AT)
    assert (first.state, second.state) == (PostState.PUBLISHED, PostState.SCHEDULED)
    mails = send_mail(worker, AT + timedelta(minutes=1))

    subject = f"Gatepost: Post {second.id} on @ons_cy was left behind: its twin went out without it"
    assert told(mails, subject) == team.emails_for(second)
    assert all(str(first.id) not in mail.subject for mail in mails)


def test_a_post_still_held_or_not_cleared_when_its_embargo_passes_e_mails_once(
    factory: PublishingFactory, worker: Worker, session: Session
) -> None:
    english, welsh = factory.channel("ons"), factory.channel("ons_cy", language="cy")
    english.twin_id, welsh.twin_id = welsh.id, english.id
    session.flush()
    team = team_for(factory, english, welsh)
    release = factory.release(AT)
    held, unready = factory.twins(
        english, welsh, send_at=AT, release=release, welsh_state=PostState.IN_REVIEW
    )
    # Held before the embargo for a reason of its own: not yet news.
    early = factory.post(english, send_at=AT - timedelta(minutes=30), release=release)
    # Still in review, never claimed: not cleared at the embargo, which it alerts for itself.
    plain = factory.post(factory.channel("hmrc"), send_at=AT, release=release)
    plain.state = PostState.IN_REVIEW
    for written_before_the_embargo in (unready, plain):  # the factory stamps the wall clock
        written_before_the_embargo.created_at = AT - timedelta(days=1)
    # Not held: one paced to its channel's rate limit.
    paced = factory.channel("paced", platform_options={"rate_limit_per_minute": 1})
    for _ in range(2):
        factory.post(paced, send_at=AT, release=release)
    # Nor a twin held in its lane while its partner waits out a transient error.
    flaky = factory.channel("flaky", platform_options={"fail_every_nth": 1})
    flaky_cy = factory.channel("flaky_cy", language="cy")
    flaky.twin_id, flaky_cy.twin_id = flaky_cy.id, flaky.id
    retrying, waiting = factory.twins(flaky, flaky_cy, send_at=AT, release=release)
    session.flush()
    worker.run_at(AT - timedelta(minutes=30))
    assert early.hold_reason is not None
    assert send_mail(worker, AT - timedelta(minutes=29)) == []

    worker.run_at(AT)
    assert early.state is PostState.PUBLISHED
    assert held.state is PostState.SCHEDULED
    assert held.hold_reason is not None
    assert worker.runtime.platforms.get("mock").calls("paced") == 1  # type: ignore[attr-defined]
    assert (retrying.state, waiting.state) == (PostState.SCHEDULED, PostState.SCHEDULED)
    assert waiting.hold_reason is not None
    assert waiting.hold_reason.startswith(f"Held with its twin #{retrying.id}")
    mails = send_mail(worker, AT + timedelta(minutes=1))

    subject = f"Gatepost: Post {held.id} on @ons is still held after its release's embargo passed"
    assert told(mails, subject) == team.emails_for(held)
    # The twin that holds it back alerts for itself, and so does the post nobody cleared (its
    # channel has no approvers: only its author hears).
    not_cleared = "is not cleared at its release's embargo"
    subject = f"Gatepost: Post {unready.id} on @ons_cy {not_cleared}"
    assert told(mails, subject) == team.emails_for(unready)
    assert told(mails, f"Gatepost: Post {plain.id} on @hmrc {not_cleared}") == {
        factory.author.email
    }
    assert len(mails) == len(team.emails_for(held)) * 2 + 1
    # Still held a pass later, for the same or another reason: people were told already.
    worker.run_at(AT + timedelta(minutes=5))
    assert len(send_mail(worker, AT + timedelta(minutes=6))) == len(mails)


def test_every_action_the_worker_writes_is_a_row_of_the_transition_table(
    factory: PublishingFactory, make_worker: Callable[..., Worker], session: Session
) -> None:
    dead, worker = make_worker("dead"), make_worker("alive")
    failing = factory.channel(platform_options={"fail_every_nth": 1, "fail_kind": "permanent"})
    flaky = factory.channel(platform_options={"fail_every_nth": 1})
    paced = factory.channel(platform_options={"rate_limit_per_minute": 1})
    english, welsh = factory.twin_channels()
    welsh.platform_options = {"fail_matching": "Diweithdra"}
    session.flush()
    recovered = factory.post(factory.channel(), send_at=AT)
    die_mid_pass(dead, [recovered], sent=[])
    factory.post(factory.channel(), send_at=AT)
    factory.post(failing, send_at=AT)
    factory.post(flaky, send_at=AT)
    factory.post(paced, send_at=AT)
    factory.post(paced, send_at=AT)
    factory.twins(english, welsh, send_at=AT)
    factory.post(factory.channel(), send_at=AT - timedelta(minutes=20))
    factory.post(factory.channel(), send_at=AT, release=factory.release(AT + timedelta(hours=1)))

    worker.run_at(AT + timedelta(minutes=3))

    rows = {(row.action.value, row.source.value, row.target.value) for row in TRANSITIONS
            if row.actor is Actor.SYSTEM}  # fmt: skip
    events = session.execute(
        select(AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state)
    ).all()
    written = {action for action, _, _ in events}
    assert {"claim", "mark_published", "mark_retry", "mark_failed", "mark_missed",
            "mark_held", "alert_twin_left_behind"} <= written  # fmt: skip
    for action, source, target in events:
        if action in ALERTS:
            assert (source, target) == (None, None)
        else:
            assert (action, source, target) in rows
