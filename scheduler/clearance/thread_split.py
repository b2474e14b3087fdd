"""Break a long statement into numbered posts that each fit the platform, never mid-word."""

from __future__ import annotations

import re
from collections.abc import Callable

from config import Settings
from scheduler.clearance.text_rules import check_text
from scheduler.errors import ValidationFailed
from scheduler.models import Channel
from scheduler.platforms import x_text

# A word and the blank space after it, so line breaks inside a post survive the split.
_WORD = re.compile(r"\S+\s*")


def split_thread_text(text: str, *, fits: Callable[[str], bool] | None = None) -> list[str]:
    """Return the text as one post if it fits, else as posts numbered " 1/N" that each fit.

    `fits` says whether a text is acceptable on the platform; by default X's own rules.
    """
    accepts = fits or (lambda chunk: x_text.measure(chunk).valid)
    body = text.strip()
    if not body:
        raise ValidationFailed("Enter the text to split into posts", field="text")
    if accepts(body):
        return [body]
    words = _WORD.findall(body)
    total = 2
    while True:
        chunks = _pack(words, total, accepts)
        if len(chunks) <= total:
            # Fewer parts only shorten the numbering, so every part still fits.
            return [_numbered(chunk, number, len(chunks)) for number, chunk in enumerate(chunks, 1)]
        # More parts may widen the numbering ("9/9" to "10/10"): pack again for that count.
        total = len(chunks)


def _pack(words: list[str], total: int, accepts: Callable[[str], bool]) -> list[str]:
    """Return the words packed greedily into chunks that fit when numbered out of `total`."""
    chunks: list[str] = []
    current = ""
    for word in words:
        number = len(chunks) + 1
        if accepts(_numbered(current + word, number, total)):
            current += word
            continue
        if not current or not accepts(_numbered(word, number + 1, total)):
            raise ValidationFailed(
                f"{word.strip()[:30]!r} is too long for one post even on its own; shorten it",
                field="text",
            )
        chunks.append(current)
        current = word
    if current:
        chunks.append(current)
    return chunks


def _numbered(chunk: str, number: int, total: int) -> str:
    return f"{chunk.strip()} {number}/{total}"


def split_for_channel(channel: Channel, text: str, settings: Settings) -> list[str]:
    """Split the text by the rules of the channel's platform."""
    return split_thread_text(text, fits=lambda chunk: check_text(channel, chunk, settings).valid)
