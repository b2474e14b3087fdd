"""Bluesky's text limits (app.bsky.feed.post): 300 graphemes and 3000 UTF-8 bytes."""

from __future__ import annotations

import regex

from scheduler.platforms.base import TextCheck

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
_GRAPHEME = regex.compile(r"\X")


def grapheme_count(text: str) -> int:
    """Return how many user-perceived characters (extended grapheme clusters) the text has."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def measure(text: str) -> TextCheck:
    """Measure a post's text against Bluesky's limits, saying what to fix."""
    graphemes = grapheme_count(text)
    size = len(text.encode())
    problems = []
    if graphemes > MAX_GRAPHEMES:
        problems.append(
            f"The text is {graphemes:,} graphemes; Bluesky allows {MAX_GRAPHEMES}: "
            f"cut {graphemes - MAX_GRAPHEMES:,}"
        )
    if size > MAX_BYTES:
        problems.append(
            f"The text is {size:,} bytes in UTF-8; Bluesky allows {MAX_BYTES:,}: shorten it "
            "(emoji and accented letters take 2 to 4 bytes each)"
        )
    return TextCheck(length=graphemes, limit=MAX_GRAPHEMES, problems=tuple(problems))
