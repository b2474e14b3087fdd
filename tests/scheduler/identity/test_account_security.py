"""Changing a password and signing out everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.errors import ValidationFailed
from scheduler.identity.account_security import WrongPassword, change_password, sign_out_everywhere
from scheduler.identity.accounts import authenticate
from scheduler.models import AuditEvent, Role, User
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def test_changing_the_password_ends_other_sessions_and_is_audited(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    old_login_id = user.login_id
    change_password(
        session,
        user,
        current_password=TEST_PASSWORD,
        new_password="a much better passphrase",
        now=NOW,
    )
    assert user.login_id != old_login_id
    assert authenticate(session, user.email, "a much better passphrase") is user
    assert authenticate(session, user.email, TEST_PASSWORD) is None
    assert session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.subject_user_id == user.id, AuditEvent.action == "password_changed"
        )
    )


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("", "a much better passphrase", "current_password", "Enter your current password"),
        ("wrong password", "a much better passphrase", "current_password", "not correct"),
        (TEST_PASSWORD, "short", "new_password", "at least 10 characters"),
        (TEST_PASSWORD, TEST_PASSWORD, "new_password", "must be different"),
    ],
)
def test_bad_password_changes_are_refused_naming_the_field(
    session: Session,
    make_user: Callable[..., User],
    current: str,
    new: str,
    field: str,
    message: str,
) -> None:
    user = make_user(Role.AUTHOR)
    login_id = user.login_id
    with pytest.raises(ValidationFailed, match=message) as refused:
        change_password(session, user, current_password=current, new_password=new, now=NOW)
    assert refused.value.field == field
    assert isinstance(refused.value, WrongPassword) == (field == "current_password")
    assert user.login_id == login_id
    assert authenticate(session, user.email, TEST_PASSWORD) is user


def test_signing_out_everywhere_rotates_the_login_id(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    old_login_id = user.login_id
    sign_out_everywhere(session, user, now=NOW)
    assert user.login_id != old_login_id
    assert session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.subject_user_id == user.id, AuditEvent.action == "signed_out_everywhere"
        )
    )
