"""Connecting channels to their platforms: credentials checked with the platform before they are
kept, kept encrypted, checked again later, and the posts that waited on them released."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import may_manage_channels
from scheduler.channels.accounts import account_of
from scheduler.channels.credentials import CredentialsUnreadable, cipher_for
from scheduler.core import audit
from scheduler.core.clock import Clock
from scheduler.core.errors import DomainError, PermissionDenied, ValidationFailed
from scheduler.models import Channel, Post, PostState, User, utcnow
from scheduler.platforms import (
    Account,
    Connection,
    Credentials,
    CredentialsRefused,
    PermanentError,
    Platform,
    PlatformError,
    TransientError,
    get_platform,
)
from scheduler.platforms.registry import platform_class
from scheduler.publishing.rules.eligibility import not_connected_reason

#: What `platform_needs_connection` found, by platform name (adapters do not change while a
#: process runs, and finding one reads every installed package's metadata).
_NEEDS_CONNECTION: dict[str, bool] = {}


class PlatformUnavailable(DomainError):
    """The platform did not answer; nothing was changed."""

    code = "platform_unavailable"


@dataclass(frozen=True)
class CheckResult:
    """What a check of a channel's connection found."""

    handle: str
    #: True: the credentials work; False: the platform refused them; None: it could not tell.
    working: bool | None
    connected_as: str | None
    #: Why they do not work, or why the platform could not tell; None when they work.
    problem: str | None

    def line(self) -> str:
        """Return the result as one line for people."""
        if self.working:
            return f"@{self.handle}: connected as {self.connected_as}"
        if self.working is None:
            return f"@{self.handle}: could not check: {self.problem}"
        return f"@{self.handle}: not working: {self.problem}"


@dataclass(frozen=True)
class ConnectionWarning:
    """A channel that cannot publish until an admin connects it (again)."""

    handle: str
    platform: str
    problem: str


def connection_warnings(session: Session) -> list[ConnectionWarning]:
    """Return the channels whose credentials stopped working, and those never connected that
    have posts scheduled (the platform's own words stay on the admin page)."""
    warnings = []
    rows = session.execute(
        select(
            Channel.id,
            Channel.handle,
            Channel.platform,
            Channel.connected_as,
            Channel.connection_problem,
        )
        .where(Channel.active.is_(True))
        .order_by(Channel.handle)
    )
    for channel_id, handle, platform, connected_as, problem in rows:
        if problem is not None:
            warnings.append(
                ConnectionWarning(
                    handle,
                    platform,
                    f"@{handle}: the platform refused its credentials; an admin must connect "
                    "it again",
                )
            )
        elif connected_as is None and platform_needs_connection(platform):
            waiting = session.scalar(
                select(Post.id)
                .where(Post.channel_id == channel_id, Post.state == PostState.SCHEDULED)
                .limit(1)
            )
            if waiting is not None:
                warnings.append(ConnectionWarning(handle, platform, not_connected_reason(handle)))
    return warnings


def platform_needs_connection(name: str) -> bool:
    """Return whether channels on the platform must be connected before they publish."""
    found = _NEEDS_CONNECTION.get(name)
    if found is None:
        try:
            found = platform_class(name).needs_connection
        except (ValidationFailed, ImportError):
            return False  # not installed here: the worker holds its posts for that reason
        _NEEDS_CONNECTION[name] = found
    return found


def adapter_for(
    session: Session, channel: Channel, settings: Settings, clock: Clock | None = None
) -> Platform:
    """Return the channel's adapter, which stores credentials it refreshes into the session."""

    def keep(account: Account, credentials: Credentials) -> None:
        if account.channel_id == channel.id:
            channel.credentials_encrypted = cipher_for(settings).seal(credentials)
            session.flush()

    return get_platform(channel.platform, settings, clock, keep)


def _require_admin(by: User | None, to: str) -> None:
    if not may_manage_channels(by):
        raise PermissionDenied(f"Only admins can {to}")


def _hidden(message: str, secret: str) -> str:
    """Return a platform's message on one line, without any part of the secret it echoed."""
    for part in {secret, *secret.split()}:
        if len(part) >= 6:
            message = message.replace(part, "[hidden]")
    return " ".join(message.split())


def connect_channel(
    session: Session,
    channel: Channel,
    secret: str,
    *,
    by: User | None,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
    adapter: Platform | None = None,
) -> Channel:
    """Check a credential with the channel's platform, then keep it encrypted (admins only).

    Nothing is saved when the platform refuses it or does not answer: the error says why.
    """
    _require_admin(by, "connect channels")
    adapter = adapter or adapter_for(session, channel, settings)
    if not adapter.needs_connection:
        raise ValidationFailed(
            f"@{channel.handle} is on the {channel.platform} platform, which needs no connection",
            field="secret",
        )
    secret = secret.strip()
    if not secret:
        wanted = (
            "the account's handle and an app password, separated by a space"
            if adapter.connect_with == "handle_and_password"
            else "the account's access token"
        )
        raise ValidationFailed(f"Give {wanted} to connect @{channel.handle}", field="secret")
    try:
        connection = adapter.connect(account_of(channel, settings, with_credentials=False), secret)
    except CredentialsRefused as error:
        raise ValidationFailed(
            f"{channel.platform} refused the credential for @{channel.handle}: "
            f"{_hidden(error.message, secret)}; nothing was saved",
            field="secret",
        ) from None
    except TransientError as error:
        raise PlatformUnavailable(
            f"{channel.platform} did not answer ({_hidden(error.message, secret)}); nothing was "
            "saved. Try again in a few minutes",
            field="secret",
        ) from None
    except PlatformError as error:
        raise ValidationFailed(
            f"{channel.platform} could not connect @{channel.handle}: "
            f"{_hidden(error.message, secret)}; nothing was saved",
            field="secret",
        ) from None
    return save_connection(
        session,
        channel,
        connection,
        by=by,
        settings=settings,
        now=now,
        actor_label=actor_label,
        via="credential",
    )


def save_connection(
    session: Session,
    channel: Channel,
    connection: Connection,
    *,
    by: User | None,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
    via: str = "authorization",
) -> Channel:
    """Keep a connection the platform confirmed (from `connect` or an OAuth finish), encrypted.

    Posts held because the channel was not connected are looked at again at once.
    """
    _require_admin(by, "connect channels")
    if not connection.credentials:
        raise ValidationFailed(
            f"{channel.platform} confirmed @{channel.handle} but gave no credentials to keep; "
            "connect it again",
            field="secret",
        )
    now = now or utcnow()
    before = channel.connected_as
    channel.credentials_encrypted = cipher_for(settings).seal(connection.credentials)
    channel.connected_as = connection.account_name
    channel.connection_checked_at = now
    channel.connection_problem = None
    session.flush()
    released = _release_waiting(session, channel, now)
    _record(
        session,
        "channel_connected",
        channel,
        by=by,
        actor_label=actor_label,
        at=now,
        details={
            "platform": channel.platform,
            "instance_url": channel.instance_url,
            "connected_as": connection.account_name,
            "was": before,
            "via": via,
            "posts_released": released,
        },
    )
    return channel


def _release_waiting(session: Session, channel: Channel, now: datetime) -> int:
    """Make posts held because the channel was not connected due now; return how many."""
    # A reason that waits on another post ends with its root cause, so this finds the posts on
    # the channel and the twins and thread posts held with them.
    result = session.execute(
        update(Post)
        .where(
            Post.state == PostState.SCHEDULED,
            Post.hold_reason.endswith(not_connected_reason(channel.handle), autoescape=True),
            or_(Post.due_at.is_(None), Post.due_at > now),
        )
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def check_connection(
    session: Session,
    channel: Channel,
    *,
    by: User | None,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
    adapter: Platform | None = None,
) -> CheckResult:
    """Ask the platform whether the channel's stored credentials work, and record the answer."""
    _require_admin(by, "check channels' connections")
    adapter = adapter or adapter_for(session, channel, settings)
    if not adapter.needs_connection:
        raise ValidationFailed(
            f"@{channel.handle} is on the {channel.platform} platform, which needs no connection"
        )
    if channel.credentials_encrypted is None:
        raise ValidationFailed(
            f"@{channel.handle} is not connected yet; connect it first "
            f"(gatepost channels connect --channel {channel.handle})"
        )
    return record_check(
        session,
        channel,
        ask_platform(adapter, channel, settings),
        settings=settings,
        now=now,
        by=by,
        actor_label=actor_label,
    )


def ask_platform(
    adapter: Platform, channel: Channel, settings: Settings
) -> Connection | PlatformError:
    """Return who the channel's credentials sign in as, or the platform's error."""
    try:
        return adapter.check_connection(account_of(channel, settings))
    except CredentialsUnreadable as error:
        return PermanentError(str(error))
    except PlatformError as error:
        return error


def record_check(
    session: Session,
    channel: Channel,
    outcome: Connection | PlatformError,
    *,
    settings: Settings,
    now: datetime | None = None,
    by: User | None = None,
    actor_label: str = "",
) -> CheckResult:
    """Record what a check found: refreshed credentials and who they sign in as, or why not.

    A change between working and not working is audited (the failure alerts the channel's owner
    and the admins); an answer that cannot tell (the platform down) changes nothing.
    """
    now = now or utcnow()
    if isinstance(outcome, Connection):
        return _record_working(session, channel, outcome, settings, now, by, actor_label)
    if not isinstance(outcome, PermanentError):
        return CheckResult(
            channel.handle,
            None,
            channel.connected_as,
            f"{channel.platform} did not answer ({outcome.message}); try again later",
        )
    problem = outcome.message
    was_working = channel.connection_problem is None
    channel.connection_problem = problem
    channel.connection_checked_at = now
    session.flush()
    if was_working:
        _record(
            session,
            "connection_failed",
            channel,
            by=by,
            actor_label=actor_label,
            at=now,
            comment=problem,
            details={"platform": channel.platform, "connected_as": channel.connected_as},
        )
    return CheckResult(channel.handle, False, channel.connected_as, problem)


def _record_working(
    session: Session,
    channel: Channel,
    connection: Connection,
    settings: Settings,
    now: datetime,
    by: User | None,
    actor_label: str,
) -> CheckResult:
    cipher = cipher_for(settings)
    if connection.credentials:
        sealed = channel.credentials_encrypted
        try:
            same = sealed is not None and cipher.open(sealed) == dict(connection.credentials)
        except CredentialsUnreadable:
            same = False
        if not same:
            channel.credentials_encrypted = cipher.seal(connection.credentials)
    restored = channel.connection_problem is not None
    before = channel.connected_as
    channel.connected_as = connection.account_name
    channel.connection_checked_at = now
    channel.connection_problem = None
    session.flush()
    if restored or before != connection.account_name:
        _record(
            session,
            "connection_restored" if restored else "connection_account_changed",
            channel,
            by=by,
            actor_label=actor_label,
            at=now,
            details={"connected_as": connection.account_name, "was": before},
        )
    return CheckResult(channel.handle, True, connection.account_name, None)


def _record(
    session: Session,
    action: str,
    channel: Channel,
    *,
    by: User | None,
    actor_label: str,
    at: datetime,
    details: dict[str, Any],
    comment: str = "",
) -> None:
    # Never the credentials: only who they sign in as, and the platform's words.
    audit.record(
        session,
        action,
        actor=by,
        actor_label=actor_label,
        channel_id=channel.id,
        comment=comment,
        details=details,
        at=at,
    )
    session.flush()
