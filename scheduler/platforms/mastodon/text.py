"""Post length by Mastodon's own rules, with the limits the instance itself announces.

As Mastodon's StatusLengthValidator counts: graphemes of the text, each URL as the instance's
`characters_reserved_per_url`, and a mention of a remote account (`@user@domain`) as `@user`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from scheduler.platforms.base import TextCheck

#: Mastodon's own defaults, for an instance that cannot be asked.
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_CHARACTERS_PER_URL = 23

_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")


@dataclass(frozen=True)
class InstanceLimits:
    """What one instance allows in a status."""

    host: str
    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_per_url: int = DEFAULT_CHARACTERS_PER_URL
    max_media: int = 4


def countable_length(text: str, per_url: int) -> int:
    """Return the length Mastodon counts for the text."""
    urls = _URL.findall(text)
    rest = _URL.sub("", text)
    rest = _REMOTE_MENTION.sub(lambda found: "@" + found.group(1), rest)
    return len(regex.findall(r"\X", rest)) + per_url * len(urls)


def measure(text: str, limits: InstanceLimits) -> TextCheck:
    """Measure the text against the instance's limits, saying what to fix if it is too long."""
    length = countable_length(text, limits.characters_per_url)
    problems: tuple[str, ...] = ()
    if not text.strip():
        problems = ("Write the text of the post; Mastodon refuses an empty one",)
    elif length > limits.max_characters:
        problems = (
            f"The post is {length} characters; {limits.host} allows {limits.max_characters} "
            f"(each link counts as {limits.characters_per_url}). Shorten it by "
            f"{length - limits.max_characters}",
        )
    return TextCheck(length=length, limit=limits.max_characters, problems=problems)
