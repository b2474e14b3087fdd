"""Resolve what a request body names (a channel, a release, people): 422 when it names nothing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.channels.operations import get_channel
from scheduler.core.errors import NotFound, ValidationFailed
from scheduler.models import Channel, Release, User
from scheduler.releases.operations import get_release


def named_channel(session: Session, handle: str, *, field: str = "channel") -> Channel:
    """Return the channel a body names, or refuse the field."""
    try:
        return get_channel(session, handle)
    except NotFound as error:
        raise ValidationFailed(error.message, field=field) from None


def named_release(
    session: Session, release_id: int | None, *, field: str = "release_id"
) -> Release | None:
    """Return the release a body names (None for none), or refuse the field."""
    if release_id is None:
        return None
    try:
        return get_release(session, release_id)
    except NotFound as error:
        raise ValidationFailed(
            f"{error.message}; list them at /api/v1/releases", field=field
        ) from None


def named_people(session: Session, emails: Iterable[str], *, field: str) -> list[User]:
    """Return the people the e-mail addresses name, or refuse naming those unknown."""
    wanted = {email.strip().lower(): email for email in emails}
    found = session.scalars(select(User).where(func.lower(User.email).in_(wanted))).all()
    known = {user.email.lower() for user in found}
    unknown = [wanted[email] for email in wanted if email not in known]
    if unknown:
        raise ValidationFailed(f"No one has the e-mail address {', '.join(unknown)}", field=field)
    return list(found)
