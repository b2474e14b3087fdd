"""Release readiness reminders: at each lead time before an embargo while anything of the release
is not cleared, and one warning when a post in review has no approver who can read it.

A reminder goes to the release's creator (the statistician), the approvers of its channels who
are on its access list, and the admins; the warning to the creator and the admins. Both are
notifications (in the app, and e-mailed by the notifications job), never with a post's text or a
thread's title: the release's title and counts only.

Each (release, reminder) is sent at most once, however many workers run and whatever restarts:
its row in `release_reminders`, inserted under a unique key in the same transaction as the
audit event and the notifications, is the record. A second worker's insert finds the row and
sends nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core import audit
from scheduler.core.database import Database
from scheduler.core.local_time import describe
from scheduler.models import Notification, Post, PostState, Release, ReleaseReminder, Role, User
from scheduler.releases.readiness import (
    GONE,
    NOT_CLEARED,
    approvers_who_can_read,
    unreadable_in_review,
)

log = logging.getLogger(__name__)

#: How often the worker looks for reminders that are due.
REMIND_EVERY = timedelta(minutes=1)
#: The reminders' kinds, as recorded in `release_reminders`.
LEAD_TIME = "lead_time"
UNREADABLE_REVIEW = "unreadable_review"
#: Their audit actions (release events: no post) and notification kinds.
REMINDER_ACTION = "release_reminder_sent"
WARNING_ACTION = "release_unreadable_warning"
REMINDER_KIND = "release_reminder"
WARNING_KIND = "release_unreadable"


@dataclass(frozen=True)
class Due:
    """One reminder due now: which release, which kind, for which lead time."""

    release_id: int
    kind: str
    lead: timedelta


@dataclass(frozen=True)
class Sent:
    """A reminder this worker sent, and to how many people."""

    release_id: int
    kind: str
    lead: timedelta
    recipients: int
    message: str


def lead_words(lead: timedelta) -> str:
    """Return a lead time as people say it: "24 hours", "2 hours", "30 minutes", "1 day 2 hours"."""
    minutes = int(lead.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) or "less than a minute"


def _window(leads: tuple[timedelta, ...], index: int) -> tuple[timedelta, timedelta]:
    """Return (from, until) before the embargo during which the reminder at `index` is due.

    Due from its lead time until the next (shorter) one takes over, or the embargo: a worker
    that was stopped at its moment sends it when it starts again, but never a stale one.
    """
    shorter = leads[index + 1] if index + 1 < len(leads) else timedelta(0)
    return leads[index], shorter


def due_reminders(session: Session, settings: Settings, *, now: datetime) -> list[Due]:
    """Return the reminders due now that have not been sent (nothing cleared-state checked yet)."""
    leads = settings.reminders.lead_times
    due: list[Due] = []
    horizon = max(leads) if leads else timedelta(0)
    releases = session.scalars(
        select(Release)
        .where(Release.embargo_at > now, Release.embargo_at <= now + horizon)
        .order_by(Release.embargo_at, Release.id)
    ).all()
    sent = {
        (row.release_id, row.kind, row.lead_minutes)
        for row in session.scalars(
            select(ReleaseReminder).where(
                ReleaseReminder.release_id.in_([release.id for release in releases])
            )
        )
    }
    for release in releases:
        left = release.embargo_at - now
        for index, lead in enumerate(leads):
            longest, shortest = _window(leads, index)
            minutes = int(lead.total_seconds() // 60)
            if shortest < left <= longest and (release.id, LEAD_TIME, minutes) not in sent:
                due.append(Due(release.id, LEAD_TIME, lead))
    # The warning: any release still embargoed with a post in review (checked one by one).
    reviewing = session.scalars(
        select(Release.id)
        .join(Post, Post.release_id == Release.id)
        .where(Release.embargo_at > now, Post.state == PostState.IN_REVIEW)
        .distinct()
        .order_by(Release.id)
    ).all()
    warned = set(
        session.scalars(
            select(ReleaseReminder.release_id).where(
                ReleaseReminder.kind == UNREADABLE_REVIEW,
                ReleaseReminder.release_id.in_(reviewing),
            )
        )
    )
    due.extend(
        Due(release_id, UNREADABLE_REVIEW, timedelta(0))
        for release_id in reviewing
        if release_id not in warned
    )
    return due


def _claim(
    session: Session, item: Due, *, release: Release, now: datetime, by: str, waiting: int
) -> bool:
    """Insert the reminder's row; return False when another worker already sent it."""
    dialect = session.get_bind().dialect.name
    create = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}.get(dialect, insert)
    statement = create(ReleaseReminder).values(
        release_id=item.release_id,
        kind=item.kind,
        lead_minutes=int(item.lead.total_seconds() // 60),
        embargo_at=release.embargo_at,
        waiting=waiting,
        sent_at=now,
        sent_by=by[:100],
    )
    if hasattr(statement, "on_conflict_do_nothing"):
        statement = statement.on_conflict_do_nothing(
            index_elements=["release_id", "kind", "lead_minutes"]
        )
    claimed = session.execute(statement.returning(ReleaseReminder.id)).scalar()
    return claimed is not None


def _admins(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
    )


def _creator(session: Session, release: Release) -> list[int]:
    creator = session.get(User, release.created_by_id) if release.created_by_id else None
    return [creator.id] if creator is not None and creator.active else []


def reminder_recipients(session: Session, release: Release) -> list[int]:
    """Return who hears a reminder: the creator, approvers who can read it, the admins."""
    readers = [user.id for user in approvers_who_can_read(session, release)]
    return list(dict.fromkeys([*_creator(session, release), *readers, *_admins(session)]))


def warning_recipients(session: Session, release: Release) -> list[int]:
    """Return who hears the unreadable-review warning: the creator and the admins."""
    return list(dict.fromkeys([*_creator(session, release), *_admins(session)]))


def _states(session: Session, release: Release) -> Counter[PostState]:
    rows = session.execute(
        select(Post.state).where(Post.release_id == release.id, Post.state.not_in(GONE))
    )
    return Counter(PostState(state) for (state,) in rows)


def reminder_message(
    release: Release, lead: timedelta, states: Counter[PostState], settings: Settings
) -> str:
    """Return a reminder's words: the release's title, the lead time and counts, never a text."""
    total = sum(states.values())
    waiting = sum(states[state] for state in NOT_CLEARED)
    parts = [
        f"{states[state]} {state.words}" for state in (PostState.DRAFT, PostState.IN_REVIEW)
        if states[state]
    ]  # fmt: skip
    when = describe(release.embargo_at, settings.timezone)
    return (
        f"“{release.title}” is embargoed until {when}, {lead_words(lead)} away: "
        f"{waiting} of {total} post{'s' if total != 1 else ''} not yet cleared "
        f"({', '.join(parts)})"
    )


def warning_message(release: Release, posts: list[Post], settings: Settings) -> str:
    """Return the warning's words: which channels, never a text."""
    handles = ", ".join(sorted({f"@{post.channel.handle}" for post in posts}))
    count = len(posts)
    when = describe(release.embargo_at, settings.timezone)
    return (
        f"“{release.title}” has {count} post{'s' if count != 1 else ''} in review on {handles} "
        f"that no approver on its access list can clear before the embargo at {when}; add "
        "an approver of the channel to the access list"
    )


def send_one(
    session: Session, item: Due, *, settings: Settings, now: datetime, by: str
) -> Sent | None:
    """Send one due reminder in the caller's unit of work (it commits); None if not needed now.

    A lead-time reminder with everything cleared is not sent (nor recorded: should something be
    sent back before the next lead time, it still goes). A warning whose post was cleared or
    whose approver was added meanwhile is not sent either.
    """
    release = session.get(Release, item.release_id)
    if release is None or release.embargo_at <= now:
        return None
    if item.kind == LEAD_TIME:
        states = _states(session, release)
        waiting = sum(states[state] for state in NOT_CLEARED)
        if not waiting:
            return None
        message = reminder_message(release, item.lead, states, settings)
        recipients = reminder_recipients(session, release)
        action, kind = REMINDER_ACTION, REMINDER_KIND
    else:
        stuck = unreadable_in_review(session, release, now=now)
        if not stuck:
            return None
        waiting = len(stuck)
        message = warning_message(release, stuck, settings)
        recipients = warning_recipients(session, release)
        action, kind = WARNING_ACTION, WARNING_KIND
    if not _claim(session, item, release=release, now=now, by=by, waiting=waiting):
        return None  # another worker sent it
    event = audit.record(
        session,
        action,
        actor_label=by,
        release_id=release.id,
        comment=message,
        details={"lead_minutes": int(item.lead.total_seconds() // 60), "waiting": waiting},
        at=now,
    )
    session.flush()
    for user_id in recipients:
        session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                audit_event_id=event.id,
                message=message,
                created_at=now,
            )
        )
    session.flush()
    return Sent(release.id, item.kind, item.lead, len(recipients), message)


def send_due_reminders(
    database: Database, settings: Settings, *, now: datetime, by: str
) -> list[Sent]:
    """Send every reminder due now, each in its own short transaction; return those sent."""
    with database.read_session_factory() as session:
        due = due_reminders(session, settings, now=now)
    sent: list[Sent] = []
    for item in due:
        with database.unit_of_work() as session:
            done = send_one(session, item, settings=settings, now=now, by=by)
        if done is not None:
            log.info(
                "release %d: %s reminder sent to %d", done.release_id, done.kind, done.recipients
            )
            sent.append(done)
    return sent
