"""Confirming the current password on an account page: checked before any change, and counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.identity.sign_in import SignInRefused, confirm_current_password
from scheduler.identity.sign_in_throttle import DEFAULT_POLICY, SignInLocked
from scheduler.models import Role, SignInAttempt, User
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
IP = "192.0.2.10"


def _attempts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SignInAttempt)) or 0


def test_the_right_password_passes_and_counts_nothing(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    confirm_current_password(session, user, TEST_PASSWORD, ip_address=IP, now=NOW)
    assert _attempts(session) == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter your current password"),
        ("not it at all", "Your current password is not correct"),
    ],
)
def test_a_wrong_password_is_counted_and_refused_beside_the_field(
    session: Session, make_user: Callable[..., User], password: str, message: str
) -> None:
    user = make_user(Role.AUTHOR)
    with pytest.raises(SignInRefused) as refused:
        confirm_current_password(session, user, password, ip_address=IP, now=NOW)
    assert (refused.value.message, refused.value.field) == (message, "current_password")
    assert refused.value.keeps_changes
    assert _attempts(session) == 1


def test_enough_wrong_passwords_lock_the_account_even_against_the_right_one(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    for _ in range(DEFAULT_POLICY.account_limit - 1):
        with pytest.raises(SignInRefused):
            confirm_current_password(session, user, "wrong guess", ip_address=IP, now=NOW)
    with pytest.raises(SignInLocked):
        confirm_current_password(session, user, "wrong guess", ip_address=IP, now=NOW)
    with pytest.raises(SignInLocked):
        confirm_current_password(session, user, TEST_PASSWORD, ip_address=IP, now=NOW)
