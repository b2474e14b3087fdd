"""Post length by X's own rules: twitter-text v3 weighting, via the twitter-text-parser library."""

from __future__ import annotations

from twitter_text import parse_tweet

from scheduler.platforms.base import TextCheck

MAX_WEIGHTED_LENGTH = 280


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
        problems.append("The post contains characters X does not accept (such as U+FFFE)")
    return TextCheck(
        length=parsed.weightedLength, limit=MAX_WEIGHTED_LENGTH, problems=tuple(problems)
    )


def is_valid(text: str) -> bool:
    """Return whether X would accept the text."""
    return bool(parse_tweet(text).valid)
