"""Admins managing people: role changes, deactivation, 2FA resets and signing people out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.access.rules import acts_as_admin
from scheduler.core import audit
from scheduler.core.errors import NotFound, PermissionDenied, ValidationFailed
from scheduler.identity.account_security import rotate_login_id
from scheduler.identity.accounts import parse_role
from scheduler.identity.two_factor import turn_off
from scheduler.models import Role, User, utcnow


def get_user(session: Session, user_id: int) -> User:
    """Return the user with that id, or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}; list the users to find them")
    return user


def _require_admin(by: User | None) -> None:
    if not acts_as_admin(by):
        raise PermissionDenied("Only admins can manage people")


def _other_active_admins(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        or 0
    )


def _keep_an_admin(session: Session, user: User, change: str) -> None:
    if user.is_admin and user.active and _other_active_admins(session, user) == 0:
        raise PermissionDenied(
            f"{user.email} is the last active admin; make someone else an admin before you {change}"
        )


def change_role(
    session: Session,
    user: User,
    *,
    role: Role | str,
    by: User | None,
    now: datetime | None = None,
    actor_label: str = "",
) -> User:
    """Give the person another role; an approver or admin without 2FA must then set it up."""
    _require_admin(by)
    new_role = role if isinstance(role, Role) else parse_role(role)
    if new_role is user.role:
        raise ValidationFailed(f"{user.email} is already an {new_role.value}", field="role")
    if by is not None and by.id == user.id:
        raise PermissionDenied("You cannot change your own role; ask another admin", field="role")
    if new_role is not Role.ADMIN:
        _keep_an_admin(session, user, "changing their role")
    old_role = user.role
    user.role = new_role
    return _recorded(
        session,
        "user_role_changed",
        user,
        by=by,
        now=now,
        actor_label=actor_label,
        details={"from": old_role.value, "to": new_role.value},
    )


def deactivate_user(
    session: Session,
    user: User,
    *,
    by: User | None,
    now: datetime | None = None,
    actor_label: str = "",
) -> User:
    """Stop the person signing in or using tokens, ending their sessions."""
    _require_admin(by)
    if not user.active:
        raise ValidationFailed(f"{user.email} is already deactivated")
    if by is not None and by.id == user.id:
        raise PermissionDenied("You cannot deactivate yourself; ask another admin")
    _keep_an_admin(session, user, "deactivating them")
    user.active = False
    rotate_login_id(user)
    return _recorded(session, "user_deactivated", user, by=by, now=now, actor_label=actor_label)


def reactivate_user(
    session: Session,
    user: User,
    *,
    by: User | None,
    now: datetime | None = None,
    actor_label: str = "",
) -> User:
    """Let a deactivated person sign in again."""
    _require_admin(by)
    if user.active:
        raise ValidationFailed(f"{user.email} is already active")
    user.active = True
    return _recorded(session, "user_reactivated", user, by=by, now=now, actor_label=actor_label)


def reset_two_factor(
    session: Session, user: User, *, by: User, now: datetime | None = None
) -> User:
    """Remove someone else's authenticator app (a lost phone); they set up a new one."""
    _require_admin(by)
    if by.id == user.id:
        raise PermissionDenied(
            "You cannot reset your own two-factor authentication; use a new app from your account"
        )
    turn_off(session, user, by=by, now=now or utcnow())
    return user


def sign_out_user_everywhere(
    session: Session,
    user: User,
    *,
    by: User | None,
    now: datetime | None = None,
    actor_label: str = "",
) -> User:
    """End every session the person has, on every device."""
    _require_admin(by)
    rotate_login_id(user)
    return _recorded(
        session, "signed_out_everywhere", user, by=by, now=now, actor_label=actor_label
    )


def _recorded(
    session: Session,
    action: str,
    user: User,
    *,
    by: User | None,
    now: datetime | None,
    actor_label: str,
    details: dict[str, Any] | None = None,
) -> User:
    session.flush()
    audit.record(
        session,
        action,
        actor=by,
        actor_label=actor_label,
        subject_user=user,
        details=details,
        at=now or utcnow(),
    )
    return user
