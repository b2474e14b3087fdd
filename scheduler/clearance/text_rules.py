"""Check a post's text by its platform's own rules, through the channel's adapter."""

from __future__ import annotations

from config import Settings
from scheduler.channels.accounts import account_of
from scheduler.channels.credentials import CredentialsUnreadable
from scheduler.core.errors import ValidationFailed
from scheduler.models import Channel
from scheduler.platforms import TextCheck, registry


def clean_text(text: str) -> str:
    """Return the text without the surrounding blank space a form or shell adds."""
    return text.strip()


def check_saved_text(channel: Channel, text: str, settings: Settings) -> TextCheck:
    """Measure a text as it will be saved (without the blank space around it) and published."""
    return check_text(channel, clean_text(text), settings)


def check_text(channel: Channel, text: str, settings: Settings) -> TextCheck:
    """Measure the text with the adapter of the channel's platform."""
    try:
        adapter = registry.get_platform(channel.platform, settings)
    except ImportError as error:
        raise ValidationFailed(
            f"The {channel.platform} platform adapter of @{channel.handle} is registered but "
            f"cannot be loaded ({error}); reinstall Gatepost or the adapter",
            field="channel",
        ) from None
    try:
        account = account_of(channel, settings)
    except CredentialsUnreadable:
        # Measuring a text needs no sign-in; the channel page says the credentials are lost.
        account = account_of(channel, settings, with_credentials=False)
    return adapter.validate(text, account)


def require_valid_text(
    channel: Channel, text: str, settings: Settings, *, field: str = "text"
) -> TextCheck:
    """Return the measure of a text the platform accepts, or refuse saying what to fix."""
    check = check_text(channel, text, settings)
    if not check.valid:
        raise ValidationFailed(
            f"Text for @{channel.handle}: {'; '.join(check.problems)}", field=field
        )
    return check
