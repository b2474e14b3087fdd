"""What the mock platform shows the world: its ledger as a timeline of threads, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scheduler.platforms.mock_ledger import read_ledger

#: Threads shown at most (the ledger is a demo platform's, read whole on each look).
MAX_THREADS = 200


@dataclass
class TimelinePost:
    """One published post, its deletion if any, and the replies to it, oldest first."""

    external_id: str
    channel: str
    text: str
    published_at: datetime
    reply_to: str | None
    deleted_at: datetime | None = None
    replies: list[TimelinePost] = field(default_factory=list)

    @property
    def latest(self) -> datetime:
        """Return when the thread last grew."""
        return max([self.published_at, *(reply.latest for reply in self.replies)])


@dataclass(frozen=True)
class Timeline:
    """Threads newest first, the channels seen in the ledger, and whether some were left off."""

    threads: list[TimelinePost]
    channels: list[str]
    left_off: int


def _instant(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def build_timeline(events: Iterable[dict[str, Any]], *, channel: str | None = None) -> Timeline:
    """Return the timeline from ledger events, on one channel (case-insensitive) or all."""
    posts: dict[str, TimelinePost] = {}
    order: list[TimelinePost] = []
    channels: set[str] = set()
    for event in events:
        kind = event.get("event", "published")
        external_id = str(event.get("external_id", ""))
        if kind == "published":
            published_at = _instant(event.get("published_at"))
            if not external_id or published_at is None:
                continue
            post = TimelinePost(
                external_id=external_id,
                channel=str(event.get("channel", "")),
                text=str(event.get("text", "")),
                published_at=published_at,
                reply_to=event.get("reply_to") or None,
            )
            channels.add(post.channel)
            posts[external_id] = post
            order.append(post)
        elif kind == "deleted" and external_id in posts:
            posts[external_id].deleted_at = _instant(event.get("deleted_at"))
    roots: list[TimelinePost] = []
    for post in order:
        parent = posts.get(post.reply_to) if post.reply_to else None
        if parent is not None:
            parent.replies.append(post)
        else:
            roots.append(post)
    if channel:
        wanted = channel.lstrip("@").lower()
        roots = [root for root in roots if root.channel.lower() == wanted]
    roots.sort(key=lambda root: root.latest, reverse=True)
    return Timeline(
        threads=roots[:MAX_THREADS],
        channels=sorted(channels, key=str.lower),
        left_off=max(0, len(roots) - MAX_THREADS),
    )


def read_timeline(ledger_path: Path, *, channel: str | None = None) -> Timeline:
    """Return the timeline of the mock platform's ledger file."""
    return build_timeline(read_ledger(ledger_path), channel=channel)
