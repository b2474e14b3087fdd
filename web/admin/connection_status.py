"""What a channel's page says about its connection to its platform, and how to connect it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from scheduler.core.clock import SystemClock
from scheduler.core.errors import ValidationFailed
from scheduler.models import Channel
from scheduler.platforms.registry import platform_class
from web.ui.formatting import time_ago


@dataclass(frozen=True)
class ConnectionView:
    """A channel's connection as its page shows it."""

    connected: bool
    working: bool
    status: str
    #: "token" or "handle_and_password": which fields the connect form shows
    connect_with: str
    #: where the admin makes the credential, in the adapter's words
    credential_hint: str
    #: where "Connect with <platform>" starts the platform's OAuth sign-in, if it has one here
    authorization_url: str | None


def connection_view(channel: Channel) -> ConnectionView | None:
    """Return what to show of the channel's connection, or None if its platform needs none."""
    try:
        adapter = platform_class(channel.platform)
    except (ValidationFailed, ImportError):
        return None
    if not adapter.needs_connection:
        return None
    now = SystemClock().now()
    checked = (
        f", checked {time_ago(channel.connection_checked_at, now)}"
        if channel.connection_checked_at
        else ""
    )
    connected = channel.connected_as is not None
    if not connected:
        status = "Not connected: its posts are held until an admin connects it"
    elif channel.connection_problem:
        status = f"Not working{checked}: {channel.connection_problem}"
    else:
        status = f"Connected as {channel.connected_as}{checked}"
    authorization_url = (
        url_for("admin.channel_oauth_start", channel_id=channel.id)
        if adapter.supports_authorization
        else None
    )
    return ConnectionView(
        connected=connected,
        working=connected and not channel.connection_problem,
        status=status,
        connect_with=adapter.connect_with,
        credential_hint=adapter.credential_hint,
        authorization_url=authorization_url,
    )
