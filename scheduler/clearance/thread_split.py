"""Break a long statement into numbered posts that each fit the platform, never mid-word."""

from __future__ import annotations

import re
from collections.abc import Callable

from config import Settings
from scheduler.clearance.text_rules import check_text
from scheduler.core.errors import ValidationFailed
from scheduler.models import Channel
from scheduler.platforms import x_text

# A word and the blank space after it, so line breaks inside a post survive the split.
_WORD = re.compile(r"\S+\s*")


def split_thread_text(
    text: str, *, fits: Callable[[str], bool] | None = None, parts: int | None = None
) -> list[str]:
    """Return the text as one post if it fits, else as posts numbered " 1/N" that each fit."""
    # `fits` says whether a text is acceptable on the platform (by default X's own rules);
    # `parts` asks for exactly that many posts, so that twins can pair post for post.
    accepts = fits or (lambda chunk: x_text.measure(chunk).valid)
    body = text.strip()
    if not body:
        raise ValidationFailed("Enter the text to split into posts", field="text")
    words = _WORD.findall(body)
    if parts is not None and parts > 1:
        return _split_into(body, words, parts, accepts)
    if accepts(body):
        return [body]
    total = 2
    while True:
        chunks = _pack(words, total, accepts)
        if len(chunks) <= total:
            # Fewer parts only shorten the numbering, so every part still fits.
            return _number(chunks)
        # More parts may widen the numbering ("9/9" to "10/10"): pack again for that count.
        total = len(chunks)


def split_twin_texts(
    text: str,
    twin_text: str,
    *,
    fits: Callable[[str], bool] | None = None,
    twin_fits: Callable[[str], bool] | None = None,
) -> tuple[list[str], list[str]]:
    """Split a statement and its twin into the same number of posts, to pair post for post."""
    first = split_thread_text(text, fits=fits)
    second = split_thread_text(twin_text, fits=twin_fits or fits)
    if len(first) < len(second):
        first = split_thread_text(text, fits=fits, parts=len(second))
    elif len(second) < len(first):
        second = split_thread_text(twin_text, fits=twin_fits or fits, parts=len(first))
    return first, second


def _split_into(
    body: str, words: list[str], parts: int, accepts: Callable[[str], bool]
) -> list[str]:
    """Return exactly `parts` numbered posts of about equal length."""
    if parts > len(words):
        raise ValidationFailed(
            f"The text has {len(words)} words, too few for {parts} posts", field="text"
        )
    needed = len(split_thread_text(body, fits=accepts))
    if needed > parts:
        raise ValidationFailed(
            f"The text needs {needed} posts, more than {parts}; shorten it", field="text"
        )
    # The shortest cap on a part's length for which the parts still number no more than asked.
    low, high = 1, len(body)
    best: list[str] | None = None
    while low <= high:
        cap = (low + high) // 2
        chunks = _pack(words, parts, accepts, cap=cap, stop_after=parts)
        if len(chunks) <= parts:
            best, high = chunks, cap - 1
        else:
            low = cap + 1
    if best is None:
        raise ValidationFailed(f"The text needs more than {parts} posts; shorten it", field="text")
    while len(best) < parts:
        # Halve the part with most words; shorter parts still fit.
        index = max(range(len(best)), key=lambda i: len(_WORD.findall(best[i])))
        pieces = _WORD.findall(best[index])
        middle = len(pieces) // 2
        best[index : index + 1] = ["".join(pieces[:middle]), "".join(pieces[middle:])]
    return _number(best)


def _number(chunks: list[str]) -> list[str]:
    return [_numbered(chunk, number, len(chunks)) for number, chunk in enumerate(chunks, 1)]


def _pack(
    words: list[str],
    total: int,
    accepts: Callable[[str], bool],
    *,
    cap: int | None = None,
    stop_after: int | None = None,
) -> list[str]:
    """Return the words packed greedily into chunks that fit when numbered out of `total`."""
    chunks: list[str] = []
    current = ""
    for word in words:
        if stop_after is not None and len(chunks) > stop_after:
            return chunks  # already too many: the caller only needs to know that
        number = len(chunks) + 1
        within_cap = cap is None or not current or len((current + word).strip()) <= cap
        if within_cap and accepts(_numbered(current + word, number, total)):
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
    return split_thread_text(text, fits=_rules_of(channel, settings))


def split_twins_for_channel(
    channel: Channel, text: str, twin_text: str, settings: Settings
) -> tuple[list[str], list[str]]:
    """Split a statement and its twin by their channels' rules into pairs of posts."""
    if channel.twin is None:
        raise ValidationFailed(
            f"@{channel.handle} has no twin channel, so its posts cannot have twins",
            field="twin_text",
        )
    return split_twin_texts(
        text,
        twin_text,
        fits=_rules_of(channel, settings),
        twin_fits=_rules_of(channel.twin, settings),
    )


def _rules_of(channel: Channel, settings: Settings) -> Callable[[str], bool]:
    return lambda chunk: check_text(channel, chunk, settings).valid
