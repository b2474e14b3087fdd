"""How a post will look and measure, and what will hold it, before it is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.text_rules import check_saved_text
from scheduler.core.local_time import describe
from scheduler.models import Channel, Release
from scheduler.platforms import TextCheck
from scheduler.publishing.rules.facts import load_window
from scheduler.publishing.rules.timing import Timing, judge_timing
from scheduler.publishing.rules.window import WindowNeverOpens


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
    #: when it would go once cleared, as the worker will judge it (None: no send time)
    timing: Timing | None = None


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
    texts = [PreviewText(channel, text, check_saved_text(channel, text, settings))]
    if twin_text and channel.twin is not None:
        texts.append(
            PreviewText(
                channel.twin, twin_text, check_saved_text(channel.twin, twin_text, settings)
            )
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
        return Preview(texts=texts, notes=notes)
    # The worker's own judgement, as a pass at the send time would make it.
    window = load_window(session, settings, now=now)
    try:
        timing = judge_timing(
            window,
            at=send_at,
            send_at=send_at,
            channel_id=channel.id,
            embargo=release.embargo_at if release is not None else None,
            release_title=release.title if release is not None else None,
        )
    except WindowNeverOpens as never:
        notes.append(f"At {describe(send_at, zone)} it would be held: {never}.")
        return Preview(texts=texts, notes=notes)
    if timing.reason is None:
        notes.append(f"Goes out at {describe(send_at, zone)}, once cleared.")
    else:
        notes.append(f"At {describe(send_at, zone)} it would be held: {timing.reason}.")
    return Preview(texts=texts, notes=notes, timing=timing)
