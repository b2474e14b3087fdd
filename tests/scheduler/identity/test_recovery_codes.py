"""Recovery codes: single use, stored hashed, replaced together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.errors import ValidationFailed
from scheduler.identity.account_security import WrongPassword
from scheduler.identity.recovery_codes import (
    new_recovery_code,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    use_recovery_code,
)
from scheduler.identity.two_factor import confirm_enrolment, start_enrolment
from scheduler.models import AuditEvent, RecoveryCode, Role, User
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def enrolled(session: Session, make_user: Callable[..., User]) -> tuple[User, list[str]]:
    user = make_user(Role.APPROVER)
    secret = start_enrolment(user)
    return user, confirm_enrolment(session, user, pyotp.TOTP(secret).at(NOW), now=NOW)


def test_codes_look_like_four_groups_of_four_without_confusable_characters() -> None:
    code = new_recovery_code()
    groups = code.split("-")
    assert [len(group) for group in groups] == [4, 4, 4, 4]
    assert not set(code) & set("01ilo")


def test_only_hashes_are_stored(session: Session, make_user: Callable[..., User]) -> None:
    user, codes = enrolled(session, make_user)
    stored = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    stored_hashes = set(stored)
    assert len(stored_hashes) == 10
    for code in codes:
        assert code not in stored_hashes
        assert code.replace("-", "") not in stored_hashes


def test_each_code_works_once_however_it_is_typed(
    session: Session, make_user: Callable[..., User]
) -> None:
    user, codes = enrolled(session, make_user)
    typed = " " + codes[3].upper().replace("-", " ") + " "
    assert use_recovery_code(session, user, typed, now=NOW)
    assert not use_recovery_code(session, user, codes[3], now=NOW)
    assert remaining_recovery_codes(session, user) == 9
    assert not use_recovery_code(session, user, "", now=NOW)
    assert not use_recovery_code(session, user, new_recovery_code(), now=NOW)


def test_someone_elses_code_does_not_work(session: Session, make_user: Callable[..., User]) -> None:
    ada, _ = enrolled(session, make_user)
    _, bobs_codes = enrolled(session, make_user)
    assert not use_recovery_code(session, ada, bobs_codes[0], now=NOW)


def test_regenerating_needs_the_password_and_voids_the_old_codes(
    session: Session, make_user: Callable[..., User]
) -> None:
    user, old = enrolled(session, make_user)
    with pytest.raises(WrongPassword):
        regenerate_recovery_codes(session, user, current_password="not it at all", now=NOW)
    new = regenerate_recovery_codes(session, user, current_password=TEST_PASSWORD, now=NOW)
    assert not set(old) & set(new)
    assert not use_recovery_code(session, user, old[0], now=NOW)
    assert use_recovery_code(session, user, new[0], now=NOW)
    assert session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.subject_user_id == user.id, AuditEvent.action == "recovery_codes_replaced"
        )
    )


def test_no_codes_without_two_factor(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user(Role.AUTHOR)
    with pytest.raises(ValidationFailed, match="Set up two-factor"):
        regenerate_recovery_codes(session, user, current_password=TEST_PASSWORD, now=NOW)
