"""Post length by X's own rules: twitter-text v3 weighting, via the twitter-text-parser library."""

from __future__ import annotations

import re
import unicodedata

from twitter_text import parse_tweet
from twitter_text.regexp.invalid_chars import invalid_chars

from scheduler.platforms.base import TextCheck

MAX_WEIGHTED_LENGTH = 280
# Characters twitter-text v3 weighs 1; every other character weighs 2.
_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# Every URL twitter-text recognises has a dot in its host; each counts 23, at least 4 characters.
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_URL_SURCHARGE = 23 - 4


def measure(text: str) -> TextCheck:
    """Measure a text as X counts it (URLs count 23, most CJK and emoji count double)."""
    parsed = parse_tweet(text)
    problems: list[str] = []
    if not text.strip():
        problems.append("Enter the text of the post")
    elif parsed.weightedLength > MAX_WEIGHTED_LENGTH:
        over = parsed.weightedLength - MAX_WEIGHTED_LENGTH
        problems.append(
            f"The post is {parsed.weightedLength} characters as X counts them, "
            f"{over} over the limit of {MAX_WEIGHTED_LENGTH}"
        )
    elif not parsed.valid:
        problems.append(_refused_characters(text))
    return TextCheck(
        length=parsed.weightedLength, limit=MAX_WEIGHTED_LENGTH, problems=tuple(problems)
    )


def _refused_characters(text: str) -> str:
    """Say which characters X refuses are in the text, by code point and name."""
    found = sorted(set(invalid_chars.findall(text)))
    if not found:
        return "The post contains characters X does not accept; remove them"
    named = ", ".join(_code_point(character) for character in found)
    if len(found) == 1:
        return f"The post contains a character X does not accept: {named}; remove it"
    return f"The post contains characters X does not accept: {named}; remove them"


def _code_point(character: str) -> str:
    name = unicodedata.name(character, "")
    shown = f"U+{ord(character):04X}"
    return f"{shown} ({name.lower()})" if name else f"{shown} (a noncharacter)"


def surely_valid(text: str) -> bool:
    """Return True only if X certainly accepts the text, cheaply (False means: measure it).

    A bound, not a measurement: each character at its heaviest weight, each possible URL at its
    dearest surcharge. It lets the hot publishing path skip the full parse for ordinary posts.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        heavy = len(_HEAVY.findall(text))
    else:
        heavy = 0
    bound = len(text) + heavy + _URL_SURCHARGE * len(_DOTS.findall(text))
    return bound <= MAX_WEIGHTED_LENGTH and bool(text.strip()) and not invalid_chars.search(text)


def is_valid(text: str) -> bool:
    """Return whether X would accept the text."""
    return bool(parse_tweet(text).valid)
