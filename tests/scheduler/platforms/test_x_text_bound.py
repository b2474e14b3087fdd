"""The quick length bound never lets through a text X would refuse."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.platforms.x_text import measure, surely_valid

PIECES = st.sampled_from(
    [
        "a",
        "W",
        " ",
        ".",
        "a.co",
        "https://t.co/x",
        "www.ons.gov.uk",
        "ŵ",
        "â",
        "日本",
        "👩‍👩‍👧",
        "e\u0301",
        "\u0958",
        "\r\n",
        "#ONS",
        "\ufffe",
        "。",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=160).map("".join))
def test_surely_valid_implies_x_accepts_the_text(text: str) -> None:
    if surely_valid(text):
        assert measure(text).valid, text


def test_ordinary_posts_take_the_quick_path() -> None:
    assert surely_valid("Unemployment rate 4.2% https://www.ons.gov.uk/employment #ONS")
    assert surely_valid("Cyfradd ddiweithdra 4.2% \u2013 gŵyl https://www.ons.gov.uk/")
    assert not surely_valid("")
    assert not surely_valid("x" * 281)
