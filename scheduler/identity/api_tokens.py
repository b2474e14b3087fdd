"""Personal API tokens: created once, stored as a hash, scoped, expiring and revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from scheduler.access.rules import is_self_or_admin
from scheduler.core import audit
from scheduler.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import ApiToken, Role, User, utcnow

TOKEN_PREFIX = "gp"  # noqa: S105  (a label that marks Gatepost tokens, not a secret)
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)
MAX_NAME_LENGTH = 100
# Recording every request's use would turn every read into a write; a minute is precise enough
# to tell which tokens are still in use.
USE_RECORDING_INTERVAL = timedelta(minutes=1)

_SECRET_BYTES = 32
_TOKEN_SHAPE = re.compile(rf"^{TOKEN_PREFIX}_([0-9a-f]{{8}})_([A-Za-z0-9_-]{{43}})$")


class Scope(StrEnum):
    """What a token may be used for; each API endpoint names the scope it needs."""

    READ = "read"
    WRITE = "write"
    APPROVE = "approve"


TokenStatus = Literal["active", "revoked", "expired"]


class InvalidToken(DomainError):
    """The bearer token is malformed, unknown, revoked or expired; the message says which."""

    code = "invalid_token"


def hash_token(raw: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def display_prefix(token: ApiToken) -> str:
    """Return the part of a token that is safe to show, e.g. "gp_1a2b3c4d"."""
    return f"{TOKEN_PREFIX}_{token.prefix}"


def parse_scopes(scopes: Iterable[str] | str) -> list[Scope]:
    """Return the scopes named (as a list or comma-separated), in canonical order."""
    if isinstance(scopes, str):
        scopes = scopes.split(",")
    named = [scope.strip().lower() for scope in scopes if scope.strip()]
    choices = ", ".join(scope.value for scope in Scope)
    known = {scope.value for scope in Scope}
    unknown = sorted({name for name in named if name not in known})
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        raise ValidationFailed(
            f"Unknown scope{'s' if len(unknown) > 1 else ''} {listed}; choose from {choices}",
            field="scopes",
        )
    if not named:
        raise ValidationFailed(f"Give at least one scope: {choices}", field="scopes")
    return [scope for scope in Scope if scope.value in named]


def create_token(
    session: Session,
    user: User,
    *,
    scopes: Iterable[str] | str,
    name: str = "",
    expires_in: timedelta | None = None,
    by: User | None,
    via: ApiToken | None = None,
    actor_label: str = "",
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for the user and return it with its secret, which is never shown again.

    `by` is the person asking (they may only create tokens for themselves); None means the
    server's operator at the command line. `via` is the token the request came with, if any:
    a token cannot create one with more scopes than its own, nor one that outlives it.
    """
    now = now or utcnow()
    if by is not None and by.id != user.id:
        raise PermissionDenied("You can only create API tokens for yourself")
    if not user.active:
        raise PermissionDenied(f"{user.email} is deactivated and cannot have API tokens")
    chosen = parse_scopes(scopes)
    if Scope.APPROVE in chosen and user.role not in (Role.APPROVER, Role.ADMIN):
        raise PermissionDenied(
            f"Only approvers and admins can have the approve scope; {user.email} is "
            f"{'an' if user.role is Role.AUTHOR else 'a'} {user.role.value}",
            field="scopes",
        )
    if via is not None:
        beyond = [scope.value for scope in chosen if scope.value not in via.scope_set]
        if beyond:
            raise PermissionDenied(
                f"This token cannot create a token with more scopes than its own (it lacks "
                f"{', '.join(beyond)}); use a token that has them, or `gatepost tokens create`",
                field="scopes",
            )
    lifetime = DEFAULT_LIFETIME if expires_in is None else expires_in
    if via is not None and via.expires_at is not None and expires_in is None:
        # By default the new token ends when the one that made it does, if that comes first.
        lifetime = min(lifetime, via.expires_at - now)
    if lifetime <= timedelta(0):
        raise ValidationFailed(
            "A token's lifetime must be longer than zero", field="expires_in_days"
        )
    if lifetime > MAX_LIFETIME:
        raise ValidationFailed(
            f"A token may last at most {MAX_LIFETIME.days} days; create a new one when it expires",
            field="expires_in_days",
        )
    if via is not None and via.expires_at is not None and now + lifetime > via.expires_at:
        raise ValidationFailed(
            f"A token cannot create one that outlives it; this one expires on "
            f"{_instant(via.expires_at)}; ask for fewer days, or leave the lifetime out to "
            "end with it",
            field="expires_in_days",
        )
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            f"The name is {len(name)} characters; keep it to {MAX_NAME_LENGTH}", field="name"
        )

    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        token_hash=hash_token(raw),
        scopes=",".join(scope.value for scope in chosen),
        created_at=now,
        expires_at=now + lifetime,
        parent_id=via.id if via is not None else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        "api_token_created",
        actor=by,
        actor_label=actor_label,
        subject_user=user,
        details={
            "token_id": token.id,
            "prefix": display_prefix(token),
            "name": name,
            "scopes": token.scopes,
            "expires_at": _instant(now + lifetime),
            "minted_by": via.id if via is not None else None,
        },
        at=now,
    )
    return token, raw


def get_token(session: Session, token_id: int, *, by: User | None) -> ApiToken:
    """Return the token with that id if `by` may see it (their own, or any for admins)."""
    token = session.get(ApiToken, token_id)
    if token is None or not is_self_or_admin(by, token.user_id):
        raise NotFound(f"There is no API token with id {token_id}; list the tokens to find its id")
    return token


def list_tokens(session: Session, *, user: User | None = None) -> Sequence[ApiToken]:
    """Return the user's tokens (everyone's when no user is given), oldest first."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return session.scalars(query).all()


def revoke_token(
    session: Session,
    token: ApiToken,
    *,
    by: User | None,
    actor_label: str = "",
    now: datetime | None = None,
) -> ApiToken:
    """Stop the token, and every token minted from it, working at once; again changes nothing.

    Minted tokens are revoked here, each with its own audit event, rather than checked against
    their parents at every request: authentication stays one read of one row.
    """
    now = now or utcnow()
    if not is_self_or_admin(by, token.user_id):
        raise PermissionDenied("Only the token's owner or an admin can revoke it")
    if token.revoked_at is None:
        _revoke(session, token, by=by, actor_label=actor_label, now=now)
    # Each generation in one query; a token is always younger than its parent, so no cycles.
    generation = [token.id]
    while generation:
        minted = session.scalars(
            select(ApiToken).where(ApiToken.parent_id.in_(generation)).order_by(ApiToken.id)
        ).all()
        for child in minted:
            if child.revoked_at is None:
                _revoke(session, child, by=by, actor_label=actor_label, now=now, origin=token)
        generation = [child.id for child in minted]
    return token


def _revoke(
    session: Session,
    token: ApiToken,
    *,
    by: User | None,
    actor_label: str,
    now: datetime,
    origin: ApiToken | None = None,
) -> None:
    token.revoked_at = now
    session.flush()
    details: dict[str, object] = {
        "token_id": token.id,
        "prefix": display_prefix(token),
        "name": token.name,
    }
    if origin is not None:
        # Revoked because the token it was minted from (directly or further up) was.
        details["revoked_with"] = origin.id
    audit.record(
        session,
        "api_token_revoked",
        actor=by,
        actor_label=actor_label,
        subject_user=token.user,
        details=details,
        at=now,
    )


def token_status(token: ApiToken, now: datetime) -> TokenStatus:
    """Return "active", "revoked" or "expired"."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def check_token(session: Session, raw: str, *, now: datetime) -> ApiToken:
    """Return the live token for a bearer value, or raise InvalidToken saying what to do."""
    match = _TOKEN_SHAPE.match(raw.strip())
    if match is None:
        raise InvalidToken(
            f"That is not a Gatepost API token; tokens look like {TOKEN_PREFIX}_1a2b3c4d_ "
            "followed by 43 letters, digits, - or _. Copy the whole token"
        )
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(match[0])))
    if token is None or token.prefix != match[1]:
        raise InvalidToken(
            f"The token starting {TOKEN_PREFIX}_{match[1]} is not recognised; check it was "
            "copied whole, or create a new one"
        )
    if token.revoked_at is not None:
        raise InvalidToken(
            f"This token ({display_prefix(token)}) was revoked on {_instant(token.revoked_at)}; "
            "create a new one"
        )
    if token.expires_at is not None and token.expires_at <= now:
        raise InvalidToken(
            f"This token ({display_prefix(token)}) expired on {_instant(token.expires_at)}; "
            "create a new one"
        )
    if not token.user.active:
        raise InvalidToken(
            "The account this token belongs to has been deactivated; ask an admin to reactivate it"
        )
    return token


def use_needs_recording(token: ApiToken, now: datetime) -> bool:
    """Return whether the token's last use is older than the recording interval."""
    return token.last_used_at is None or token.last_used_at <= now - USE_RECORDING_INTERVAL


def record_token_use(session: Session, token: ApiToken, *, now: datetime) -> None:
    """Note that the token was used now, unless that was already noted within the interval."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - USE_RECORDING_INTERVAL,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    # The row is already written; the object in hand should say so without another flush.
    set_committed_value(token, "last_used_at", now)


def authenticate_token(session: Session, raw: str, *, now: datetime) -> ApiToken:
    """Return the live token for a bearer value, noting its use at most once a minute."""
    token = check_token(session, raw, now=now)
    if use_needs_recording(token, now):
        record_token_use(session, token, now=now)
    return token


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
