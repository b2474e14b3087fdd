"""Keeping an account safe: changing the password and ending every session."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.core import audit
from scheduler.core.errors import ValidationFailed
from scheduler.identity.passwords import check_password_strength, hash_password, verify_password
from scheduler.models import User


class WrongPassword(ValidationFailed):
    """The current password given to confirm an account change is not the person's password."""


def rotate_login_id(user: User) -> None:
    """Give the person a new login id, so every session signed in with the old one ends."""
    user.login_id = secrets.token_urlsafe(24)


def require_current_password(user: User, password: str, *, field: str = "current_password") -> None:
    """Refuse unless the password is the person's current one."""
    if not password:
        raise WrongPassword("Enter your current password", field=field)
    if not verify_password(user.password_hash, password):
        raise WrongPassword("Your current password is not correct", field=field)


def change_password(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    now: datetime,
) -> None:
    """Replace the person's password and end their other sessions."""
    require_current_password(user, current_password)
    try:
        check_password_strength(new_password)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="new_password") from None
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed(
            "Your new password must be different from your current password", field="new_password"
        )
    user.password_hash = hash_password(new_password)
    rotate_login_id(user)
    audit.record(session, "password_changed", actor=user, subject_user=user, at=now)
    session.flush()


def sign_out_everywhere(session: Session, user: User, *, now: datetime) -> None:
    """End every session the person has, on every device."""
    rotate_login_id(user)
    audit.record(session, "signed_out_everywhere", actor=user, subject_user=user, at=now)
    session.flush()
