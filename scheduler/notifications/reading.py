"""Reading notifications: the unread count by unit, the list newest first, marking them read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Notification, User, utcnow

#: The most notifications one page may ask for.
MOST = 200


def _units() -> ColumnElement[int]:
    """Count the units among notifications: each unit once, each notification of no unit once."""
    alone = func.coalesce(func.sum(case((Notification.unit_post_id.is_(None), 1), else_=0)), 0)
    return func.count(func.distinct(Notification.unit_post_id)) + alone


def unread_count(session: Session, user: User) -> int:
    """Return how many units the person has unread notifications about."""
    return int(
        session.scalar(
            select(_units()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_notifications(
    session: Session,
    user: User,
    *,
    unread_only: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> Sequence[Notification]:
    """Return the person's notifications, latest updated first, a page at a time.

    Keyset pages: `before_id` is the last notification of the page before, and the next page
    starts after its place (its update time, then its id).
    """
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(max(1, min(limit, MOST)))
        .options(selectinload(Notification.audit_event))
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before_id is not None:
        after = session.scalar(
            select(Notification.updated_at).where(
                Notification.id == before_id, Notification.user_id == user.id
            )
        )
        if after is None:
            return []
        query = query.where(
            or_(
                Notification.updated_at < after,
                and_(Notification.updated_at == after, Notification.id < before_id),
            )
        )
    return session.scalars(query).all()


def mark_read(
    session: Session,
    user: User,
    *,
    notification_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Mark a notification's whole unit read for the person (or everything); return how many units.

    A unit can have notifications of several kinds (waiting for you, then edited): reading one
    reads the unit, as the header counts units.
    """
    mine = and_(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        found = session.execute(
            select(Notification.id, Notification.unit_post_id).where(
                mine, Notification.id == notification_id
            )
        ).first()
        if found is None:
            return 0
        if found.unit_post_id is None:
            mine = and_(mine, Notification.id == found.id)
        else:
            mine = and_(mine, Notification.unit_post_id == found.unit_post_id)
    units = int(session.scalar(select(_units()).where(mine)) or 0)
    session.execute(
        update(Notification)
        .where(mine)
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return units
