"""Find the signed-in person for Flask-Login."""

from __future__ import annotations

from sqlalchemy import select

from scheduler.models import User
from web.extensions import db


def load_user(login_id: str) -> User | None:
    """Return the active user whose current login id is in the session cookie."""
    return db.session.scalar(select(User).where(User.login_id == login_id, User.active.is_(True)))
