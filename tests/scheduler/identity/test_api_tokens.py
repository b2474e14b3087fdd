"""Personal API tokens: shown once, stored hashed, scoped, expiring, revocable and audited."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core.errors import NotFound, PermissionDenied, ValidationFailed
from scheduler.identity.api_tokens import (
    InvalidToken,
    authenticate_token,
    check_token,
    create_token,
    get_token,
    list_tokens,
    parse_scopes,
    revoke_token,
    token_status,
)
from scheduler.models import ApiToken, AuditEvent, Role, User

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    token, raw = create_token(
        session, user, scopes="read,approve", name="  release bot ", by=user, now=NOW
    )
    assert re.fullmatch(r"gp_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", raw)
    assert raw.split("_")[1] == token.prefix
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.token_hash, token.prefix, token.name, token.scopes, token.note}
    assert token.scopes == "read,approve"
    assert token.name == "release bot"
    assert token.expires_at == NOW + timedelta(days=90)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_token_created")
    ).one()
    assert event.actor_id == user.id
    assert event.subject_user_id == user.id
    assert event.details["token_id"] == token.id
    assert event.details["scopes"] == "read,approve"
    assert raw not in str(event.details)


def test_each_token_is_different(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    secrets = {create_token(session, user, scopes="read", by=None)[1] for _ in range(20)}
    assert len(secrets) == 20


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ("read,admin,root", "Unknown scopes 'admin', 'root'; choose from read, write, approve"),
        ("reed", "Unknown scope 'reed'; choose from read, write, approve"),
        ("", "Give at least one scope: read, write, approve"),
        (" , ", "Give at least one scope: read, write, approve"),
    ],
)
def test_unknown_or_missing_scopes_are_refused_by_name(scopes: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_scopes(scopes)
    assert refused.value.message == message
    assert refused.value.field == "scopes"


def test_scopes_are_normalised_and_ordered() -> None:
    assert [scope.value for scope in parse_scopes(" Approve, READ,read ")] == ["read", "approve"]
    assert [scope.value for scope in parse_scopes(["write", "read"])] == ["read", "write"]


def test_only_approvers_and_admins_get_the_approve_scope(
    session: Session, make_user: Callable[..., User]
) -> None:
    with pytest.raises(PermissionDenied, match="Only approvers and admins can have the approve"):
        create_token(session, make_user(Role.AUTHOR), scopes="read,approve", by=None)
    for role in (Role.APPROVER, Role.ADMIN):
        token, _ = create_token(session, make_user(role), scopes="approve", by=None)
        assert token.scopes == "approve"


def test_nobody_creates_tokens_for_someone_else(
    session: Session, make_user: Callable[..., User]
) -> None:
    admin, author = make_user(Role.ADMIN), make_user()
    with pytest.raises(PermissionDenied, match="only create API tokens for yourself"):
        create_token(session, author, scopes="read", by=admin)


def test_deactivated_people_get_no_tokens(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    user.active = False
    with pytest.raises(PermissionDenied, match="is deactivated"):
        create_token(session, user, scopes="read", by=None)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_lifetimes_must_be_between_a_moment_and_a_year(
    session: Session, make_user: Callable[..., User], days: int
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_token(session, make_user(), scopes="read", expires_in=timedelta(days=days), by=None)
    assert refused.value.field == "expires_in_days"


def test_a_valid_token_authenticates_and_notes_its_use_once_a_minute(
    session: Session, make_user: Callable[..., User]
) -> None:
    token, raw = create_token(session, make_user(), scopes="read", by=None, now=NOW)
    assert authenticate_token(session, raw, now=NOW + timedelta(hours=1)) is token
    assert token.last_used_at == NOW + timedelta(hours=1)
    authenticate_token(session, raw, now=NOW + timedelta(hours=1, seconds=30))
    session.expire(token)
    assert token.last_used_at == NOW + timedelta(hours=1)
    authenticate_token(session, raw, now=NOW + timedelta(hours=1, minutes=1))
    session.expire(token)
    assert token.last_used_at == NOW + timedelta(hours=1, minutes=1)


@pytest.mark.parametrize(
    "raw",
    ["", "Bearer x", "gp_1234_abc", "gp_ABCDEFGH_" + "a" * 43, "xx_12345678_" + "a" * 43],
)
def test_malformed_tokens_say_what_a_token_looks_like(session: Session, raw: str) -> None:
    with pytest.raises(InvalidToken, match="That is not a Gatepost API token; tokens look like"):
        check_token(session, raw, now=NOW)


def test_an_unknown_token_is_refused(session: Session, make_user: Callable[..., User]) -> None:
    _token, raw = create_token(session, make_user(), scopes="read", by=None)
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    with pytest.raises(InvalidToken, match=r"starting gp_[0-9a-f]{8} is not recognised"):
        check_token(session, tampered, now=NOW)


def test_an_expired_token_says_when_and_what_to_do(
    session: Session, make_user: Callable[..., User]
) -> None:
    token, raw = create_token(
        session, make_user(), scopes="read", expires_in=timedelta(days=7), by=None, now=NOW
    )
    assert check_token(session, raw, now=NOW + timedelta(days=7) - timedelta(seconds=1))
    with pytest.raises(InvalidToken) as refused:
        check_token(session, raw, now=NOW + timedelta(days=7))
    assert refused.value.message == (
        f"This token (gp_{token.prefix}) expired on 2026-11-30T10:00:00+00:00; create a new one"
    )
    assert token_status(token, NOW + timedelta(days=8)) == "expired"


def test_a_revoked_token_stops_working_and_revoking_again_changes_nothing(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    token, raw = create_token(session, user, scopes="read", by=None, now=NOW)
    revoke_token(session, token, by=user, now=NOW + timedelta(hours=2))
    with pytest.raises(InvalidToken, match=r"was revoked on 2026-11-23T12:00:00\+00:00; create"):
        check_token(session, raw, now=NOW + timedelta(hours=3))
    revoke_token(session, token, by=user, now=NOW + timedelta(hours=4))
    assert token.revoked_at == NOW + timedelta(hours=2)
    assert token_status(token, NOW) == "revoked"
    revoked = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_token_revoked")
    ).all()
    assert len(revoked) == 1


def test_a_deactivated_persons_token_stops_working(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _token, raw = create_token(session, user, scopes="read", by=None)
    user.active = False
    with pytest.raises(InvalidToken, match="has been deactivated"):
        check_token(session, raw, now=datetime.now(UTC))


def test_tokens_are_private_to_their_owner_and_admins(
    session: Session, make_user: Callable[..., User]
) -> None:
    owner, stranger, admin = make_user(), make_user(), make_user(Role.ADMIN)
    token, _ = create_token(session, owner, scopes="read", by=None)
    assert get_token(session, token.id, by=owner) is token
    assert get_token(session, token.id, by=admin) is token
    with pytest.raises(NotFound, match=f"There is no API token with id {token.id}"):
        get_token(session, token.id, by=stranger)
    with pytest.raises(PermissionDenied):
        revoke_token(session, token, by=stranger)
    revoke_token(session, token, by=admin)
    assert token.revoked_at is not None


def test_list_tokens_per_person_or_all(session: Session, make_user: Callable[..., User]) -> None:
    ada, bob = make_user(), make_user()
    first, _ = create_token(session, ada, scopes="read", by=None)
    second, _ = create_token(session, bob, scopes="read", by=None)
    third, _ = create_token(session, ada, scopes="write", by=None)
    assert list_tokens(session, user=ada) == [first, third]
    assert [token.id for token in list_tokens(session)][-3:] == [first.id, second.id, third.id]


def test_a_token_cannot_create_a_stronger_or_longer_lived_one(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.APPROVER)
    via, _ = create_token(
        session, user, scopes="read,write", expires_in=timedelta(days=10), by=None, now=NOW
    )
    with pytest.raises(PermissionDenied, match=r"more scopes than its own \(it lacks approve\)"):
        create_token(session, user, scopes="read,approve", by=user, via=via, now=NOW)
    with pytest.raises(ValidationFailed, match="cannot create one that outlives it"):
        create_token(
            session, user, scopes="read", expires_in=timedelta(days=11), by=user, via=via, now=NOW
        )
    child, _ = create_token(session, user, scopes="read", by=user, via=via, now=NOW)
    assert child.expires_at == via.expires_at
    assert session.get(ApiToken, child.id) is child
