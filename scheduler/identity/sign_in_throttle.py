"""Throttle guessing at sign-in: a few failures per account, more per client address.

Failures are rows in the database, so every web process sees the same counts. An account key is
the e-mail address as typed, whether or not such an account exists, so the throttle's answers
never reveal which accounts are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from scheduler.core import audit
from scheduler.core.errors import DomainError
from scheduler.models import SignInAttempt, User

STAGES = frozenset({"password", "totp", "recovery_code", "current_password"})


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are allowed, per account and per client address, in a sliding window."""

    account_limit: int = 5
    ip_limit: int = 50
    window: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = ThrottlePolicy()


class SignInLocked(DomainError):
    """Too many failed attempts: signing in is refused until the instant given."""

    code = "too_many_attempts"
    keeps_changes = True  # the failure that caused the lock must count in every process

    def __init__(self, until: datetime) -> None:
        super().__init__("Too many attempts to sign in")
        self.until = until


def account_key(email: str) -> str:
    """Return the key an e-mail address is counted under (trimmed, lower-cased, bounded)."""
    return email.strip().lower()[:254]


def check_allowed(
    session: Session,
    *,
    account: str,
    ip_address: str,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    """Raise SignInLocked if the account or the client address has used up its attempts."""
    ends = [
        instant
        for instant in (
            _locked_until(
                session, SignInAttempt.account == account, policy.account_limit, now, policy
            ),
            _locked_until(
                session, SignInAttempt.ip_address == ip_address, policy.ip_limit, now, policy
            ),
        )
        if instant is not None
    ]
    if ends:
        raise SignInLocked(max(ends))


def record_failure(
    session: Session,
    *,
    account: str,
    ip_address: str,
    stage: str,
    now: datetime,
    user: User | None = None,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> datetime | None:
    """Count one failed attempt; return until when signing in is now locked, if it is."""
    if stage not in STAGES:
        raise ValueError(f"unknown sign-in stage {stage!r}")
    # Old rows are never needed again; pruning here keeps the table to one window's worth.
    session.execute(delete(SignInAttempt).where(SignInAttempt.occurred_at < now - policy.window))
    session.add(
        SignInAttempt(occurred_at=now, account=account, ip_address=ip_address[:45], stage=stage)
    )
    session.flush()
    try:
        check_allowed(session, account=account, ip_address=ip_address, now=now, policy=policy)
    except SignInLocked as locked:
        if user is not None and _failures(session, account, now, policy) == policy.account_limit:
            audit.record(
                session,
                "sign_in_locked",
                actor=None,
                actor_label="system",
                subject_user=user,
                details={"until": locked.until.isoformat(), "stage": stage},
                at=now,
            )
        return locked.until
    return None


def clear_failures(session: Session, *, account: str) -> None:
    """Forget an account's failures after it signed in successfully."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.account == account))
    session.flush()


def _failures(session: Session, account: str, now: datetime, policy: ThrottlePolicy) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SignInAttempt)
            .where(
                SignInAttempt.account == account, SignInAttempt.occurred_at > now - policy.window
            )
        )
        or 0
    )


def _locked_until(
    session: Session,
    condition: ColumnElement[bool],
    limit: int,
    now: datetime,
    policy: ThrottlePolicy,
) -> datetime | None:
    """Return when the oldest failure that keeps the count at the limit leaves the window."""
    recent = session.scalars(
        select(SignInAttempt.occurred_at)
        .where(condition, SignInAttempt.occurred_at > now - policy.window)
        .order_by(SignInAttempt.occurred_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    return recent[-1] + policy.window
