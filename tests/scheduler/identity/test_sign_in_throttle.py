"""The sign-in throttle: per account and per client address, in a sliding window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.identity.sign_in_throttle import (
    SignInLocked,
    ThrottlePolicy,
    account_key,
    check_allowed,
    clear_failures,
    record_failure,
)
from scheduler.models import AuditEvent, Role, SignInAttempt, User

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(account_limit=5, ip_limit=8, window=timedelta(minutes=15))


def fail(session: Session, account: str, ip: str = "192.0.2.1", *, at: datetime = NOW) -> None:
    record_failure(session, account=account, ip_address=ip, stage="password", now=at, policy=POLICY)


def test_account_locks_on_the_fifth_failure_until_the_first_leaves_the_window(
    session: Session,
) -> None:
    for minute in range(4):
        fail(session, "ada@example.gov.uk", at=NOW + timedelta(minutes=minute))
        check_allowed(
            session,
            account="ada@example.gov.uk",
            ip_address="192.0.2.1",
            now=NOW + timedelta(minutes=minute),
            policy=POLICY,
        )
    until = record_failure(
        session,
        account="ada@example.gov.uk",
        ip_address="192.0.2.1",
        stage="password",
        now=NOW + timedelta(minutes=4),
        policy=POLICY,
    )
    assert until == NOW + timedelta(minutes=15)
    with pytest.raises(SignInLocked) as locked:
        check_allowed(
            session,
            account="ada@example.gov.uk",
            ip_address="198.51.100.7",  # another address does not help
            now=NOW + timedelta(minutes=14, seconds=59),
            policy=POLICY,
        )
    assert locked.value.until == NOW + timedelta(minutes=15)
    check_allowed(
        session,
        account="ada@example.gov.uk",
        ip_address="192.0.2.1",
        now=NOW + timedelta(minutes=15),
        policy=POLICY,
    )


def test_other_accounts_are_not_locked_by_someone_elses_failures(session: Session) -> None:
    for _ in range(5):
        fail(session, "ada@example.gov.uk")
    check_allowed(
        session, account="bob@example.gov.uk", ip_address="198.51.100.7", now=NOW, policy=POLICY
    )


def test_one_address_trying_many_accounts_is_locked_at_the_higher_limit(session: Session) -> None:
    for number in range(7):
        fail(session, f"person{number}@example.gov.uk", ip="203.0.113.9")
    check_allowed(
        session, account="new@example.gov.uk", ip_address="203.0.113.9", now=NOW, policy=POLICY
    )
    fail(session, "person7@example.gov.uk", ip="203.0.113.9")
    with pytest.raises(SignInLocked):
        check_allowed(
            session, account="new@example.gov.uk", ip_address="203.0.113.9", now=NOW, policy=POLICY
        )
    check_allowed(
        session, account="new@example.gov.uk", ip_address="192.0.2.1", now=NOW, policy=POLICY
    )


def test_made_up_accounts_are_throttled_exactly_like_real_ones(session: Session) -> None:
    for _ in range(5):
        fail(session, "nobody@example.gov.uk")
    with pytest.raises(SignInLocked):
        check_allowed(
            session,
            account="nobody@example.gov.uk",
            ip_address="192.0.2.1",
            now=NOW,
            policy=POLICY,
        )


def test_clearing_forgets_the_accounts_failures_only(session: Session) -> None:
    for _ in range(4):
        fail(session, "ada@example.gov.uk")
        fail(session, "bob@example.gov.uk", ip="198.51.100.7")
    clear_failures(session, account="ada@example.gov.uk")
    fail(session, "ada@example.gov.uk")
    check_allowed(
        session, account="ada@example.gov.uk", ip_address="192.0.2.1", now=NOW, policy=POLICY
    )
    fail(session, "bob@example.gov.uk", ip="198.51.100.7")
    with pytest.raises(SignInLocked):
        check_allowed(
            session, account="bob@example.gov.uk", ip_address="198.51.100.7", now=NOW, policy=POLICY
        )


def test_old_failures_are_pruned(session: Session) -> None:
    fail(session, "ada@example.gov.uk", at=NOW - timedelta(hours=2))
    fail(session, "bob@example.gov.uk")
    accounts = session.scalars(select(SignInAttempt.account)).all()
    assert accounts == ["bob@example.gov.uk"]


def test_the_lock_is_audited_once_for_a_real_account(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    for _ in range(5):
        record_failure(
            session,
            account=user.email,
            ip_address="192.0.2.1",
            stage="password",
            now=NOW,
            user=user,
            policy=POLICY,
        )
    events = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "sign_in_locked", AuditEvent.subject_user_id == user.id)
    )
    assert events == 1


def test_account_key_ignores_case_and_spaces() -> None:
    assert account_key("  Ada@Example.GOV.uk ") == "ada@example.gov.uk"


def test_unknown_stage_is_a_programming_error(session: Session) -> None:
    with pytest.raises(ValueError, match="stage"):
        record_failure(session, account="a", ip_address="b", stage="guess", now=NOW)
