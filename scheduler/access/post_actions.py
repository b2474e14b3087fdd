"""Which posts a person may see, and which actions they may take on one now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import is_visible_to
from scheduler.clearance.changes import resolve_now
from scheduler.clearance.guards import GUARDS, GuardContext
from scheduler.clearance.transitions import Action, guards_of, person_actions_from, rows_for
from scheduler.clearance.units import active_unit
from scheduler.core.errors import DomainError, PermissionDenied
from scheduler.models import Post, User

# Guards about who the person is, what they may read and what state things are in decide
# whether an action is offered at all: nobody is offered to clear or edit a text they may not
# read. The others depend on what the person types (a comment, a send time) or on the content
# (text rules), and refuse with their own message when tried.
OFFER_GUARDS = frozenset(
    {
        "author_access",
        "approver_access",
        "author_or_approver_access",
        "not_own_post",
        "text_readable",
        "unit_in_same_state",
        "unit_not_in_flight",
        "unit_editable",
        "not_already_approved",
    }
)


def may_view_post(session: Session, post: Post, user: User) -> bool:
    """Return whether the person may open the post: an active account that may see it listed."""
    # The rule itself is `visible_to`'s, asked of this one post, so the page and the lists agree.
    return user.active and is_visible_to(session, post, user)


def require_readable(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Refuse, as the guard `text_readable` does, unless the person may read the unit's texts."""
    context = GuardContext(
        session=session,
        action=Action.EDIT,
        post=post,
        unit=active_unit(post),
        by=by,
        now=resolve_now(now),
        settings=settings,
    )
    GUARDS["text_readable"](context)


def unreadable_because(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
) -> str | None:
    """Return why the person may not read the unit's texts (`require_readable`), or None."""
    try:
        require_readable(session, post, by=by, settings=settings, now=now)
    except PermissionDenied as refused:
        return refused.message
    return None


def available_actions(
    session: Session,
    post: Post,
    *,
    by: User,
    settings: Settings,
    now: datetime | None = None,
) -> list[Action]:
    """Return the person's actions on the post now, in the order of the transition table."""
    now = resolve_now(now)
    if not by.active:
        return []
    unit = active_unit(post)
    offered: list[Action] = []
    for action in person_actions_from(post.state):
        context = GuardContext(
            session=session,
            action=action,
            post=post,
            unit=unit,
            by=by,
            now=now,
            settings=settings,
            send_at=post.send_at,
        )
        try:
            for name in guards_of(rows_for(post.state, action)):
                if name in OFFER_GUARDS:
                    GUARDS[name](context)
        except DomainError:
            continue
        offered.append(action)
    return offered


__all__ = [
    "OFFER_GUARDS",
    "available_actions",
    "may_view_post",
    "require_readable",
    "unreadable_because",
]
