"""The worker's connection checks: every connected channel once a day, and each channel again an
hour before an embargo that has posts on it, so a lost connection is found while there is time.

A check is claimed first (its checked-at moved in a short transaction of its own), so two
workers never ask the platform at once: two refreshes of one rotating refresh token would
disconnect the channel. The platform is asked with no transaction open; its answer is recorded
in another short one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.channels.connections import CheckResult, record_check
from scheduler.models import Channel, Post, PostState, Release
from scheduler.platforms import Connection, PlatformError
from scheduler.publishing.rules.facts import load_channels
from scheduler.publishing.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

#: How often every connected channel is checked.
DAILY = timedelta(days=1)
#: How long before an embargo the channels with its posts are checked again.
BEFORE_EMBARGO = timedelta(hours=1)
#: How often the worker looks for checks that are due.
CHECK_EVERY = timedelta(minutes=5)
#: Posts in these states are not waiting to go out at their embargo.
_DONE = (PostState.WITHDRAWN, PostState.REMOVED, PostState.PUBLISHED)


@dataclass(frozen=True)
class _Due:
    channel_id: int
    checked_at: datetime | None


def due_checks(session: Session, now: datetime) -> list[_Due]:
    """Return the connected channels whose daily or before-embargo check is due."""
    connected = {
        row.id: row.connection_checked_at
        for row in session.execute(
            select(Channel.id, Channel.connection_checked_at).where(
                Channel.credentials_encrypted.is_not(None), Channel.active.is_(True)
            )
        )
    }
    if not connected:
        return []
    due = {
        channel_id
        for channel_id, checked in connected.items()
        if checked is None or checked <= now - DAILY
    }
    embargoes = session.execute(
        select(Post.channel_id, Release.embargo_at)
        .join(Release, Release.id == Post.release_id)
        .where(
            Release.embargo_at > now,
            Release.embargo_at <= now + BEFORE_EMBARGO,
            Post.state.not_in(_DONE),
        )
        .distinct()
    )
    for channel_id, embargo_at in embargoes:
        checked = connected.get(channel_id, now)
        if channel_id in connected and (checked is None or checked < embargo_at - BEFORE_EMBARGO):
            due.add(channel_id)
    return [_Due(channel_id, connected[channel_id]) for channel_id in sorted(due)]


def check_due_connections(runtime: WorkerRuntime) -> list[CheckResult]:
    """Check every channel whose check is due; return what each check found."""
    now = runtime.clock.now()
    database = runtime.database
    with database.read_session_factory() as session:
        due = due_checks(session, now)
        facts = load_channels(session, [item.channel_id for item in due], {})
    platforms = runtime.platforms
    results = []
    for item in due:
        channel = facts.get(item.channel_id)
        if (
            channel is None
            or not platforms.known(channel.platform)
            or not platforms.needs_connection(channel.platform)
        ):
            continue
        if not _claim(runtime, item, now):
            continue  # another worker is checking it
        outcome: Connection | PlatformError
        try:
            outcome = platforms.get(channel.platform).check_connection(
                platforms.account_for(channel)
            )
        except PlatformError as error:
            outcome = error
        with database.unit_of_work() as session:
            row = session.get(Channel, item.channel_id)
            if row is None:
                continue
            result = record_check(
                session,
                row,
                outcome,
                settings=runtime.settings,
                now=now,
                actor_label=runtime.identity.actor_label,
            )
            if result.working is None:
                # Could not tell: look again at the next round rather than in a day.
                _unclaim(session, item, now)
        if result.working is None:
            log.warning("connection check of %s", result.line())
        results.append(result)
    return results


def _claim(runtime: WorkerRuntime, item: _Due, now: datetime) -> bool:
    checked = Channel.connection_checked_at
    with runtime.database.unit_of_work() as session:
        found = session.execute(
            update(Channel)
            .where(
                Channel.id == item.channel_id,
                checked.is_(None) if item.checked_at is None else checked == item.checked_at,
            )
            .values(connection_checked_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(found, "rowcount", 0))


def _unclaim(session: Session, item: _Due, now: datetime) -> None:
    session.execute(
        update(Channel)
        .where(Channel.id == item.channel_id, Channel.connection_checked_at == now)
        .values(connection_checked_at=item.checked_at)
        .execution_options(synchronize_session=False)
    )
    session.flush()
