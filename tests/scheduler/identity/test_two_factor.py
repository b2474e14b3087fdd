"""Two-factor authentication: enrolment, codes, replay protection, turning it off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.identity.account_security import WrongPassword
from scheduler.identity.recovery_codes import remaining_recovery_codes, use_recovery_code
from scheduler.identity.two_factor import (
    confirm_enrolment,
    grouped_secret,
    provisioning_uri,
    start_enrolment,
    turn_off,
    verify_code,
)
from scheduler.models import AuditEvent, Role, User
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 3, 12, 9, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=30)


def code_at(secret: str, instant: datetime) -> str:
    return pyotp.TOTP(secret).at(instant)


def enrol(session: Session, user: User, at: datetime = NOW) -> list[str]:
    secret = start_enrolment(user)
    return confirm_enrolment(session, user, code_at(secret, at), now=at)


def actions(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_user_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


def test_enrolment_needs_a_code_from_the_new_secret(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    secret = start_enrolment(user)
    assert start_enrolment(user) == secret  # the QR code already scanned stays valid
    assert not user.totp_enabled
    with pytest.raises(ValidationFailed) as refused:
        confirm_enrolment(session, user, "000000", now=NOW)
    assert refused.value.field == "code"
    assert not user.totp_enabled
    old_login_id = user.login_id
    codes = confirm_enrolment(session, user, code_at(secret, NOW), now=NOW)
    assert user.totp_enabled
    assert user.totp_secret == secret
    assert user.totp_pending_secret is None
    assert user.login_id != old_login_id
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert remaining_recovery_codes(session, user) == 10
    assert actions(session, user)[-1] == "two_factor_enabled"


def test_provisioning_uri_names_gatepost_and_the_person(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.ADMIN, email="lead@example.gov.uk")
    secret = start_enrolment(user)
    uri = provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/Gatepost:lead%40example.gov.uk?")
    assert f"secret={secret}" in uri
    assert "issuer=Gatepost" in uri
    assert grouped_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_codes_from_one_step_either_side_are_accepted(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    enrol(session, user, NOW - 10 * STEP)
    assert user.totp_secret
    assert verify_code(user, code_at(user.totp_secret, NOW - STEP), now=NOW)
    assert verify_code(user, code_at(user.totp_secret, NOW + STEP), now=NOW)
    assert not verify_code(user, code_at(user.totp_secret, NOW + 2 * STEP), now=NOW)


def test_a_code_cannot_be_used_twice_nor_an_older_one_after_it(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    enrol(session, user, NOW - 10 * STEP)
    assert user.totp_secret
    current = code_at(user.totp_secret, NOW)
    assert verify_code(user, current, now=NOW)
    assert not verify_code(user, current, now=NOW)
    assert not verify_code(user, code_at(user.totp_secret, NOW - STEP), now=NOW)
    assert verify_code(user, code_at(user.totp_secret, NOW + STEP), now=NOW + STEP)


def test_the_enrolment_code_itself_cannot_be_replayed_at_sign_in(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    secret = start_enrolment(user)
    code = code_at(secret, NOW)
    confirm_enrolment(session, user, code, now=NOW)
    assert not verify_code(user, code, now=NOW)


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", ""])
def test_malformed_codes_are_refused(
    session: Session, make_user: Callable[..., User], typed: str
) -> None:
    user = make_user(Role.APPROVER)
    enrol(session, user, NOW - 10 * STEP)
    assert not verify_code(user, typed, now=NOW)


def test_spaces_in_a_code_are_ignored(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user(Role.APPROVER)
    enrol(session, user, NOW - 10 * STEP)
    assert user.totp_secret
    code = code_at(user.totp_secret, NOW)
    assert verify_code(user, f" {code[:3]} {code[3:]} ", now=NOW)


def test_no_code_works_without_two_factor(make_user: Callable[..., User]) -> None:
    user = make_user(Role.AUTHOR)
    start_enrolment(user)  # pending, not confirmed
    assert user.totp_pending_secret
    assert not verify_code(user, code_at(user.totp_pending_secret, NOW), now=NOW)


def test_resetting_keeps_the_old_app_until_the_new_one_is_confirmed(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    old_codes = enrol(session, user, NOW - 10 * STEP)
    old_secret = user.totp_secret
    assert old_secret
    new_secret = start_enrolment(user)
    assert new_secret != old_secret
    assert verify_code(user, code_at(old_secret, NOW), now=NOW)
    with pytest.raises(WrongPassword):
        confirm_enrolment(session, user, code_at(new_secret, NOW + STEP), now=NOW + STEP)
    new_codes = confirm_enrolment(
        session,
        user,
        code_at(new_secret, NOW + STEP),
        now=NOW + STEP,
        current_password=TEST_PASSWORD,
    )
    assert user.totp_secret == new_secret
    assert not use_recovery_code(session, user, old_codes[0], now=NOW)
    assert use_recovery_code(session, user, new_codes[0], now=NOW)
    assert actions(session, user)[-1] == "two_factor_reset"


def test_confirming_without_starting_is_refused(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    with pytest.raises(ValidationFailed, match="Start setting up"):
        confirm_enrolment(session, user, "123456", now=NOW)


def test_authors_may_turn_off_their_own_with_their_password(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.AUTHOR)
    enrol(session, user)
    with pytest.raises(WrongPassword):
        turn_off(session, user, by=user, now=NOW, current_password="wrong password!")
    old_login_id = user.login_id
    turn_off(session, user, by=user, now=NOW, current_password=TEST_PASSWORD)
    assert not user.totp_enabled
    assert user.totp_secret is None
    assert remaining_recovery_codes(session, user) == 0
    assert user.login_id != old_login_id
    assert actions(session, user)[-1] == "two_factor_disabled"
    with pytest.raises(ValidationFailed, match="already off"):
        turn_off(session, user, by=user, now=NOW, current_password=TEST_PASSWORD)


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_approvers_and_admins_cannot_turn_off_their_own(
    session: Session, make_user: Callable[..., User], role: Role
) -> None:
    user = make_user(role)
    enrol(session, user)
    with pytest.raises(PermissionDenied, match="must use two-factor"):
        turn_off(session, user, by=user, now=NOW, current_password=TEST_PASSWORD)
    assert user.totp_enabled


def test_an_admin_can_turn_off_someone_elses_but_nobody_else_can(
    session: Session, make_user: Callable[..., User]
) -> None:
    approver = make_user(Role.APPROVER)
    enrol(session, approver)
    with pytest.raises(PermissionDenied):
        turn_off(session, approver, by=make_user(Role.APPROVER), now=NOW)
    admin = make_user(Role.ADMIN)
    turn_off(session, approver, by=admin, now=NOW)
    assert not approver.totp_enabled
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "two_factor_disabled")
    ).one()
    assert (event.actor_id, event.subject_user_id) == (admin.id, approver.id)
