"""X's refusals name the characters it refuses, as they are in the text."""

from __future__ import annotations

import pytest

from scheduler.platforms.x_text import measure


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "Figures\ufeff out today",
            "a character X does not accept: U+FEFF (zero width no-break space); remove it",
        ),
        ("Figures \ufffe", "a character X does not accept: U+FFFE (a noncharacter); remove it"),
        (
            "\uffff Figures \ufeff",
            "characters X does not accept: U+FEFF (zero width no-break space), "
            "U+FFFF (a noncharacter); remove them",
        ),
    ],
)  # fmt: skip
def test_each_refused_character_is_named(text: str, named: str) -> None:
    assert measure(text).problems == (f"The post contains {named}",)
