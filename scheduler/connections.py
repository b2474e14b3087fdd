"""A channel's account on its platform, as adapters see it: its server, language and options."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler import audit
from scheduler.errors import PermissionDenied
from scheduler.models import Channel, User
from scheduler.platforms import Account, Connection


def account_of(channel: Channel) -> Account:
    """Return the channel's account for an adapter call made outside the worker."""
    return Account(
        handle=channel.handle,
        channel_id=channel.id,
        language=channel.language,
        instance_url=channel.instance_url,
        options=channel.platform_options or {},
    )


def save_connection(
    session: Session,
    channel: Channel,
    connection: Connection,
    *,
    by: User | None,
    settings: Settings,
    now: datetime,
) -> None:
    """Keep the credentials a channel now signs in with, and who they sign in as (admins only).

    The credentials go into `credentials_encrypted` as JSON for now: the connections work
    replaces this function with the one that encrypts them (same name and arguments).
    """
    if by is not None and not (by.is_admin and by.active):
        raise PermissionDenied("Only admins can connect a channel to its platform")
    channel.credentials_encrypted = json.dumps(dict(connection.credentials))
    channel.connected_as = connection.account_name
    channel.connection_checked_at = now
    channel.connection_problem = None
    session.flush()
    audit.record(
        session,
        "channel_connected",
        actor=by,
        channel_id=channel.id,
        details={"account": connection.account_name, "platform": channel.platform},
        at=now,
    )
