"""The current two-factor code of a demo person, for trying the demo without a phone.

Only for people the demo itself added to a database it seeded (see marker.py), and only while
they still use the authenticator secret the demo set up: it can never stand in for the second
factor of a real account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.errors import DomainError, PermissionDenied
from scheduler.demo.marker import changed_two_factor_since, demo_marker, seeded_person
from scheduler.identity.two_factor import VALID_WINDOW
from scheduler.models import User


class NotADemoPerson(PermissionDenied):
    """The database was not seeded by the demo, or the person is not one the demo added."""


class NoCodeYet(DomainError):
    """Every code the sign-in would accept now has been used; a new one comes within seconds."""

    code = "try_again"


@dataclass(frozen=True)
class DemoCode:
    """A code the sign-in accepts now, whose it is, and for how much longer it is good."""

    user: User
    code: str
    valid_for: timedelta


def current_demo_code(session: Session, email: str, *, now: datetime) -> DemoCode:
    """Return the code a demo person's authenticator app would show, as sign-in accepts it now."""
    marker = demo_marker(session)
    if marker is None:
        raise NotADemoPerson(
            "This database was not set up by 'gatepost serve --demo', so it has no demo people "
            "and no codes are shown"
        )
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not seeded_person(marker, user):
        raise NotADemoPerson(
            f"{email.strip()} is not one of the people the demo added; codes are shown only for "
            "them, never for a real account"
        )
    if changed_two_factor_since(session, marker, user):
        raise NotADemoPerson(
            f"{user.email} has changed their two-factor authentication since the demo set it up; "
            "only their own authenticator app has their codes now"
        )
    if user.totp_secret is None or not user.totp_enabled:
        raise NotADemoPerson(
            f"{user.email} signs in with a password alone (no two-factor code is needed)"
        )
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    # Sign-in refuses a code as old as one already used and accepts VALID_WINDOW steps either
    # side of now (two_factor.matching_counter), so give the first step it would still take.
    after = user.totp_last_counter
    for counter in range(current, current + VALID_WINDOW + 1):
        if after is None or counter > after:
            good_until = datetime.fromtimestamp(
                (counter + VALID_WINDOW + 1) * totp.interval, tz=UTC
            )
            return DemoCode(user=user, code=totp.generate_otp(counter), valid_for=good_until - now)
    next_step = datetime.fromtimestamp((current + 1) * totp.interval, tz=UTC)
    seconds = max(1, round((next_step - now).total_seconds()))
    raise NoCodeYet(
        f"{user.email} has just signed in with the newest code; run this again in {seconds} "
        "seconds for the next one"
    )
