"""A channel's account on its platform, as adapters see it: its server, language and options."""

from __future__ import annotations

from scheduler.models import Channel
from scheduler.platforms import Account


def account_of(channel: Channel) -> Account:
    """Return the channel's account for an adapter call made outside the worker."""
    return Account(
        handle=channel.handle,
        channel_id=channel.id,
        language=channel.language,
        instance_url=channel.instance_url,
        options=channel.platform_options or {},
    )
