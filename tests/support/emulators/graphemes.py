"""Count user-perceived characters (grapheme clusters), as Mastodon and Bluesky measure text.

Python's standard library has no grapheme segmentation, and the emulators may not add a
dependency, so this follows the common rules of Unicode UAX #29: a base character keeps its
combining marks, variation selectors, emoji modifiers and tag characters; a zero-width joiner
joins the next character; regional indicators pair into flags; CR LF is one. Hangul syllable
composition from conjoining jamo and the Indic conjunct rules are not modelled (precomposed
Hangul is one code point, so it counts right).
"""

from __future__ import annotations

import unicodedata

_ZWJ = 0x200D


def _extends(code: int) -> bool:
    """Return whether a code point attaches to the cluster before it."""
    if unicodedata.category(chr(code)) in ("Mn", "Me", "Mc"):
        return True
    return (
        0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or code == _ZWJ
    )


def _regional_indicator(code: int) -> bool:
    return 0x1F1E6 <= code <= 0x1F1FF


def grapheme_length(text: str) -> int:
    """Return how many grapheme clusters `text` has."""
    count = 0
    previous: int | None = None
    pending_flag = False
    for char in text:
        code = ord(char)
        joins = previous is not None and (
            _extends(code)
            or previous == _ZWJ
            or (previous == 0x0D and code == 0x0A)
            or (pending_flag and _regional_indicator(code))
        )
        if not joins:
            count += 1
        if _regional_indicator(code):
            # A flag is two indicators; a third starts the next flag.
            pending_flag = not (joins and pending_flag)
        elif not _extends(code):
            pending_flag = False
        previous = code
    return count
