"""The opening every person's clearance operation shares: check, guard, start the change set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.changes import ChangeSet, check_expected_version, resolve_now
from scheduler.clearance.guards import GuardContext, enforce
from scheduler.clearance.transitions import Action, rows_for
from scheduler.clearance.units import active_unit
from scheduler.models import Post, User


def begin_action(
    session: Session,
    post: Post,
    action: Action,
    *,
    by: User,
    settings: Settings,
    now: datetime | None,
    expected_version: int | None,
    actor_label: str,
    comment: str = "",
) -> tuple[list[Post], datetime, ChangeSet]:
    """Refuse a stale or forbidden action; return the unit it moves, the instant and the changes."""
    now = resolve_now(now)
    check_expected_version(post, expected_version)
    unit = active_unit(post)
    context = GuardContext(
        session=session,
        action=action,
        post=post,
        unit=unit,
        by=by,
        now=now,
        settings=settings,
        comment=comment,
    )
    enforce(rows_for(post.state, action), context)
    changes = ChangeSet(session, action=action.value, by=by, now=now, actor_label=actor_label)
    return unit, now, changes
