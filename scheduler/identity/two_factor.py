"""Time-based one-time codes (TOTP, RFC 6238) from an authenticator app: enrol, verify, turn off."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from scheduler.access.rules import is_self_or_admin
from scheduler.core import audit
from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.identity.account_security import require_current_password, rotate_login_id
from scheduler.identity.recovery_codes import replace_recovery_codes
from scheduler.models import User

ISSUER = "Gatepost"
#: Codes from one 30-second step either side of now are accepted, for clocks that drift.
VALID_WINDOW = 1
CODE_DIGITS = 6


def start_enrolment(user: User) -> str:
    """Return the secret the person should add to their app, making one if none is pending."""
    if user.totp_pending_secret is None:
        user.totp_pending_secret = pyotp.random_base32()
    return user.totp_pending_secret


def provisioning_uri(user: User, secret: str) -> str:
    """Return the otpauth:// address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def grouped_secret(secret: str) -> str:
    """Return the secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def confirm_enrolment(
    session: Session,
    user: User,
    code: str,
    *,
    now: datetime,
    current_password: str | None = None,
) -> list[str]:
    """Switch to the pending secret once a code from it checks out; return new recovery codes.

    Replacing a second factor that is already on needs the current password as well.
    """
    secret = user.totp_pending_secret
    if secret is None:
        raise ValidationFailed(
            "Start setting up two-factor authentication again: there is no new app to confirm",
            field="code",
        )
    resetting = user.totp_enabled
    if resetting:
        require_current_password(user, current_password or "")
    counter = matching_counter(secret, code, now=now, after=None)
    if counter is None:
        raise ValidationFailed(
            "Enter the 6-digit code your authenticator app shows for Gatepost now", field="code"
        )
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.totp_enabled_at = now
    user.totp_last_counter = counter
    codes = replace_recovery_codes(session, user)
    rotate_login_id(user)
    audit.record(
        session,
        "two_factor_reset" if resetting else "two_factor_enabled",
        actor=user,
        subject_user=user,
        at=now,
    )
    session.flush()
    return codes


def verify_code(user: User, code: str, *, now: datetime) -> bool:
    """Check a code from the person's app, refusing any code as old as one already used."""
    if user.totp_secret is None or user.totp_enabled_at is None:
        return False
    counter = matching_counter(user.totp_secret, code, now=now, after=user.totp_last_counter)
    if counter is None:
        return False
    user.totp_last_counter = counter
    return True


def turn_off(
    session: Session,
    user: User,
    *,
    by: User,
    now: datetime,
    current_password: str | None = None,
) -> None:
    """Remove the person's second factor and recovery codes.

    People may turn off their own only where policy does not require it, confirming with their
    password; an admin may turn off anyone else's (for a lost phone), after which an approver or
    admin must set up a new app the next time they sign in.
    """
    check_may_turn_off(user, by=by)
    if by.id == user.id:
        require_current_password(user, current_password or "")
    if not user.totp_enabled:
        raise ValidationFailed("Two-factor authentication is already off")
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    user.recovery_codes.clear()
    rotate_login_id(user)
    audit.record(session, "two_factor_disabled", actor=by, subject_user=user, at=now)
    session.flush()


def check_may_turn_off(user: User, *, by: User) -> None:
    """Refuse if `by` may not turn off the person's second factor (see turn_off)."""
    if by.id == user.id and user.requires_second_factor:
        raise PermissionDenied(
            "Approvers and admins must use two-factor authentication; "
            "you can set up a new app instead"
        )
    if not is_self_or_admin(by, user.id):
        raise PermissionDenied("Only admins can turn off someone else's two-factor authentication")


def matching_counter(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """Return the time step whose code this is (within the window, newer than `after`), or None."""
    code = "".join(code.split())
    if len(code) != CODE_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for counter in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and counter <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None
