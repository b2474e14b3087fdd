"""Check a post's text by its platform's own rules, through the channel's adapter."""

from __future__ import annotations

from config import Settings
from scheduler.errors import ValidationFailed
from scheduler.models import Channel
from scheduler.platforms import TextCheck, registry


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
    return adapter.validate(text)


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
