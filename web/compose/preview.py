"""How a post will look and measure, and what will hold it, before it is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import check_text
from scheduler.local_time import describe
from scheduler.models import Channel, Release
from scheduler.platforms import TextCheck
from scheduler.publishing.facts import load_quiet_periods
from scheduler.publishing.window import PublishingWindow


@dataclass(frozen=True)
class PreviewText:
    """One text as it will go out, with its length by the platform's rules."""

    channel: Channel
    text: str
    check: TextCheck


@dataclass(frozen=True)
class Preview:
    """The texts side by side and the notes about when they can go out."""

    texts: list[PreviewText]
    notes: list[str]


def build_preview(
    session: Session,
    *,
    channel: Channel,
    text: str,
    twin_text: str | None,
    send_at: datetime | None,
    release: Release | None,
    settings: Settings,
    now: datetime,
) -> Preview:
    """Measure the texts and say what the embargo and publishing window mean for the send time."""
    texts = [PreviewText(channel, text, check_text(channel, text, settings))]
    if twin_text and channel.twin is not None:
        texts.append(
            PreviewText(channel.twin, twin_text, check_text(channel.twin, twin_text, settings))
        )
    notes: list[str] = []
    zone = settings.timezone
    if release is not None:
        notes.append(
            f"Embargoed until {describe(release.embargo_at, zone)} ({release.title}): only "
            "people on its pre-release access list can read the text before then, and it "
            "cannot go out earlier."
        )
    if send_at is None:
        notes.append("No send time yet: an approver can set one when clearing it.")
    else:
        window = PublishingWindow(settings).with_quiet_periods(load_quiet_periods(session, now))
        block = window.block_at(send_at, channel.id)
        if block is not None:
            notes.append(
                f"At {describe(send_at, zone)} publishing is closed ({block.reason}); it would be "
                f"held until {describe(block.until, zone)}."
            )
        else:
            notes.append(f"Goes out at {describe(send_at, zone)}, once cleared.")
    return Preview(texts=texts, notes=notes)
