"""Channels, their twins and owners, and the access lists of who may write or clear on each."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from scheduler.access.rules import acts_as_admin, may_manage_channel_access
from scheduler.core import audit
from scheduler.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import AccessRole, Channel, ChannelAccess, Role, User, utcnow
from scheduler.platforms import available_platforms
from scheduler.platforms.registry import platform_class

# Letters, digits and the few marks handles use on X, Mastodon (user@host) and the like.
_HANDLE = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
MAX_APPROVALS_REQUIRED = 10


def normalise_handle(handle: str) -> str:
    """Return the handle without surrounding spaces or a leading @, or refuse a malformed one."""
    value = handle.strip().removeprefix("@")
    if not _HANDLE.match(value):
        raise ValidationFailed(
            f"{handle!r} is not a handle; use letters, digits and _ . - @ only "
            "(up to 100 characters), such as ONSdemo",
            field="handle",
        )
    return value


def parse_access_role(value: AccessRole | str) -> AccessRole:
    """Return the access role named, or refuse with the list of roles."""
    if isinstance(value, AccessRole):
        return value
    try:
        return AccessRole(value.strip().lower())
    except ValueError:
        choices = ", ".join(role.value for role in AccessRole)
        raise ValidationFailed(
            f"Unknown access role {value!r}; choose one of {choices}", field="role"
        ) from None


def find_channel(session: Session, handle: str) -> Channel | None:
    """Return the channel with the handle (ignoring case and a leading @), or None."""
    value = handle.strip().removeprefix("@").lower()
    return session.scalar(select(Channel).where(func.lower(Channel.handle) == value))


def get_channel(session: Session, handle: str) -> Channel:
    """Return the channel with the handle, or raise NotFound naming the channels there are."""
    channel = find_channel(session, handle)
    if channel is None:
        known = session.scalars(select(Channel.handle).order_by(Channel.handle)).all()
        hint = f"; channels: {', '.join('@' + name for name in known)}" if known else ""
        raise NotFound(f"No channel @{handle.strip().removeprefix('@')}{hint}")
    return channel


def list_channels(session: Session) -> Sequence[Channel]:
    """Return every channel, ordered by handle."""
    return session.scalars(select(Channel).order_by(func.lower(Channel.handle))).all()


def create_channel(
    session: Session,
    *,
    platform: str,
    handle: str,
    language: str,
    display_name: str = "",
    twin_handle: str | None = None,
    requires_twin: bool = False,
    approvals_required: int = 1,
    owner: User | None = None,
    instance_url: str | None = None,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> Channel:
    """Add a channel (admins, or the operator when `by` is None), optionally twinned.

    `instance_url` is the base URL of the platform's server the account lives on; it defaults
    to the platform's public service where it has one.
    """
    change = _Change.by_admin(session, by, now, actor_label, to="add channels")
    installed = available_platforms()
    if platform not in installed:
        raise ValidationFailed(
            f"Unknown platform {platform!r}; installed platforms: {', '.join(installed) or 'none'}",
            field="platform",
        )
    instance_url = _instance_for(platform, instance_url)
    handle = normalise_handle(handle)
    if find_channel(session, handle) is not None:
        raise Conflict(f"There is already a channel @{handle}", field="handle")
    language = language.strip().lower()
    if not _LANGUAGE.match(language):
        raise ValidationFailed(
            f"{language!r} is not a language code; use a code such as en or cy", field="language"
        )
    _check_approvals_required(approvals_required)
    twin = get_channel(session, twin_handle) if twin_handle else None
    if twin is not None:
        _check_twinnable(handle, language, twin)
    if requires_twin and twin is None:
        raise ValidationFailed(
            f"@{handle} cannot require a twin without a twin channel; create the twin channel "
            "first and name it as the twin",
            field="twin",
        )
    channel = Channel(
        platform=platform,
        handle=handle,
        display_name=display_name.strip(),
        language=language,
        requires_twin=requires_twin,
        approvals_required=approvals_required,
        owner_id=owner.id if owner else None,
        instance_url=instance_url,
    )
    session.add(channel)
    session.flush()
    if twin is not None:
        _link(session, channel, twin)
    change.record(
        "channel_created",
        channel,
        subject_user=owner,
        details={
            "platform": platform,
            "handle": handle,
            "language": language,
            "twin": twin.handle if twin else None,
            "requires_twin": requires_twin,
            "approvals_required": approvals_required,
            "owner": owner.email if owner else None,
            "instance_url": instance_url,
        },
    )
    if twin is not None:
        change.record("channel_twinned", twin, details={"twin": handle})
    session.flush()
    return channel


def set_twin(
    session: Session,
    channel: Channel,
    twin: Channel | None,
    *,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> None:
    """Link two channels as twins both ways, or unlink a channel (None) from its twin."""
    change = _Change.by_admin(session, by, now, actor_label, to="change twin channels")
    old = channel.twin
    if twin is None:
        if old is None:
            raise ValidationFailed(f"@{channel.handle} has no twin channel", field="twin")
        for side in (channel, old):
            if side.requires_twin:
                raise ValidationFailed(
                    f"@{side.handle} requires a twin; turn that off before unlinking",
                    field="twin",
                )
        channel.twin_id = None
        old.twin_id = None
        session.flush()
        session.expire(channel, ["twin"])
        session.expire(old, ["twin"])
        for side, other in ((channel, old), (old, channel)):
            change.record("channel_untwinned", side, details={"former_twin": other.handle})
        session.flush()
        return
    if old is not None:
        raise ValidationFailed(
            f"@{channel.handle} is already twinned with @{old.handle}; unlink it first",
            field="twin",
        )
    if twin.id == channel.id:
        raise ValidationFailed("A channel cannot be its own twin", field="twin")
    _check_twinnable(channel.handle, channel.language, twin)
    _link(session, channel, twin)
    for side, other in ((channel, twin), (twin, channel)):
        change.record("channel_twinned", side, details={"twin": other.handle})
    session.flush()


def set_requires_twin(
    session: Session,
    channel: Channel,
    requires_twin: bool,
    *,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> None:
    """Say whether posts on the channel must have a twin before they are submitted."""
    change = _Change.by_admin(
        session, by, now, actor_label, to="change whether a channel requires a twin"
    )
    if requires_twin and channel.twin_id is None:
        raise ValidationFailed(
            f"@{channel.handle} has no twin channel; link one first", field="requires_twin"
        )
    if channel.requires_twin == requires_twin:
        return
    channel.requires_twin = requires_twin
    change.record("channel_settings_changed", channel, details={"requires_twin": requires_twin})
    session.flush()


def set_approvals_required(
    session: Session,
    channel: Channel,
    approvals_required: int,
    *,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> None:
    """Set how many distinct approvers must clear each post on the channel."""
    change = _Change.by_admin(
        session, by, now, actor_label, to="change how many approvals a channel needs"
    )
    _check_approvals_required(approvals_required)
    if channel.approvals_required == approvals_required:
        return
    before = channel.approvals_required
    channel.approvals_required = approvals_required
    change.record(
        "channel_settings_changed",
        channel,
        details={"approvals_required": approvals_required, "was": before},
    )
    session.flush()


def set_channel_owner(
    session: Session,
    channel: Channel,
    owner: User | None,
    *,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> None:
    """Make a person (a statistician, for their own account) the owner of a channel, or nobody."""
    change = _Change.by_admin(session, by, now, actor_label, to="change who owns a channel")
    before = channel.owner
    if (before.id if before else None) == (owner.id if owner else None):
        return
    channel.owner_id = owner.id if owner else None
    change.record(
        "channel_owner_changed",
        channel,
        subject_user=owner,
        details={
            "owner": owner.email if owner else None,
            "was": before.email if before else None,
        },
    )
    session.flush()
    session.expire(channel, ["owner"])


def grant_access(
    session: Session,
    *,
    channel: Channel,
    user: User,
    role: AccessRole | str,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> ChannelAccess:
    """Put a person on a channel's access list as author or approver (audited)."""
    role = parse_access_role(role)
    change = _Change.by_access_manager(session, by, now, actor_label, channel)
    if role is AccessRole.APPROVER and user.role not in (Role.APPROVER, Role.ADMIN):
        # Approvers must use two-factor sign-in, which the author role does not require.
        raise ValidationFailed(
            f"{user.email} is an author; only approvers and admins can be given approver "
            "access (change their role first)",
            field="role",
        )
    existing = _access_entry(session, channel, user, role)
    if existing is not None:
        raise Conflict(f"{user.email} already has {role.value} access to @{channel.handle}")
    entry = ChannelAccess(
        channel_id=channel.id,
        user_id=user.id,
        role=role,
        granted_by_id=by.id if by else None,
        granted_at=change.at,
    )
    session.add(entry)
    change.record(
        "access_granted", channel, subject_user=user, details=_access_details(channel, user, role)
    )
    session.flush()
    return entry


def revoke_access(
    session: Session,
    *,
    channel: Channel,
    user: User,
    role: AccessRole | str,
    by: User | None = None,
    now: datetime | None = None,
    actor_label: str = "",
) -> None:
    """Take a person off a channel's access list (audited)."""
    role = parse_access_role(role)
    change = _Change.by_access_manager(session, by, now, actor_label, channel)
    entry = _access_entry(session, channel, user, role)
    if entry is None:
        raise NotFound(f"{user.email} has no {role.value} access to @{channel.handle}")
    session.delete(entry)
    change.record(
        "access_revoked", channel, subject_user=user, details=_access_details(channel, user, role)
    )
    session.flush()


@dataclass(frozen=True)
class AccessListEntry:
    """One line of the shareable list of who can post where."""

    channel: str
    platform: str
    language: str
    owner: str
    email: str
    name: str
    role: str
    granted_by: str
    granted_at: datetime


def access_list(session: Session, channel: Channel | None = None) -> list[AccessListEntry]:
    """Return who holds which role on each channel (or one channel), for sharing and review."""
    owner = aliased(User)
    granter = aliased(User)
    member = aliased(User)
    query = (
        select(Channel, member, ChannelAccess, owner.email, granter.email)
        .join(ChannelAccess, ChannelAccess.channel_id == Channel.id)
        .join(member, member.id == ChannelAccess.user_id)
        .outerjoin(owner, owner.id == Channel.owner_id)
        .outerjoin(granter, granter.id == ChannelAccess.granted_by_id)
        .order_by(func.lower(Channel.handle), member.email, ChannelAccess.role)
    )
    if channel is not None:
        query = query.where(Channel.id == channel.id)
    return [
        AccessListEntry(
            channel=row_channel.handle,
            platform=row_channel.platform,
            language=row_channel.language,
            owner=owner_email or "",
            email=row_member.email,
            name=row_member.name,
            role=entry.role.value,
            granted_by=granter_email or "operator",
            granted_at=entry.granted_at,
        )
        for row_channel, row_member, entry, owner_email, granter_email in session.execute(query)
    ]


def normalise_instance_url(url: str) -> str:
    """Return a server's base URL as stored (no trailing slash), or refuse a malformed one."""
    value = url.strip()
    parts = urlsplit(value)
    hint = "give the server's base URL, such as https://mastodon.social"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(f"{url!r} is not a server address; {hint}", field="instance_url")
    if parts.username or parts.password or parts.query or parts.fragment:
        # A password in the address would be stored and shown in the clear.
        raise ValidationFailed(
            f"The server address must not carry a user name, password, query or fragment; {hint}",
            field="instance_url",
        )
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise ValidationFailed(
            f"{url!r} has a bad port number; {hint}", field="instance_url"
        ) from None
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{port}{parts.path}".rstrip("/")


def _instance_for(platform: str, instance_url: str | None) -> str | None:
    adapter = platform_class(platform)
    if instance_url and instance_url.strip():
        return normalise_instance_url(instance_url)
    if adapter.default_instance:
        return adapter.default_instance.rstrip("/")
    if adapter.needs_connection:
        raise ValidationFailed(
            f"Channels on {platform} need their server's address; give its base URL, such as "
            "https://mastodon.social",
            field="instance_url",
        )
    return None


def _check_twinnable(handle: str, language: str, twin: Channel) -> None:
    if twin.twin_id is not None:
        raise ValidationFailed(
            f"@{twin.handle} is already twinned with another channel; unlink it first",
            field="twin",
        )
    if twin.language == language:
        raise ValidationFailed(
            f"@{twin.handle} is also in {twin.language}; a twin carries the same message in "
            f"the other language, so it cannot twin @{handle}",
            field="twin",
        )


def _link(session: Session, channel: Channel, twin: Channel) -> None:
    channel.twin_id = twin.id
    twin.twin_id = channel.id
    session.flush()
    session.expire(channel, ["twin"])
    session.expire(twin, ["twin"])


def _check_approvals_required(approvals_required: int) -> None:
    if not 1 <= approvals_required <= MAX_APPROVALS_REQUIRED:
        raise ValidationFailed(
            f"Approvals required must be between 1 and {MAX_APPROVALS_REQUIRED}",
            field="approvals_required",
        )


def _access_entry(
    session: Session, channel: Channel, user: User, role: AccessRole
) -> ChannelAccess | None:
    return session.scalar(
        select(ChannelAccess).where(
            ChannelAccess.channel_id == channel.id,
            ChannelAccess.user_id == user.id,
            ChannelAccess.role == role,
        )
    )


@dataclass(frozen=True)
class _Change:
    """One change to channels: who makes it and when, carried by each audit event it writes."""

    session: Session
    by: User | None
    at: datetime
    actor_label: str

    @classmethod
    def by_admin(
        cls, session: Session, by: User | None, now: datetime | None, actor_label: str, *, to: str
    ) -> _Change:
        """Start a change only admins (or the operator, None) may make."""
        if not acts_as_admin(by):
            raise PermissionDenied(f"Only admins can {to}")
        return cls(session, by, now or utcnow(), actor_label)

    @classmethod
    def by_access_manager(
        cls,
        session: Session,
        by: User | None,
        now: datetime | None,
        actor_label: str,
        channel: Channel,
    ) -> _Change:
        """Start a change to the channel's access list (admins, its owner or the operator)."""
        if not may_manage_channel_access(by, channel):
            raise PermissionDenied(
                f"Only admins and the owner of @{channel.handle} can change who has access to it"
            )
        return cls(session, by, now or utcnow(), actor_label)

    def record(
        self,
        action: str,
        channel: Channel,
        *,
        details: dict[str, Any],
        subject_user: User | None = None,
    ) -> None:
        """Append the audit event of this change to the channel."""
        audit.record(
            self.session,
            action,
            actor=self.by,
            actor_label=self.actor_label,
            channel_id=channel.id,
            subject_user=subject_user,
            at=self.at,
            details=details,
        )


def _access_details(channel: Channel, user: User, role: AccessRole) -> dict[str, Any]:
    return {"channel": channel.handle, "user": user.email, "role": role.value}
