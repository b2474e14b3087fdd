"""Quiet periods, such as a pre-election period: admins add and cancel them; nothing goes out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.access.rules import acts_as_admin
from scheduler.core import audit
from scheduler.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import Channel, Post, PostState, QuietPeriod, User, utcnow
from scheduler.publishing.rules.window import quiet_reason


def _require_admin(by: User, action: str) -> None:
    if not acts_as_admin(by):
        raise PermissionDenied(f"Only an admin can {action}")


def add_quiet_period(
    session: Session,
    *,
    by: User,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    channel: Channel | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> QuietPeriod:
    """Add a quiet period, on one channel or (by default) all; posts due in it are held."""
    now = now or utcnow()
    _require_admin(by, "add a quiet period")
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the quiet period a name people will recognise", field="name")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed("Give the start and end as instants with a time zone")
    if ends_at <= starts_at:
        raise ValidationFailed("The quiet period must end after it starts", field="ends_at")
    if ends_at <= now:
        raise ValidationFailed(
            "That quiet period is already over; check the dates", field="ends_at"
        )
    period = QuietPeriod(
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        channel_id=channel.id if channel else None,
        reason=reason.strip(),
        created_by_id=by.id,
        created_at=now,
    )
    session.add(period)
    session.flush()
    audit.record(
        session,
        "quiet_period_added",
        actor=by,
        channel_id=period.channel_id,
        comment=period.reason,
        details={
            "quiet_period_id": period.id,
            "name": name,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
        at=now,
    )
    session.flush()
    return period


def get_quiet_period(session: Session, period_id: int) -> QuietPeriod:
    """Return the quiet period with that id, or raise NotFound."""
    period = session.get(QuietPeriod, period_id)
    if period is None:
        raise NotFound(f"There is no quiet period {period_id}; list them to see their numbers")
    return period


def list_quiet_periods(
    session: Session, *, now: datetime | None = None, include_past: bool = False
) -> Sequence[QuietPeriod]:
    """Return quiet periods not yet over (or all), earliest first, cancelled ones included."""
    query = select(QuietPeriod).order_by(QuietPeriod.starts_at, QuietPeriod.id)
    if not include_past:
        query = query.where(QuietPeriod.ends_at > (now or utcnow()))
    return session.scalars(query).all()


def cancel_quiet_period(
    session: Session, period: QuietPeriod, *, by: User, now: datetime | None = None
) -> int:
    """Cancel a quiet period; posts it was holding go as soon as the other rules allow.

    Return how many held posts were released to be looked at again.
    """
    now = now or utcnow()
    _require_admin(by, "cancel a quiet period")
    if period.cancelled_at is not None:
        raise Conflict(f"The quiet period “{period.name}” was already cancelled")
    period.cancelled_at = now
    release = (
        update(Post)
        .where(
            Post.state == PostState.SCHEDULED,
            Post.due_at > now,
            Post.hold_reason.startswith(quiet_reason(period.name), autoescape=True),
        )
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
    if period.channel_id is not None:
        release = release.where(Post.channel_id == period.channel_id)
    released = session.execute(release)
    audit.record(
        session,
        "quiet_period_cancelled",
        actor=by,
        channel_id=period.channel_id,
        details={"quiet_period_id": period.id, "name": period.name},
        at=now,
    )
    session.flush()
    return int(getattr(released, "rowcount", 0) or 0)
