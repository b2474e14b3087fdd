"""Whether publishing is healthy: workers alive or stale, and how the queue stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.models import PostState, WorkerHeartbeat
from scheduler.publishing.rows import SCHEDULED, posts

#: A worker that has not been seen for this many heartbeat intervals is stale.
STALE_AFTER_BEATS = 3


@dataclass(frozen=True)
class WorkerStatus:
    """One worker's last signs of life."""

    worker_id: str
    hostname: str
    pid: int
    state: str  # "alive", "stale" or "stopped"
    started_at: datetime
    last_seen_at: datetime
    last_pass_at: datetime | None
    last_pass_published: int
    last_pass_held: int

    @property
    def alive(self) -> bool:
        """Return whether the worker is running and beating."""
        return self.state == "alive"


@dataclass(frozen=True)
class QueueCounts:
    """How many posts wait, are held, or need a person."""

    due: int
    scheduled: int
    held: int
    publishing: int
    failed: int
    missed: int
    unknown: int


def live_workers(session: Session, *, now: datetime, settings: Settings) -> int:
    """Return how many workers are running and beating (seen within the stale limit)."""
    stale_after = settings.worker.heartbeat_interval * STALE_AFTER_BEATS
    return (
        session.scalar(
            select(func.count()).where(
                WorkerHeartbeat.stopped_at.is_(None),
                WorkerHeartbeat.last_seen_at >= now - stale_after,
            )
        )
        or 0
    )


def worker_statuses(
    session: Session, *, now: datetime, settings: Settings, within: timedelta = timedelta(days=1)
) -> list[WorkerStatus]:
    """Return the workers seen recently (or never stopped), most recently seen first."""
    stale_after = settings.worker.heartbeat_interval * STALE_AFTER_BEATS
    rows = session.scalars(
        select(WorkerHeartbeat)
        .where(
            or_(
                WorkerHeartbeat.last_seen_at >= now - within,
                WorkerHeartbeat.stopped_at.is_(None),
            )
        )
        .order_by(WorkerHeartbeat.last_seen_at.desc())
    ).all()
    statuses = []
    for row in rows:
        if row.stopped_at is not None:
            state = "stopped"
        elif now - row.last_seen_at <= stale_after:
            state = "alive"
        else:
            state = "stale"
        statuses.append(
            WorkerStatus(
                worker_id=row.worker_id,
                hostname=row.hostname,
                pid=row.pid,
                state=state,
                started_at=row.started_at,
                last_seen_at=row.last_seen_at,
                last_pass_at=row.last_pass_at,
                last_pass_published=row.last_pass_published,
                last_pass_held=row.last_pass_held,
            )
        )
    return statuses


def queue_counts(session: Session, *, now: datetime) -> QueueCounts:
    """Count posts by the states people act on, plus those due and those held.

    Each count reads an index holding only the rows it counts (by state, or the partial
    indexes of scheduled and held posts), never the whole posts table.
    """
    watched = [
        PostState.SCHEDULED,
        PostState.PUBLISHING,
        PostState.FAILED,
        PostState.MISSED,
        PostState.UNKNOWN,
    ]
    counted = session.execute(
        select(posts.c.state, func.count())
        .where(posts.c.state.in_(watched))
        .group_by(posts.c.state)
    )
    by_state: dict[PostState, int] = {state: count for state, count in counted}
    # The state as a literal, as the partial indexes say it: a bound parameter would not match.
    due = session.scalar(
        select(func.count()).where(posts.c.state == SCHEDULED, posts.c.due_at <= now)
    )
    held = session.scalar(
        select(func.count()).where(posts.c.state == SCHEDULED, posts.c.hold_reason.is_not(None))
    )
    return QueueCounts(
        due=due or 0,
        scheduled=by_state.get(PostState.SCHEDULED, 0),
        held=held or 0,
        publishing=by_state.get(PostState.PUBLISHING, 0),
        failed=by_state.get(PostState.FAILED, 0),
        missed=by_state.get(PostState.MISSED, 0),
        unknown=by_state.get(PostState.UNKNOWN, 0),
    )


def next_due(session: Session) -> datetime | None:
    """Return the earliest instant a scheduled post is due, if any."""
    return session.scalar(
        select(posts.c.due_at)
        .where(posts.c.state == SCHEDULED, posts.c.due_at.is_not(None))
        .order_by(posts.c.due_at)
        .limit(1)
    )
