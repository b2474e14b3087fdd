"""Fill and read the channel and release pickers of the compose and thread forms."""

from __future__ import annotations

from typing import Any

from config import Settings
from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import describe
from scheduler.models import Channel, Release
from web.forms.select_choice import SelectChoice

NO_RELEASE = ""


def fill_choices(
    form: Any, channels: list[Channel], releases: list[Release], settings: Settings
) -> None:
    """List the person's channels and the releases they can see."""
    form.channel.choices = [
        SelectChoice(str(channel.id), f"@{channel.handle} ({channel.language})")
        for channel in channels
    ]
    form.release.choices = [SelectChoice(NO_RELEASE, "No release (not embargoed)")] + [
        SelectChoice(
            str(release.id),
            f"{release.title}, embargoed until {describe(release.embargo_at, settings.timezone)}",
        )
        for release in releases
    ]


def picked(
    form: Any, channels: list[Channel], releases: list[Release]
) -> tuple[Channel, Release | None]:
    """Return the chosen channel and release, refusing ones the person may not use."""
    channel = next((item for item in channels if str(item.id) == form.channel.data), None)
    if channel is None:
        raise ValidationFailed("Choose a channel you may post on", field="channel")
    if form.release.data in (None, NO_RELEASE):
        return channel, None
    release = next((item for item in releases if str(item.id) == form.release.data), None)
    if release is None:
        raise ValidationFailed(
            "Choose a release whose pre-release access list you are on", field="release"
        )
    return channel, release
