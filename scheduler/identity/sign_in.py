"""The steps of signing in: password, then (where set up or required) a second factor.

Every step checks the throttle first and counts its failures, changing nothing else before it
refuses. Callers commit even when a step raises SignInRefused or SignInLocked (both say so with
`keeps_changes`), so that the failure is counted in every process.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core import audit
from scheduler.core.errors import ValidationFailed
from scheduler.identity.account_security import WrongPassword, require_current_password
from scheduler.identity.accounts import authenticate
from scheduler.identity.recovery_codes import remaining_recovery_codes, use_recovery_code
from scheduler.identity.sign_in_throttle import (
    DEFAULT_POLICY,
    SignInLocked,
    ThrottlePolicy,
    account_key,
    check_allowed,
    clear_failures,
    record_failure,
)
from scheduler.identity.two_factor import verify_code
from scheduler.models import User


class SignInRefused(ValidationFailed):
    """The password or code was wrong (never saying whether the account exists)."""

    keeps_changes = True  # the failure was counted, and must count in every process


class NextStep(StrEnum):
    """What the person must do after a correct password."""

    DONE = "done"
    VERIFY = "verify"  # enter a code from their app (or a recovery code)
    ENROL = "enrol"  # policy requires 2FA and they have not set it up yet


def check_password(
    session: Session,
    *,
    email: str,
    password: str,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> User:
    """Return the person whose e-mail and password these are, or raise SignInRefused/Locked."""
    account = account_key(email)
    check_allowed(session, account=account, ip_address=ip_address, now=now, policy=policy)
    user = authenticate(session, email, password)
    if user is None:
        _fail(session, account, ip_address, "password", now, policy)
        raise SignInRefused("Enter a correct email address and password", field="email")
    return user


def next_step(user: User) -> NextStep:
    """Return whether the person still needs to give, or set up, a second factor."""
    if user.totp_enabled:
        return NextStep.VERIFY
    if user.requires_second_factor:
        return NextStep.ENROL
    return NextStep.DONE


def check_code(
    session: Session,
    user: User,
    *,
    code: str,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    """Accept a code from the person's authenticator app, or raise SignInRefused/Locked."""
    account = account_key(user.email)
    check_allowed(session, account=account, ip_address=ip_address, now=now, policy=policy)
    if not verify_code(user, code, now=now):
        _fail(session, account, ip_address, "totp", now, policy)
        raise SignInRefused(
            "Enter the current 6-digit code from your authenticator app", field="code"
        )


def check_recovery_code(
    session: Session,
    user: User,
    *,
    code: str,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> int:
    """Spend one recovery code and return how many are left, or raise SignInRefused/Locked."""
    account = account_key(user.email)
    check_allowed(session, account=account, ip_address=ip_address, now=now, policy=policy)
    if not use_recovery_code(session, user, code, now=now):
        _fail(session, account, ip_address, "recovery_code", now, policy)
        raise SignInRefused(
            "Enter one of your unused recovery codes, like abcd-efgh-jkmn-pqrs", field="code"
        )
    return remaining_recovery_codes(session, user)


def complete_sign_in(session: Session, user: User, *, method: str, now: datetime) -> None:
    """Forget the account's failed attempts and record how the person signed in."""
    clear_failures(session, account=account_key(user.email))
    user.last_login_at = now
    details: dict[str, object] = {"method": method}
    if method == "recovery_code":
        details["recovery_codes_left"] = remaining_recovery_codes(session, user)
    audit.record(session, "signed_in", actor=user, subject_user=user, details=details, at=now)
    session.flush()


def count_wrong_password(
    session: Session,
    user: User,
    *,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    """Count a wrong current password on an account page as a failed attempt for the account."""
    _fail(session, account_key(user.email), ip_address, "current_password", now, policy)


def check_not_locked(
    session: Session,
    user: User,
    *,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    """Raise SignInLocked if the person's account or address is locked for now."""
    check_allowed(
        session, account=account_key(user.email), ip_address=ip_address, now=now, policy=policy
    )


def confirm_current_password(
    session: Session,
    user: User,
    password: str,
    *,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    """Refuse unless the account is unlocked and the password is right, counting a wrong one.

    Account pages call this before making the change the password confirms, so a refusal has
    changed nothing but the count (SignInRefused or SignInLocked, both to be saved).
    """
    check_not_locked(session, user, ip_address=ip_address, now=now, policy=policy)
    try:
        require_current_password(user, password)
    except WrongPassword as wrong:
        count_wrong_password(session, user, ip_address=ip_address, now=now, policy=policy)
        raise SignInRefused(wrong.message, field=wrong.field) from None


def _fail(
    session: Session,
    account: str,
    ip_address: str,
    stage: str,
    now: datetime,
    policy: ThrottlePolicy,
) -> None:
    user = session.scalar(select(User).where(User.email == account))
    until = record_failure(
        session,
        account=account,
        ip_address=ip_address,
        stage=stage,
        now=now,
        user=user,
        policy=policy,
    )
    if until is not None:
        raise SignInLocked(until)
