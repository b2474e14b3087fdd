"""Splitting a long statement into numbered posts that fit, never breaking a word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.clearance import split_thread_text, split_twin_texts
from scheduler.core.errors import ValidationFailed
from scheduler.platforms import x_text

STATEMENT = (
    "The unemployment rate for people aged 16 years and over was estimated at 4.4%, "
    "higher than the previous quarter. "
) * 6


def test_a_short_text_stays_one_post_without_numbers() -> None:
    assert split_thread_text("  Inflation fell to 2.1%.  ") == ["Inflation fell to 2.1%."]


def test_a_long_statement_becomes_numbered_posts_that_each_fit() -> None:
    parts = split_thread_text(STATEMENT)
    assert len(parts) == 3
    assert [part.rsplit(" ", 1)[1] for part in parts] == ["1/3", "2/3", "3/3"]
    assert all(x_text.measure(part).valid for part in parts)
    rejoined = " ".join(part.rsplit(" ", 1)[0] for part in parts)
    assert rejoined.split() == STATEMENT.split()


def test_links_count_as_23_characters_when_splitting() -> None:
    link = "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork/" + "x" * 200
    parts = split_thread_text(("Read more " + link + " ") * 12)
    assert all(x_text.measure(part).valid for part in parts)
    assert all(link in part for part in parts)


def test_ten_or_more_parts_widen_the_numbering_and_still_fit() -> None:
    parts = split_thread_text("word " * 700)
    assert len(parts) >= 10
    assert parts[-1].endswith(f" {len(parts)}/{len(parts)}")
    assert all(x_text.measure(part).valid for part in parts)


def test_a_word_too_long_for_any_post_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="too long for one post even on its own"):
        split_thread_text("ok " + "x" * 300)


def test_blank_text_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="Enter the text"):
        split_thread_text("   \n ")


def test_twins_split_into_the_same_number_of_posts() -> None:
    english = "The labour market continued to cool in the latest period. " * 8
    welsh = "Parhaodd y farchnad lafur i oeri. " * 8
    parts, twins = split_twin_texts(english, welsh)
    assert len(parts) == len(twins) == 2
    assert [twin.rsplit(" ", 1)[1] for twin in twins] == ["1/2", "2/2"]
    assert " ".join(t.rsplit(" ", 1)[0] for t in twins).split() == welsh.split()
    assert all(x_text.measure(part).valid for part in [*parts, *twins])


def test_asking_for_more_parts_balances_them() -> None:
    parts = split_thread_text("one two three four five six", parts=3)
    assert parts == ["one two 1/3", "three four 2/3", "five six 3/3"]
    with pytest.raises(ValidationFailed, match="too few for 7 posts"):
        split_thread_text("one two three four five six", parts=7)
    with pytest.raises(ValidationFailed, match="needs 13 posts, more than 2"):
        split_thread_text("word " * 700, parts=2)


def test_a_custom_rule_is_followed() -> None:
    parts = split_thread_text("aa bb cc dd", fits=lambda text: len(text) <= 9)
    assert parts == ["aa bb 1/2", "cc dd 2/2"]


words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Z", "C")), min_size=1, max_size=30
)


@settings(max_examples=100, deadline=None)
@given(st.lists(words, min_size=1, max_size=150))
def test_splitting_keeps_every_word_whole_and_in_order(items: list[str]) -> None:
    text = " ".join(items)
    try:
        parts = split_thread_text(text)
    except ValidationFailed:
        # Only a word that cannot fit a post on its own stops the split.
        assert any(not x_text.measure(f"{item} 99/99").valid for item in items)
        return
    assert all(x_text.measure(part).valid for part in parts)
    if len(parts) == 1:
        assert parts == [text.strip()]
        return
    bodies = [part.rsplit(" ", 1)[0] for part in parts]
    assert " ".join(bodies).split() == text.split()
