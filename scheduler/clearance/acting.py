"""The opening every person's clearance operation shares: check, guard, start the change set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.authorship import Contribution
from scheduler.clearance.changes import ChangeSet, check_expected_version, resolve_now
from scheduler.clearance.counting import approvals_met
from scheduler.clearance.guards import GuardContext, enforce
from scheduler.clearance.transitions import EDIT_KINDS, Action, rows_for
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
    actor_label: str,
    expected_version: int | None = None,
    comment: str = "",
    unit: Sequence[Post] | None = None,
    send_at: datetime | None = None,
    audit_action: Action | None = None,
) -> tuple[list[Post], datetime, ChangeSet]:
    """Refuse a stale or forbidden action; return the unit it moves, the instant and the changes."""
    # `unit` narrows what moves (by default the post with its twin and thread), `send_at` is the
    # send time the guards judge (schedule proposes one), and `audit_action` names the change in
    # the audit trail when that is not the action's own name (adding a twin is a kind of edit).
    if audit_action is not None and not (action is Action.EDIT and audit_action in EDIT_KINDS):
        raise ValueError(f"{audit_action.value} is not a kind of {action.value}")
    now = resolve_now(now)
    check_expected_version(post, expected_version)
    moving = list(unit) if unit is not None else active_unit(post)
    context = GuardContext(
        session=session,
        action=action,
        post=post,
        unit=moving,
        by=by,
        now=now,
        settings=settings,
        send_at=send_at,
        comment=comment,
    )
    enforce(rows_for(post.state, action), context)
    contribution = None
    if action is Action.EDIT:
        # Every change of content is an edit: whoever makes it becomes an author of the unit.
        contribution = Contribution.start(
            post,
            moving,
            by=by,
            cleared=all(approvals_met(member) for member in moving),
            now=now,
        )
    changes = ChangeSet(
        session,
        action=audit_action or action,
        by=by,
        now=now,
        actor_label=actor_label,
        contribution=contribution,
    )
    return moving, now, changes
