"""Authenticator codes for tests, as a person's phone would show them."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from sqlalchemy.orm import Session

from scheduler.identity.two_factor import confirm_enrolment, start_enrolment
from scheduler.models import Channel, User, utcnow
from tests.support.factories import Factory


def enrol(session: Session, user: User) -> list[str]:
    """Set up an authenticator app for the person, as if a minute ago; return recovery codes."""
    secret = start_enrolment(user)
    # A minute ago, so the code for now has not been used yet (codes cannot be replayed).
    earlier = utcnow() - timedelta(minutes=1)
    return confirm_enrolment(session, user, pyotp.TOTP(secret).at(earlier), now=earlier)


def enrolled_approver(factory: Factory, *channels: Channel) -> User:
    """Add an approver of the channels with an authenticator app set up, as approvers must."""
    user = factory.approver(*channels)
    enrol(factory.session, user)
    factory.session.flush()
    return user


def totp_code(secret: str, last_counter: int | None) -> str:
    """Return a code the server will accept now: newer than the last one used, within its window.

    Gatepost refuses a code as old as one already used (replay protection) and accepts one step
    ahead, so a test that signs in twice within 30 seconds uses the next step's code, and only
    waits if even that was used.
    """
    totp = pyotp.TOTP(secret)
    while True:
        current = totp.timecode(time.time())
        for counter in (current, current + 1):
            if last_counter is None or counter > last_counter:
                return totp.generate_otp(counter)
        time.sleep(1)
