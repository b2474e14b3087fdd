"""Mastodon's length rules: graphemes against the instance's max_characters, URLs at a fixed cost.

As app/validators/status_length_validator.rb counts: every URL costs the instance's
characters_reserved_per_url (23 on a stock server), a remote mention `@user@domain` counts only
as `@user`, and the rest is counted in user-perceived characters (grapheme clusters).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import regex

from scheduler.platforms.base import TextCheck

#: A stock Mastodon server's limits, used when the instance cannot be asked.
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_PER_URL = 23

_GRAPHEME = regex.compile(r"\X")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one instance allows a status (configuration.statuses of GET /api/v2/instance)."""

    domain: str
    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_reserved_per_url: int = DEFAULT_PER_URL


def countable_length(text: str, per_url: int = DEFAULT_PER_URL) -> int:
    """Return a status's length as Mastodon counts it against max_characters."""
    countable = _URL.sub("x" * per_url, text)
    countable = _REMOTE_MENTION.sub(r"@\1", countable)
    return sum(1 for _ in _GRAPHEME.finditer(countable))


def measure(text: str, limits: Limits) -> TextCheck:
    """Measure a status's text against an instance's limits, saying what to fix."""
    length = countable_length(text, limits.characters_reserved_per_url)
    problems = []
    if length > limits.max_characters:
        problems.append(
            f"The text is {length:,} characters; {limits.domain} allows "
            f"{limits.max_characters:,}: cut {length - limits.max_characters:,} (each link counts "
            f"as {limits.characters_reserved_per_url})"
        )
    return TextCheck(length=length, limit=limits.max_characters, problems=tuple(problems))


def comparable(text: str) -> str:
    """Return a status's source text as it compares with a rendered one.

    Remote mentions are shortened to `@user` (Mastodon renders them so) and whitespace collapsed.
    """
    return " ".join(_REMOTE_MENTION.sub(r"@\1", text).split())


def comparable_content(content: str) -> str:
    """Return a status's HTML `content` as comparable plain text.

    Tags are dropped (a link's hidden spans keep their text) and entities unescaped after, so a
    `&lt;` the author typed stays a `<`.
    """
    return comparable(html.unescape(_TAG.sub("", _BREAK.sub(" ", content))))
