"""The sign-in steps: password, second factor, recovery code, throttle and audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.identity.sign_in import (
    NextStep,
    SignInRefused,
    check_code,
    check_not_locked,
    check_password,
    check_recovery_code,
    complete_sign_in,
    count_wrong_password,
    next_step,
)
from scheduler.identity.sign_in_throttle import SignInLocked
from scheduler.identity.two_factor import confirm_enrolment, start_enrolment
from scheduler.models import AuditEvent, Role, SignInAttempt, User
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
IP = "192.0.2.10"


def with_two_factor(session: Session, user: User) -> list[str]:
    secret = start_enrolment(user)
    enrolled_at = NOW - timedelta(minutes=5)
    return confirm_enrolment(session, user, pyotp.TOTP(secret).at(enrolled_at), now=enrolled_at)


def test_a_correct_password_returns_the_person(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    found = check_password(
        session, email=user.email.upper(), password=TEST_PASSWORD, ip_address=IP, now=NOW
    )
    assert found is user


def test_wrong_password_and_unknown_account_are_refused_alike(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    messages = []
    for email, password in [(user.email, "wrong password"), ("nobody@x.gov.uk", TEST_PASSWORD)]:
        with pytest.raises(SignInRefused) as refused:
            check_password(session, email=email, password=password, ip_address=IP, now=NOW)
        messages.append((refused.value.message, refused.value.field))
    assert messages[0] == messages[1]
    assert session.scalars(select(SignInAttempt.stage)).all() == ["password", "password"]


def test_the_fifth_wrong_password_locks_even_the_right_one_out(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    for attempt in range(4):
        with pytest.raises(SignInRefused):
            check_password(
                session,
                email=user.email,
                password=f"wrong {attempt}",
                ip_address=IP,
                now=NOW + timedelta(minutes=attempt),
            )
    with pytest.raises(SignInLocked) as locked:
        check_password(session, email=user.email, password="wrong again", ip_address=IP, now=NOW)
    assert locked.value.until == NOW + timedelta(minutes=15)
    with pytest.raises(SignInLocked):
        check_password(session, email=user.email, password=TEST_PASSWORD, ip_address=IP, now=NOW)
    later = NOW + timedelta(minutes=15)
    assert (
        check_password(session, email=user.email, password=TEST_PASSWORD, ip_address=IP, now=later)
        is user
    )


@pytest.mark.parametrize(
    ("role", "two_factor", "expected"),
    [
        (Role.AUTHOR, False, NextStep.DONE),
        (Role.AUTHOR, True, NextStep.VERIFY),
        (Role.APPROVER, False, NextStep.ENROL),
        (Role.APPROVER, True, NextStep.VERIFY),
        (Role.ADMIN, False, NextStep.ENROL),
    ],
)
def test_next_step_follows_role_and_enrolment(
    session: Session,
    make_user: Callable[..., User],
    role: Role,
    two_factor: bool,
    expected: NextStep,
) -> None:
    user = make_user(role)
    if two_factor:
        with_two_factor(session, user)
    assert next_step(user) is expected


def test_wrong_codes_count_towards_the_same_lock_as_passwords(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    codes = with_two_factor(session, user)
    for _ in range(2):
        with pytest.raises(SignInRefused):
            check_password(session, email=user.email, password="nope nope", ip_address=IP, now=NOW)
    with pytest.raises(SignInRefused):
        check_code(session, user, code="000000", ip_address=IP, now=NOW)
    with pytest.raises(SignInRefused):
        check_recovery_code(session, user, code="aaaa-bbbb-cccc-dddd", ip_address=IP, now=NOW)
    with pytest.raises(SignInLocked):
        check_code(session, user, code="111111", ip_address=IP, now=NOW)
    with pytest.raises(SignInLocked):
        check_recovery_code(session, user, code=codes[0], ip_address=IP, now=NOW)
    with pytest.raises(SignInLocked):
        check_not_locked(session, user, ip_address=IP, now=NOW)


def test_a_good_code_passes_and_completing_clears_the_failures(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    with_two_factor(session, user)
    assert user.totp_secret
    for _ in range(4):
        count_wrong_password(session, user, ip_address=IP, now=NOW)
    check_code(session, user, code=pyotp.TOTP(user.totp_secret).at(NOW), ip_address=IP, now=NOW)
    complete_sign_in(session, user, method="totp", now=NOW)
    assert session.scalars(select(SignInAttempt)).all() == []
    assert user.last_login_at == NOW
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "signed_in")).one()
    assert event.details == {"method": "totp"}


def test_a_recovery_code_says_how_many_are_left(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    codes = with_two_factor(session, user)
    assert check_recovery_code(session, user, code=codes[0], ip_address=IP, now=NOW) == 9
    complete_sign_in(session, user, method="recovery_code", now=NOW)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "signed_in")).one()
    assert event.details == {"method": "recovery_code", "recovery_codes_left": 9}
