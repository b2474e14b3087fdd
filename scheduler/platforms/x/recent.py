"""Find a post Gatepost sent among an X account's recent posts, by its text and reply target.

X takes no idempotency key, so "did this publish?" is answered by content: a post by the
account, created no earlier than Gatepost first tried (less a margin for the two clocks), with
the same text and, when known, replying to the same post. X gives text back with links wrapped
as t.co and `&`, `<`, `>` as HTML entities, so both sides are compared with links blanked and
entities decoded.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from twitter_text.extract_urls import extract_urls_with_indices

#: How far X's clock may be behind Gatepost's when comparing creation times.
CLOCK_MARGIN = timedelta(minutes=10)
#: Posts per page (X allows 5 to 100).
PAGE_SIZE = 100
#: The most pages read before giving up; past this the look-up cannot tell.
MAX_PAGES = 10
TWEET_FIELDS = "created_at,referenced_tweets"


@dataclass(frozen=True)
class Found:
    """A post on X that matches what Gatepost sent."""

    id: str
    created_at: datetime


def comparable(text: str) -> str:
    """Return the text as compared: entities decoded, NFC, links blanked, ends trimmed."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    pieces = []
    start = 0
    for url in extract_urls_with_indices(text):
        begin, end = url["indices"]
        pieces.append(text[start:begin])
        pieces.append("\x00link\x00")
        start = end
    pieces.append(text[start:])
    return "".join(pieces).strip()


def _replied_to(post: Mapping[str, Any]) -> str | None:
    for reference in post.get("referenced_tweets") or ():
        if isinstance(reference, dict) and reference.get("type") == "replied_to":
            return str(reference.get("id"))
    return None


def _created(post: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(post["created_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class Search:
    """What to look for: the text, the reply target if known, how far back to look."""

    text: str
    reply_to: str | None
    since: datetime | None

    def matches(self, post: Mapping[str, Any], wanted: str) -> bool:
        """Return whether one of X's posts is the one sent."""
        if comparable(str(post.get("text", ""))) != wanted:
            return False
        return self.reply_to is None or _replied_to(post) == self.reply_to

    def scan(self, pages: Iterator[list[dict[str, Any]]]) -> tuple[Found | None, bool]:
        """Return the earliest match since `since` and whether the search reached back that far.

        The pages come newest first; an empty page marks the end of the account's posts.
        """
        wanted = comparable(self.text)
        earliest = self.since - CLOCK_MARGIN if self.since else None
        found: Found | None = None
        for page in pages:
            for post in page:
                created = _created(post)
                if earliest is not None and created is not None and created < earliest:
                    return found, True
                if self.matches(post, wanted) and created is not None:
                    # Newest first: a later match is an earlier post.
                    found = Found(str(post["id"]), created)
            if not page:
                return found, True
        return found, False
