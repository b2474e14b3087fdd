"""Channels through the API: what there is to post to, and what you may do on each."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select

from scheduler.channels.operations import get_channel, list_channels
from scheduler.identity.api_tokens import Scope
from scheduler.models import AccessRole, Channel, ChannelAccess
from web.api import routes
from web.api.endpoints import ApiCall
from web.api.schemas import ResponseBody


class ChannelOut(ResponseBody):
    """One account on one platform, in one language, with its twin and clearance rules."""

    handle: str = Field(description="Without @; use it as `channel` in posts")
    display_name: str
    platform: str
    language: str
    twin: str | None = Field(description="The twin channel's handle (the other language)")
    requires_twin: bool = Field(description="Every post here needs a twin before it goes out")
    approvals_required: int
    active: bool
    your_access: list[AccessRole] = Field(
        description="What you may do here (admins may do everything)"
    )


class ChannelList(ResponseBody):
    """Every channel, by handle."""

    items: list[ChannelOut]


def _describe(channel: Channel, roles: list[AccessRole]) -> ChannelOut:
    return ChannelOut(
        handle=channel.handle,
        display_name=channel.display_name,
        platform=channel.platform,
        language=channel.language,
        twin=channel.twin.handle if channel.twin is not None else None,
        requires_twin=channel.requires_twin,
        approvals_required=channel.approvals_required,
        active=channel.active,
        your_access=roles,
    )


def _roles(call: ApiCall) -> dict[int, list[AccessRole]]:
    """Return the caller's roles by channel id (every role on every channel for an admin)."""
    rows = call.session.execute(
        select(ChannelAccess.channel_id, ChannelAccess.role).where(
            ChannelAccess.user_id == call.user.id
        )
    )
    held: dict[int, list[AccessRole]] = {}
    for row in rows:
        held.setdefault(row[0], []).append(row[1])
    return held


def _for(call: ApiCall, held: dict[int, list[AccessRole]], channel: Channel) -> list[AccessRole]:
    if call.user.is_admin:
        return list(AccessRole)
    return sorted(held.get(channel.id, []))


@routes.get("/channels", scope=Scope.READ, response=ChannelList, tag="channels")
def get_channels(call: ApiCall) -> ChannelList:
    """List every channel, with its twin and what you may do on it."""
    held = _roles(call)
    return ChannelList(
        items=[
            _describe(channel, _for(call, held, channel)) for channel in list_channels(call.session)
        ]
    )


@routes.get("/channels/{handle:str}", scope=Scope.READ, response=ChannelOut, tag="channels")
def get_one_channel(call: ApiCall, handle: str) -> ChannelOut:
    """Show one channel (its handle, ignoring case and a leading @)."""
    channel = get_channel(call.session, handle)
    return _describe(channel, _for(call, _roles(call), channel))
