"""The half-way state between a correct password and a second factor, kept in the session.

The password step alone never signs anyone in: it leaves a marker naming the account (by its
current login id, so a password change voids it) that expires after a few minutes.
"""

from __future__ import annotations

import time

from flask import flash, session
from flask_login import login_user
from sqlalchemy import select

from scheduler.models import User
from web.extensions import db

PENDING_KEY = "pending_sign_in"
#: Long enough to fetch a phone and install an authenticator app, short enough to go stale.
PENDING_LIFETIME_SECONDS = 10 * 60


def begin_pending_sign_in(user: User, next_url: str | None) -> None:
    """Start a fresh session remembering who gave a correct password and where they were going."""
    session.clear()
    session[PENDING_KEY] = {
        "login_id": user.login_id,
        "expires_at": int(time.time()) + PENDING_LIFETIME_SECONDS,
        "next": next_url,
    }


def pending_user() -> User | None:
    """Return the person half-way through signing in, or None if nobody is (or it expired)."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None
    if int(marker.get("expires_at", 0)) < time.time():
        session.pop(PENDING_KEY, None)
        return None
    return db.session.scalar(
        select(User).where(User.login_id == str(marker.get("login_id")), User.active.is_(True))
    )


def pending_next_url() -> str | None:
    """Return where the person was going when they were asked to sign in."""
    marker = session.get(PENDING_KEY)
    return marker.get("next") if isinstance(marker, dict) else None


def clear_pending_sign_in() -> None:
    """Forget the half-finished sign-in."""
    session.pop(PENDING_KEY, None)


def finish_sign_in(user: User, *, then_flash: str | None = None, category: str = "success") -> None:
    """Sign the person in on a fresh session (nothing from before carries over but the message)."""
    session.clear()
    login_user(user)
    if then_flash is not None:
        flash(then_flash, category)
