"""Admins managing people: roles, deactivation, 2FA resets, and never losing the last admin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.errors import NotFound, PermissionDenied, ValidationFailed
from scheduler.identity.user_admin import (
    change_role,
    deactivate_user,
    get_user,
    reactivate_user,
    reset_two_factor,
    sign_out_user_everywhere,
)
from scheduler.models import AuditEvent, Role, User
from tests.support.totp import enrol

MakeUser = Callable[..., User]


def audit_actions(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_user_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


def test_an_admin_changes_a_role_and_it_is_audited(session: Session, make_user: MakeUser) -> None:
    admin, author = make_user(Role.ADMIN), make_user(Role.AUTHOR)
    change_role(session, author, role="approver", by=admin)
    assert author.role is Role.APPROVER
    assert author.requires_second_factor
    assert not author.totp_enabled
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user_role_changed")
    ).one()
    assert event.actor_id == admin.id
    assert event.subject_user_id == author.id


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
def test_only_admins_manage_people(session: Session, make_user: MakeUser, role: Role) -> None:
    someone, other = make_user(role), make_user(Role.AUTHOR)
    with pytest.raises(PermissionDenied):
        change_role(session, other, role="approver", by=someone)
    with pytest.raises(PermissionDenied):
        deactivate_user(session, other, by=someone)
    with pytest.raises(PermissionDenied):
        sign_out_user_everywhere(session, other, by=someone)
    assert other.role is Role.AUTHOR
    assert other.active


def test_nobody_demotes_or_deactivates_themselves(session: Session, make_user: MakeUser) -> None:
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN)
    with pytest.raises(PermissionDenied, match="your own role"):
        change_role(session, admin, role="author", by=admin)
    with pytest.raises(PermissionDenied, match="yourself"):
        deactivate_user(session, admin, by=admin)


def test_the_last_active_admin_stays(session: Session, make_user: MakeUser) -> None:
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    deactivate_user(session, second, by=first)
    existing = session.scalars(select(User).where(User.role == Role.ADMIN, User.active)).all()
    # Other admins in the shared test database would let the change through; make them inactive.
    for other in existing:
        if other.id != first.id:
            other.active = False
    session.flush()
    # The operator (by=None) is the only one who could try to remove the last admin.
    with pytest.raises(PermissionDenied, match="last active admin"):
        change_role(session, first, role="approver", by=None)
    with pytest.raises(PermissionDenied, match="last active admin"):
        deactivate_user(session, first, by=None)
    assert first.is_admin
    assert first.active


def test_deactivating_ends_sessions_and_reactivating_restores(
    session: Session, make_user: MakeUser
) -> None:
    admin, author = make_user(Role.ADMIN), make_user(Role.AUTHOR)
    login_id = author.login_id
    deactivate_user(session, author, by=admin)
    assert not author.active
    assert author.login_id != login_id
    with pytest.raises(ValidationFailed, match="already deactivated"):
        deactivate_user(session, author, by=admin)
    reactivate_user(session, author, by=admin)
    assert author.active
    assert audit_actions(session, author)[-2:] == ["user_deactivated", "user_reactivated"]


def test_resetting_2fa_removes_the_app(session: Session, make_user: MakeUser) -> None:
    admin, approver = make_user(Role.ADMIN), make_user(Role.APPROVER)
    enrol(session, approver)
    reset_two_factor(session, approver, by=admin)
    assert not approver.totp_enabled
    with pytest.raises(PermissionDenied, match="your own"):
        reset_two_factor(session, admin, by=admin)


def test_signing_someone_out_everywhere_changes_their_login_id(
    session: Session, make_user: MakeUser
) -> None:
    admin, author = make_user(Role.ADMIN), make_user(Role.AUTHOR)
    login_id = author.login_id
    sign_out_user_everywhere(session, author, by=admin)
    assert author.login_id != login_id
    assert audit_actions(session, author)[-1] == "signed_out_everywhere"


def test_a_role_unchanged_is_refused(session: Session, make_user: MakeUser) -> None:
    admin, author = make_user(Role.ADMIN), make_user(Role.AUTHOR)
    with pytest.raises(ValidationFailed, match="already an author"):
        change_role(session, author, role="author", by=admin)
    with pytest.raises(NotFound):
        get_user(session, 10**9)
