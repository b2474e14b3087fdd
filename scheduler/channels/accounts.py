"""A channel's account on its platform, as adapters see it: its server, language, options and
decrypted credentials."""

from __future__ import annotations

from config import Settings
from scheduler.channels.credentials import cipher_for
from scheduler.models import Channel
from scheduler.platforms import Account


def account_of(channel: Channel, settings: Settings, *, with_credentials: bool = True) -> Account:
    """Return the channel's account for an adapter call made outside the worker.

    Raises CredentialsUnreadable when its stored credentials cannot be decrypted.
    """
    sealed = channel.credentials_encrypted if with_credentials else None
    return Account(
        handle=channel.handle,
        channel_id=channel.id,
        language=channel.language,
        instance_url=channel.instance_url,
        credentials=cipher_for(settings).open(sealed) if sealed else {},
        options=channel.platform_options or {},
    )
